import { brokerPlugin, type BrokerKind } from "~/server/brokers/registry";
import type { Connections } from "~/server/connections/registry";
import { DomainError, NotFound } from "~/server/lib/errors";

/** A connection's replay settings from redrive.yaml (no secrets); NotFound for an unknown connection. */
export function replaySettings(connections: Connections, kind: BrokerKind, connection: string): { allowEdit: boolean; keepErrorHeaders: boolean } {
  const config = connections.config[kind].find((c) => c.name === connection);
  if (!config) throw new NotFound(`No ${brokerPlugin(kind).label} connection "${connection}".`);
  return { allowEdit: config.replay.allowEdit, keepErrorHeaders: config.replay.keepErrorHeaders };
}

/** Editing is off for this connection (replay.allowEdit), or the broker cannot edit, discard, ... (its plugin says). */
export class ActionNotAllowed extends DomainError {
  readonly refusal: "forbidden" | "invalid";
  constructor(message: string, refusal: "forbidden" | "invalid" = "forbidden") {
    super(message);
    this.refusal = refusal;
    this.name = "ActionNotAllowed";
  }
}
