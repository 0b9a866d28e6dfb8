import { withTimeout } from "~/server/brokers/types";
import { errorMessage } from "~/server/lib/errors";
import { connectionRefs, pingerFor, type ConnectionRef, type Connections } from "~/server/connections/registry";

export interface ConnectionHealth extends ConnectionRef {
  reachable: boolean;
  version: string | null;
  roundTripMs: number | null;
  checkedAt: Date;
  lastError: string | null;
  lastErrorAt: Date | null;
}

const PING_TIMEOUT_MS = 5_000;
const INTERVAL_MS = 15_000;

export async function checkConnection(
  all: Connections,
  ref: ConnectionRef,
  previous: ConnectionHealth | undefined,
): Promise<ConnectionHealth> {
  const started = performance.now();
  const checkedAt = new Date();
  try {
    const { version } = await withTimeout(`${ref.kind} connection "${ref.name}"`, PING_TIMEOUT_MS, pingerFor(all, ref).ping());
    return {
      ...ref,
      reachable: true,
      version,
      roundTripMs: Math.round((performance.now() - started) * 10) / 10,
      checkedAt,
      lastError: previous?.lastError ?? null,
      lastErrorAt: previous?.lastErrorAt ?? null,
    };
  } catch (error) {
    return {
      ...ref,
      reachable: false,
      version: previous?.version ?? null,
      roundTripMs: null,
      checkedAt,
      lastError: errorMessage(error),
      lastErrorAt: checkedAt,
    };
  }
}

const key = (ref: ConnectionRef) => `${ref.kind}/${ref.name}`;

export class HealthMonitor {
  constructor(private readonly all: Connections) {}

  private readonly latest = new Map<string, ConnectionHealth>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<ConnectionHealth[]> | null = null;

  /** Checks every connection now (concurrent calls share one round). */
  checkAll(): Promise<ConnectionHealth[]> {
    this.running ??= (async () => {
      const all = this.all;
      const results = await Promise.all(
        connectionRefs(all).map((ref) => checkConnection(all, ref, this.latest.get(key(ref)))),
      );
      for (const result of results) this.latest.set(key(result), result);
      return results;
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** The last results, checking first when nothing was checked yet or the results are older than one interval. */
  async current(): Promise<ConnectionHealth[]> {
    const refs = connectionRefs(this.all);
    const known = refs.map((ref) => this.latest.get(key(ref)));
    const stale = known.some((health) => !health || Date.now() - health.checkedAt.getTime() > INTERVAL_MS);
    return stale ? this.checkAll() : (known as ConnectionHealth[]);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.checkAll().catch(() => undefined), INTERVAL_MS);
    this.timer.unref();
    void this.checkAll().catch(() => undefined);
  }
}

// One monitor per set of connections (one per process in production), so its results are shared.
const monitors = new WeakMap<Connections, HealthMonitor>();

export function healthMonitor(all: Connections): HealthMonitor {
  let monitor = monitors.get(all);
  if (!monitor) {
    monitor = new HealthMonitor(all);
    monitors.set(all, monitor);
  }
  return monitor;
}
