import type { DatabaseConnectionConfig } from "~/server/config/schema";
import { debeziumOutbox } from "./debezium";
import { eventuateOutbox } from "./eventuate";
import { redriveDemoOutbox } from "./redrive-demo";
import type { OutboxLayout } from "./types";

export type { BacklogEntry, BlockedChain, OutboxLayout, OutboxRow, OutboxSummary } from "./types";

export function outboxLayout(config: Pick<DatabaseConnectionConfig, "layout" | "tables">): OutboxLayout {
  switch (config.layout) {
    case "debezium":
      return debeziumOutbox(config.tables);
    case "eventuate":
      return eventuateOutbox(config.tables);
    default:
      return redriveDemoOutbox(config.tables);
  }
}
