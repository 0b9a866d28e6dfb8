import { brokerPlugin, type BrokerKind } from "~/server/brokers/registry";
import type { Connections } from "~/server/connections/registry";
import { DomainError, NotFound } from "~/server/lib/errors";

/** A connection's replay settings from redrive.yaml (no secrets); NotFound for an unknown connection. */
export function replaySettings(connections: Connections, kind: BrokerKind, connection: string): { allowEdit: boolean; keepErrorHeaders: boolean } {
  const config = connections.config[kind].find((c) => c.name === connection);
  if (!config) throw new NotFound(`No ${brokerPlugin(kind).label} connection "${connection}".`);
  return { allowEdit: config.replay.allowEdit, keepErrorHeaders: config.replay.keepErrorHeaders };
}

/** Editing messages is off for this connection (replay.allowEdit in redrive.yaml). */
export class EditingOff extends DomainError {
  readonly refusal = "forbidden";
  constructor(kind: BrokerKind, connection: string) {
    super(`Editing messages is off for the ${brokerPlugin(kind).label} connection "${connection}" (set replay.allowEdit: true in redrive.yaml).`);
    this.name = "EditingOff";
  }
}
