import { randomUUID } from "node:crypto";
import type { ChannelModel } from "amqplib";
import type { NativeMovePlan, NativeMoveStatus } from "../types";
import type { ManagementClient } from "./management";
import { openChannel } from "./reader";
import { deadLetterTopology } from "./topology";

/** Dynamic shovels Redrive starts are named so, and so can be told from anyone else's. */
export const MOVE_SHOVEL_PREFIX = "redrive-move-";

const METHOD = "a RabbitMQ dynamic shovel";

/**
 * Whether a DLQ can be moved back whole by a dynamic shovel, and where to. The shovel plugin must be enabled
 * (the management API lists the shovel management extension, which needs it), the DLQ must be the dead-letter
 * queue of exactly one source queue (a shovel has one destination: a DLQ that collects several queues' dead
 * letters is replayed message by message instead), and not a stream.
 */
export async function shovelMovePlan(management: ManagementClient, dlq: string): Promise<NativeMovePlan> {
  const [enabled, queues, exchanges, bindings] = await Promise.all([management.shovelPluginEnabled(), management.queues(), management.exchanges(), management.bindings()]);
  const refuse = (reason: string): NativeMovePlan => ({ available: false, method: METHOD, reason });
  if (!enabled) return refuse("The shovel plugins (rabbitmq_shovel, rabbitmq_shovel_management) are not enabled on this broker: the management API lists no shovel extension.");
  const queue = queues.find((q) => q.name === dlq);
  if (!queue) return refuse(`Queue "${dlq}" does not exist on this broker.`);
  if (queue.type === "stream") return refuse(`"${dlq}" is a stream: a shovel would copy it, not move it.`);
  const sources = deadLetterTopology(queues, exchanges, bindings).deadLetterQueues.find((d) => d.name === dlq)?.sourceQueues ?? [];
  if (sources.length !== 1) {
    return refuse(
      sources.length === 0
        ? `No queue dead-letters into "${dlq}" (no x-dead-letter-exchange routes here): a shovel would not know where to move its messages. Replay them to their origin instead.`
        : `"${dlq}" collects the dead letters of ${sources.length} queues (${sources.join(", ")}); a shovel moves everything to one place. Replay them to their origins instead.`,
    );
  }
  const source = sources[0]!;
  return {
    available: true,
    method: METHOD,
    destination: source,
    target: source,
    depth: queue.messagesReady,
    maxRatePerSecond: null,
    description:
      `RabbitMQ's shovel plugin moves every message of ${dlq} to its source queue ${source} (published straight to the queue, each one removed from the DLQ ` +
      "only after the broker confirmed it: ack-mode on-confirm), and removes itself once it has moved as many messages as the DLQ held when it started. " +
      "No dry run, canary, per-message ledger or loop guard, and no rate limit; the moved messages keep their x-death headers and gain x-shovelled, not Redrive's replay headers.",
  };
}

/** The local node as a shovel URI for the client's vhost ("amqp://" is the default vhost). */
function localUri(vhost: string): string {
  return vhost === "/" ? "amqp://" : `amqp:///${encodeURIComponent(vhost)}`;
}

/** Starts the shovel of a plan: it moves as many messages as the DLQ holds now, then deletes itself. Returns its name. */
export async function startShovelMove(management: ManagementClient, dlq: string, destination: string): Promise<string> {
  const name = `${MOVE_SHOVEL_PREFIX}${dlq}-${randomUUID().slice(0, 8)}`;
  const uri = localUri(management.vhost);
  await management.createShovel({ name, srcUri: uri, srcQueue: dlq, destUri: uri, dest: { queue: destination }, deleteAfter: "queue-length", addForwardHeaders: true });
  return name;
}

/** Ready messages in a queue now (AMQP: exact, where the management API's figures lag by seconds). */
export async function readyCount(connection: ChannelModel, queue: string): Promise<number | null> {
  const channel = await openChannel(connection);
  try {
    return (await channel.checkQueue(queue)).messageCount;
  } catch {
    return null;
  } finally {
    await channel.close().catch(() => undefined);
  }
}

/**
 * Where a move shovel is: running (moved = how far the DLQ went down from `total`), completed once the shovel
 * deleted itself, failed when the plugin reports it terminated. Dead letters arriving meanwhile make the count approximate.
 */
export async function shovelMoveStatus(management: ManagementClient, connection: ChannelModel, dlq: string, name: string, total: number): Promise<NativeMoveStatus> {
  const [status, exists, remaining] = await Promise.all([management.shovelStatus(name), management.shovelExists(name), readyCount(connection, dlq)]);
  const moved = remaining === null ? 0 : Math.min(total, Math.max(0, total - remaining));
  if (!exists) return { status: "COMPLETED", moved: remaining === null ? total : moved, toMove: 0, failureReason: null };
  if (status.state === "terminated") return { status: "FAILED", moved, toMove: remaining, failureReason: status.reason ?? "the shovel terminated" };
  return { status: "RUNNING", moved, toMove: remaining === null ? null : Math.max(0, total - moved), failureReason: null };
}
