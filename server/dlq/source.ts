import type { FetchedRecord } from "~/server/brokers/kafka/kafka-records";
import type { Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import type { Role } from "~/server/db/schema";
import type { FailureGroup } from "./groups";
import type { RawDlqMessage } from "./messages";

/** What a DLQ read needs: the control store (SQS snapshots), the connections, and the caller's role (Kafka topic access). */
export interface DlqDeps {
  db: ControlDb;
  connections: Connections;
  principal: { role: Role };
}

/** One DLQ of one connection. */
export interface DlqAt {
  connection: string;
  /** Kafka: the DLQ topic. SQS, RabbitMQ: the DLQ queue name. */
  dlq: string;
  /** Snapshot-browsed DLQs (SQS): the snapshot read; the export takes the latest when none is given. */
  snapshotId?: string;
}

/** Where a scan hands what it reads: messages, or log records as read (a message is built only for a match). */
export interface ScanSink {
  message(message: RawDlqMessage): void;
  records(partition: number, records: FetchedRecord[]): void;
  stop(): boolean;
  total(total: number): void;
  /** Awaited after each read batch (filters it while the next one is read). */
  afterBatch(): Promise<void>;
}

export interface FailureGroups {
  groups: FailureGroup[];
  scanned: number;
  /** How many messages the DLQ holds (or the snapshot captured), for "based on N of M". */
  retained: number;
}

/**
 * How one broker kind's DLQ is read by the broker-neutral DLQ service (message detail, failure groups, search,
 * export, download): one implementation per kind in server/dlq/sources.ts, a map typed over every registered kind,
 * so a new broker does not compile until it says how its DLQs are read. Refusals are DomainErrors.
 */
export interface DlqSource {
  /**
   * Refuses, before anything is read, a DLQ the caller may not read: a Kafka topic that is not a known DLQ of the
   * connection without topics.readAny (and an unknown Kafka connection). Other kinds read only their DLQs.
   */
  assertReadable(deps: DlqDeps, at: DlqAt): void;
  /** Refuses a search that cannot start yet (SQS: no snapshot to search). */
  assertSearchable(at: DlqAt): void;
  /** One message by its id: null when it is gone; a malformed id or a missing snapshot is refused. */
  message(deps: DlqDeps, at: DlqAt, id: string): Promise<RawDlqMessage | null>;
  /** Why `message` found nothing, in words for the caller. */
  missing(at: DlqAt, id: string): string;
  groups(deps: DlqDeps, at: DlqAt, maxMessages: number): Promise<FailureGroups>;
  /** Reads the whole DLQ (or what the broker lets a search read) into the sink. */
  scan(deps: DlqDeps, at: DlqAt, sink: ScanSink): Promise<void>;
  /** The messages to export, in batches (only `ids` when given), and the snapshot read (snapshot-browsed DLQs). */
  exportBatches(deps: DlqDeps, at: DlqAt, ids: string[] | null): Promise<{ batches: AsyncGenerator<RawDlqMessage[]>; snapshotId: string | null }>;
}
