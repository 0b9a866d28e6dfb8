import type { Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { errorMessage } from "~/server/jobs/health-monitor";
import { AlertEngine, staleAfterMs, type RoundResult } from "./engine";
import { ensureDefaultPack } from "./rules";

/**
 * Alerting in one process: the default pack on first run, and an engine the collector calls after each of
 * its rounds (only the collector's lease holder collects, so only it evaluates).
 */
export async function startAlerting(db: ControlDb, connections: Connections, onRound?: (result: RoundResult) => Promise<void>): Promise<AlertEngine> {
  if (await ensureDefaultPack(db).catch((error: unknown) => console.error(`[redrive] alerts: default pack: ${errorMessage(error)}`))) {
    console.log("[redrive] alerts: installed the default rule pack");
  }
  return new AlertEngine({ db, connections }, { staleAfterMs: staleAfterMs(connections.config), onRound });
}
