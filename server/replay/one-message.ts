/**
 * One dead letter replayed, edited and replayed, or discarded, whichever broker holds it: one entry per broker kind,
 * typed over every registered kind (as server/replay/jobs/executors.ts), so a new broker does not compile until it
 * says how one of its messages is replayed. Edit and discard are there exactly where the plugin declares the
 * "edit" and "discard" capabilities (tests/unit/broker-registry.test.ts checks it); a kind without them refuses.
 */
import { brokerPlugin, can, type BrokerKind } from "~/server/brokers/registry";
import type { ReplayDestination } from "~/server/brokers/rabbitmq/replay";
import { parseRabbitTarget } from "~/server/brokers/rabbitmq/targets";
import { requireBroker } from "~/server/connections/registry";
import { logPositionOf } from "~/server/dlq/kafka-source";
import type { DlqDeps } from "~/server/dlq/source";
import { readableKafkaTopic } from "~/server/dlq/topic-access";
import { discardKafkaMessages, discardSqsMessage, type DiscardOptions } from "./discard";
import { schemaDecoderFor } from "~/server/dlq/schema-decoders";
import { editAndReplayKafkaMessage, editAndReplaySqsMessage, type EditOptions, type EditResult, type MessageEdit } from "./edit";
import { ReplayRefused, replayKafkaMessage, replayRabbitMessage, replaySqsMessage, type ReplayResult } from "./replay-one";
import { DomainError } from "~/server/lib/errors";
import { replaySettings } from "./settings";
import { replayNatsMessage } from "./nats-replay";

/** One message of one DLQ. */
export interface MessageAt {
  connection: string;
  dlq: string;
  id: string;
}

export interface ReplayOneInput {
  /** Another destination than the message's origin (RabbitMQ: "exchange / routing key", a bare name is that queue). */
  target?: string;
  /** RabbitMQ: an exchange and routing key (takes precedence over `target`). */
  destination?: ReplayDestination;
  overrideLoopGuard: boolean;
  /** Unset: the connection's replay.keepErrorHeaders. */
  keepErrorHeaders?: boolean;
  replayedBy: string;
}

export interface DiscardOneResult {
  id: string;
  action: "discard";
  replayId: string | null;
  alreadyDiscarded: boolean;
}

export interface OneMessageActions {
  replay(deps: DlqDeps, at: MessageAt, input: ReplayOneInput): Promise<ReplayResult>;
  /** Present exactly when the plugin declares "edit". */
  edit: ((deps: DlqDeps, at: MessageAt, edit: MessageEdit, options: EditOptions) => Promise<EditResult>) | null;
  /** Present exactly when the plugin declares "discard". */
  discard: ((deps: DlqDeps, at: MessageAt, options: DiscardOptions) => Promise<DiscardOneResult>) | null;
}

const keepErrorHeaders = (deps: DlqDeps, kind: BrokerKind, at: MessageAt, input: ReplayOneInput) =>
  input.keepErrorHeaders ?? replaySettings(deps.connections, kind, at.connection).keepErrorHeaders;

export const oneMessageActions: { [K in BrokerKind]: OneMessageActions } = {
  kafka: {
    replay: (deps, at, input) => {
      const options = { target: input.target, overrideLoopGuard: input.overrideLoopGuard, keepErrorHeaders: keepErrorHeaders(deps, "kafka", at, input), replayedBy: input.replayedBy };
      return replayKafkaMessage(deps.db, readableKafkaTopic(deps, at.connection, at.dlq), at.dlq, logPositionOf(at.id), options);
    },
    edit: (deps, at, edit, options) =>
      editAndReplayKafkaMessage(deps.db, readableKafkaTopic(deps, at.connection, at.dlq), at.dlq, logPositionOf(at.id), edit, {
        ...options,
        schemaDecoder: schemaDecoderFor(deps.connections, at.connection),
      }),
    // Marked resolved in the ledger; the record stays in the topic.
    discard: async (deps, at, options) => {
      logPositionOf(at.id);
      const outcome = await discardKafkaMessages(deps.db, readableKafkaTopic(deps, at.connection, at.dlq), at.dlq, [at.id], options);
      if (outcome.missing.length > 0) throw new ReplayRefused(`No record at ${at.id} of ${at.dlq} (removed by retention?).`);
      return { id: at.id, action: "discard", replayId: outcome.discarded[0]?.replayId ?? null, alreadyDiscarded: outcome.alreadyDiscarded.length > 0 };
    },
  },
  sqs: {
    replay: (deps, at, input) => {
      const options = { target: input.target, overrideLoopGuard: input.overrideLoopGuard, keepErrorHeaders: keepErrorHeaders(deps, "sqs", at, input), replayedBy: input.replayedBy };
      return replaySqsMessage(deps.db, requireBroker(deps.connections, "sqs", at.connection), at.dlq, at.id, options);
    },
    edit: (deps, at, edit, options) => editAndReplaySqsMessage(deps.db, requireBroker(deps.connections, "sqs", at.connection), at.dlq, at.id, edit, options),
    // Received, archived in the ledger, then deleted from the DLQ.
    discard: async (deps, at, options) => {
      const done = await discardSqsMessage(deps.db, requireBroker(deps.connections, "sqs", at.connection), at.dlq, at.id, options);
      return { id: at.id, action: "discard", replayId: done.replayId, alreadyDiscarded: false };
    },
  },
  rabbitmq: {
    // Published to an exchange and routing key with a publisher confirm; error headers are the broker's (x-death).
    replay: (deps, at, input) =>
      replayRabbitMessage(deps.db, requireBroker(deps.connections, "rabbitmq", at.connection), at.dlq, at.id, {
        destination: input.destination ?? (input.target === undefined ? undefined : parseRabbitTarget(input.target)),
        overrideLoopGuard: input.overrideLoopGuard,
        replayedBy: input.replayedBy,
      }),
    edit: null,
    discard: null,
  },
  nats: {
    // Republished to the original's subject (`target`: another subject) with Nats-Msg-Id = the replay id, after
    // the PubAck the ledger; the dead letter stays in the capture stream (an advisory is a record, not a queue).
    replay: (deps, at, input) =>
      replayNatsMessage(deps.db, requireBroker(deps.connections, "nats", at.connection), at.dlq, at.id, {
        subject: input.target,
        overrideLoopGuard: input.overrideLoopGuard,
        replayedBy: input.replayedBy,
      }),
    edit: null,
    discard: null,
  },
};

/** Asked of a broker whose plugin does not declare the capability (as the API's kind list once refused it). */
export class BrokerCannot extends DomainError {
  readonly refusal = "invalid";
  constructor(kind: BrokerKind, what: string) {
    super(`${brokerPlugin(kind).label} dead letters cannot be ${what} in Redrive yet.`);
    this.name = "BrokerCannot";
  }
}

/** The kind's edit, or BrokerCannot when its broker cannot edit. */
export function editOf(kind: BrokerKind): NonNullable<OneMessageActions["edit"]> {
  const edit = can(kind, "edit") ? oneMessageActions[kind].edit : null;
  if (!edit) throw new BrokerCannot(kind, "edited");
  return edit;
}

/** The kind's discard, or BrokerCannot when its broker cannot discard. */
export function discardOf(kind: BrokerKind): NonNullable<OneMessageActions["discard"]> {
  const discard = can(kind, "discard") ? oneMessageActions[kind].discard : null;
  if (!discard) throw new BrokerCannot(kind, "discarded");
  return discard;
}
