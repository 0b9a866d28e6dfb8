import type { Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { errorMessage } from "~/server/lib/errors";
import type { JobQueue } from "~/server/jobs/job-queue";
import { logger } from "~/server/lib/logger";
import { AlertEngine, staleAfterMs, type RoundResult } from "./engine";
import { scheduleNotifications, type NotifyDeps } from "./notify/dispatch";
import { ensureDefaultPack } from "./rules";
import { syncFileConfig } from "./sync";

export const notifyDeps = (db: ControlDb, connections: Connections, queue: () => Promise<JobQueue>): NotifyDeps => ({
  db,
  publicUrl: connections.config.alerts.publicUrl,
  enqueueFlush: async (groupId, at) => (await queue()).enqueueAlertFlush(groupId, at),
});

/**
 * Alerting in one process: rules and channels from redrive.yaml, the default pack on first run, and an engine
 * the collector calls after each of its rounds (only the collector's lease holder collects, so only it
 * evaluates); each round's changes are scheduled as durable notification jobs.
 */
export async function startAlerting(
  db: ControlDb,
  connections: Connections,
  queue: () => Promise<JobQueue>,
  options: { onRound?: (result: RoundResult) => void } = {},
): Promise<AlertEngine | null> {
  if (!connections.config.alerts.enabled) return null;
  await syncFileConfig(db, connections.config.alerts);
  if (await ensureDefaultPack(db).catch((error: unknown) => logger.error({ component: "alerts", err: errorMessage(error) }, "default rule pack not installed"))) {
    logger.info({ component: "alerts" }, "installed the default rule pack");
  }
  const deps = notifyDeps(db, connections, queue);
  return new AlertEngine(
    { db, connections },
    {
      staleAfterMs: staleAfterMs(connections.config),
      onRound: async (result) => {
        options.onRound?.(result);
        await scheduleNotifications(deps, result.transitions);
      },
    },
  );
}
