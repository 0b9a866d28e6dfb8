import type { DatabaseConnectionConfig } from "~/server/config/schema";
import { eventuateSagas } from "./eventuate";
import { redriveDemoSagas } from "./redrive-demo";
import type { SagaLayout } from "./types";

export * from "./types";

/** The saga layout of a database, or null where the layout keeps no sagas (Debezium is an outbox only). */
export function sagaLayout(config: Pick<DatabaseConnectionConfig, "layout" | "tables">): SagaLayout | null {
  switch (config.layout) {
    case "debezium":
      return null;
    case "eventuate":
      return eventuateSagas(config.tables);
    default:
      return redriveDemoSagas(config.tables);
  }
}
