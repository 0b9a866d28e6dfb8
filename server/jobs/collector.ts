import type { RedriveConfig } from "~/server/config/schema";
import type { Connections } from "~/server/connections/registry";
import type { ControlStore, Lease } from "~/server/db/control-store";
import { collectorRuns } from "~/server/db/schema";
import { errorMessage } from "~/server/lib/errors";
import { BROKER_KINDS, type BrokerAdapterOf, type BrokerKind } from "~/server/brokers/registry";
import { OUTBOX_SAMPLE_INTERVAL_MS, OutboxSampler } from "./outbox-sampler";
import { applyRetention } from "./retention";
import { pruneAuditLog } from "~/server/audit/retention";
import { samplers } from "./samplers";
import { snapshotApplicationDatabases } from "~/server/sagas/snapshot";
import { logger } from "~/server/lib/logger";
import { REPLICA_ID } from "~/server/lib/replica";

const log = logger.child({ component: "collector" });

// Arbitrary constant naming the collector's advisory lock (held by exactly one replica; /api/ready names it).
export const COLLECTOR_LOCK_KEY = 7_346_211_002;
const RETENTION_INTERVAL_MS = 15 * 60_000;
const LEASE_RETRY_MS = 15_000;

interface Target {
  kind: BrokerKind;
  name: string;
  intervalMs: number;
  sample: () => Promise<unknown>;
}

/**
 * Samples every configured Kafka cluster and SQS endpoint on its interval and stores the samples, so no
 * page ever waits on a broker. With several replicas, only the holder of the collector lease samples.
 */
export class Collector {
  private readonly targets: Target[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();
  private lease: Lease | null = null;
  private readonly outbox: OutboxSampler;
  private stopped = false;

  constructor(
    private readonly store: ControlStore,
    private readonly connections: Connections,
    private readonly config: RedriveConfig,
    /** Runs after every collection round (alert evaluation); its failure never fails the round. */
    private readonly afterRound?: () => Promise<void>,
  ) {
    this.outbox = new OutboxSampler(store.db, connections);
    this.targets = BROKER_KINDS.flatMap((kind) => this.targetsOf(kind));
  }

  private targetsOf<K extends BrokerKind>(kind: K): Target[] {
    // The cast names what the mapped type guarantees: the map under `kind` holds that kind's adapters.
    const adapters = [...(this.connections[kind] as Map<string, BrokerAdapterOf<K>>).values()];
    return adapters.map((adapter) => ({ kind, name: adapter.name, ...samplers[kind](this.store.db, adapter, this.config) }));
  }

  /** Samples one connection now and records the run; a sample already in progress is awaited instead. */
  collect(kind: Target["kind"], name: string): Promise<void> {
    const target = this.targets.find((t) => t.kind === kind && t.name === name);
    if (!target) return Promise.reject(new Error(`unknown ${kind} connection "${name}"`));
    const key = `${kind}/${name}`;
    const existing = this.running.get(key);
    if (existing) return existing;
    const run = this.record(target).finally(() => this.running.delete(key));
    this.running.set(key, run);
    return run;
  }

  private async record(target: Target): Promise<void> {
    const startedAt = new Date();
    let error: string | null = null;
    try {
      await target.sample();
    } catch (caught) {
      error = errorMessage(caught);
      log.warn({ kind: target.kind, connection: target.name, err: error }, "sample failed");
    }
    const finishedAt = new Date();
    await this.store.db.insert(collectorRuns).values({
      connectionKind: target.kind,
      connection: target.name,
      startedAt,
      finishedAt,
      ok: error === null,
      error,
      durationMs: finishedAt.getTime() - startedAt.getTime(),
    });
    await this.runAfterRound();
  }

  private async runAfterRound(): Promise<void> {
    await this.afterRound?.().catch((caught: unknown) => log.error({ err: errorMessage(caught) }, "after-round work failed"));
  }

  private every(ms: number, work: () => Promise<unknown>): void {
    const timer = setInterval(() => {
      if (this.lease?.held) void work().catch((error: unknown) => log.error({ err: errorMessage(error) }, "collector round failed"));
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /** Keeps trying to hold the lease; while held, samples each target on its interval. */
  async start(): Promise<void> {
    const acquire = async () => {
      if (this.stopped || this.lease?.held) return;
      this.lease = await this.store.tryLease(COLLECTOR_LOCK_KEY).catch(() => null);
      if (this.lease) {
        log.info({ replica: REPLICA_ID }, "this replica holds the collector lease and collects samples");
        await Promise.all(this.targets.map((t) => this.collect(t.kind, t.name).catch(() => undefined)));
      }
    };
    await acquire();
    const retry = setInterval(() => void acquire(), LEASE_RETRY_MS);
    retry.unref();
    this.timers.add(retry);
    for (const target of this.targets) this.every(target.intervalMs, () => this.collect(target.kind, target.name));
    this.every(RETENTION_INTERVAL_MS, () => applyRetention(this.store.db, this.config.collector));
    // Audit rows past audit.retentionDays: exported to NDJSON first, then pruned (server/audit/retention.ts).
    this.every(RETENTION_INTERVAL_MS, () => pruneAuditLog(this.store.db, this.config.audit));
    // The outbox history sample and the saga/outbox snapshot pages and /api/metrics read (one round, one reader),
    // then the alert rules over what the round stored.
    if (this.config.databases.length > 0) {
      this.every(OUTBOX_SAMPLE_INTERVAL_MS, async () => {
        await this.outbox.sample();
        await snapshotApplicationDatabases(this.store.db, this.connections);
        await this.runAfterRound();
      });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
    await Promise.allSettled(this.running.values());
    await this.lease?.release();
    this.lease = null;
  }
}
