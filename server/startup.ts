import { BROKER_KINDS } from "~/server/brokers/registry";
import { startAlerting } from "~/server/alerts/service";
import { ensureFirstAdmin } from "~/server/auth/bootstrap";
import { deleteExpiredSessions } from "~/server/auth/sessions";
import { deleteFadedThrottles } from "~/server/auth/throttle";
import { ConfigError } from "~/server/config/load";
import { connections } from "~/server/connections/registry";
import { controlStore } from "~/server/db/control-store";
import { Collector } from "~/server/jobs/collector";
import { healthMonitor } from "~/server/jobs/health-monitor";
import { checkIndexesAtStartup } from "~/server/sagas/indexes";
import { jobQueue } from "~/server/jobs/job-queue";
import { startJobWorkers } from "~/server/jobs/workers";
import { errorText, logger } from "~/server/lib/logger";

/** Runs once when the server starts: a bad config or an unreachable control store stops it with a clear error. */
export async function startServer(): Promise<void> {
  let all;
  try {
    all = connections();
    const { config } = all;
    logger.info({ ...Object.fromEntries(BROKER_KINDS.map((kind) => [kind, config[kind].length])), databases: config.databases.length }, "config loaded");
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.fatal(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const store = await controlStore().catch((error: unknown) => {
    logger.fatal(`cannot open the control store: ${errorText(error)}`);
    process.exit(1);
  });
  logger.info({ kind: store.kind, location: store.location }, "control store open, migrations applied");
  await ensureFirstAdmin(store.db);
  await deleteExpiredSessions(store.db);
  await deleteFadedThrottles(store.db, all.config.auth.throttle);
  healthMonitor(all).start();
  // Sagas and outbox: warn about missing indexes on the application databases (never blocks start-up).
  void checkIndexesAtStartup(all).catch(() => undefined);
  const alerts = await startAlerting(store.db, all, () => jobQueue(store));
  await new Collector(store, all, all.config, alerts ? () => alerts.evaluate() : undefined).start();
  // Replay jobs survive restarts: pg-boss hands this process the queued slices and those of a worker that died.
  await startJobWorkers({ db: store.db, connections: all, queue: await jobQueue(store) });
}
