import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { DatabaseConnectionConfig } from "~/server/config/schema";
import type { Connections } from "~/server/connections/registry";
import { outboxLayout, type OutboxLayout } from "~/server/outbox/layouts";
import { sagaLayout, type SagaLayout } from "./layouts";
import { DomainError } from "~/server/lib/errors";

/** One configured application database with its layouts resolved. */
export interface AppDatabase {
  name: string;
  writable: boolean;
  db: NodePgDatabase;
  config: DatabaseConnectionConfig;
  sagas: SagaLayout | null;
  outbox: OutboxLayout;
  /** Kafka connections whose consumer groups are this application's participants. */
  kafkaConnections: string[];
}

export class UnknownDatabaseError extends DomainError {
  readonly refusal = "not-found";
  override name = "UnknownDatabaseError";
}

export function appDatabases(connections: Connections): AppDatabase[] {
  return connections.config.databases.flatMap((config) => {
    const database = connections.databases.get(config.name);
    if (!database) return [];
    const kafka = [...connections.kafka.keys()];
    const kafkaConnections = config.sagas.kafkaConnection ? kafka.filter((k) => k === config.sagas.kafkaConnection) : kafka;
    return [{ name: config.name, writable: database.writable, db: database.db, config, sagas: sagaLayout(config), outbox: outboxLayout(config), kafkaConnections }];
  });
}

export function appDatabase(connections: Connections, name: string): AppDatabase {
  const found = appDatabases(connections).find((d) => d.name === name);
  if (!found) throw new UnknownDatabaseError(`No application database "${name}" is configured.`);
  return found;
}
