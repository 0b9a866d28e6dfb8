import { mustRead, visible, type Readable } from "~/server/auth/permissions";
import type { BulkReplayEffects, ReplayAudience, ReplayCapabilities } from "~/server/brokers/types";
import { ReplayRefused } from "./refused";

/** At most this many distinct targets are described for one dry run (each costs the broker a few round trips). */
const MAX_TARGETS = 20;

/** Refuses a replay to a topic or queue that does not exist, before anything is sent (topics are never auto-created). */
export async function refuseMissingTarget(broker: ReplayCapabilities, target: string): Promise<void> {
  const missing = await broker.missingTarget(target);
  if (missing) throw new ReplayRefused(missing);
}

/**
 * The audiences of a dry run's targets; refused as a whole when one of them does not exist, or (where routing
 * is known) when one routes its copies into the DLQ being replayed from.
 */
export async function audiencesOf(broker: ReplayCapabilities, targets: string[], dlq?: string): Promise<ReplayAudience[]> {
  const audiences = await Promise.all(targets.slice(0, MAX_TARGETS).map((target) => broker.replayAudience(target)));
  const missing = audiences.filter((a) => !a.exists);
  if (missing.length > 0) throw new ReplayRefused(missing.map((a) => (a.exists ? "" : a.reason)).join(" "));
  const intoDlq = audiences.filter((a) => a.exists && a.kind === "queues" && a.exact && a.queues.some((queue) => queue.name === dlq));
  if (intoDlq.length > 0) throw new ReplayRefused(`${intoDlq.map((a) => a.target).join(", ")} routes to the DLQ itself.`);
  return audiences;
}

/**
 * Who would receive a copy sent to `target`, for a caller who may read the target (OutOfScope otherwise,
 * answered as an unknown object): the consumer groups listed are those it may read (server/lag/group-scope.ts).
 */
export async function readableAudience(broker: ReplayCapabilities, readable: Readable | null, connection: string, target: string): Promise<ReplayAudience> {
  mustRead(readable, { connection, resource: target }, `topic or queue "${target}" on "${connection}"`);
  const audience = await broker.replayAudience(target);
  if (!audience.exists || audience.kind !== "groups") return audience;
  return { ...audience, groups: visible(audience.groups, readable, (group) => ({ connection, resource: group })) };
}

/**
 * What a bulk replay changes on a DLQ besides the messages it replays, where the broker has something to say
 * (RabbitMQ: reading returns what is not replayed). Null otherwise, and when the DLQ cannot be described now:
 * the dry run then says why it cannot read it.
 */
export async function bulkReplayEffectsOf(broker: ReplayCapabilities | undefined, dlq: string): Promise<BulkReplayEffects | null> {
  if (!broker?.bulkReplayEffects) return null;
  return broker.bulkReplayEffects(dlq).catch(() => null);
}
