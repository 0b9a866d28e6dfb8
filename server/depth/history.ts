import type { BrokerKind } from "~/server/brokers/registry";
import type { Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { NotFound } from "~/server/lib/errors";
import { bucketSeconds, depthHistory, type RangeKey } from "~/server/lag/queries";

/** A connection's sampling interval from redrive.yaml (every broker's connection sets sampleIntervalSeconds). */
export function sampleIntervalSeconds(connections: Connections, kind: BrokerKind, connection: string): number | undefined {
  return connections.config[kind].find((c) => c.name === connection)?.sampleIntervalSeconds;
}

/** The stored depth of some queues or DLQ topics over a range, in buckets no finer than the connection samples. */
export async function queueDepthHistory(db: ControlDb, connections: Connections, input: { kind: BrokerKind; connection: string; names: string[]; range: RangeKey }) {
  const interval = sampleIntervalSeconds(connections, input.kind, input.connection);
  if (interval === undefined) throw new NotFound(`No ${input.kind} connection "${input.connection}".`);
  const bucket = bucketSeconds(input.range, interval);
  const points = await depthHistory(db, input.kind, { connection: input.connection, names: input.names, range: input.range, bucket });
  return { bucketSeconds: bucket, points };
}
