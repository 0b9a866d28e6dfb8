/**
 * Sign-in throttling, per username and per client address, in the control store (so every replica sees the
 * same counts). A username gets `freeFailures` failed attempts (an address `freeFailuresPerAddress`); each further failure blocks it for twice as long
 * as the previous one (1 s, 2 s, 4 s, … up to `maxBlockSeconds`). While a key is blocked its attempts are
 * refused without the password being checked. A success clears the username's count, not the address's (an
 * attacker with one valid account must not be able to reset the count for their address). Counts fade: a
 * key whose last failure is older than twice the longest block starts again from zero.
 *
 * Hand-written rather than a rate-limiter package: it is one table and two statements, and the libraries'
 * Postgres stores want their own connection pool and table management beside our migrations.
 */
import { inArray, sql } from "drizzle-orm";
import type { ControlDb } from "~/server/db/control-store";
import { signInThrottle } from "~/server/db/schema";

export interface ThrottleSettings {
  freeFailures: number;
  freeFailuresPerAddress: number;
  maxBlockSeconds: number;
}

export function throttleKeys(username: string, address: string | null): string[] {
  return [`user:${username.trim().toLowerCase()}`, ...(address ? [`address:${address}`] : [])];
}

/** Seconds until the first of these keys may try again, or 0 when none is blocked. */
export async function blockedFor(db: ControlDb, keys: string[], now = new Date()): Promise<number> {
  const rows = await db.select({ blockedUntil: signInThrottle.blockedUntil }).from(signInThrottle).where(inArray(signInThrottle.key, keys));
  const until = Math.max(0, ...rows.map((row) => row.blockedUntil?.getTime() ?? 0));
  return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : 0;
}

/** Blocking time after `failures` failures of a key (pure, unit-tested). */
export function blockSeconds(key: string, failures: number, settings: ThrottleSettings): number {
  const over = failures - (key.startsWith("address:") ? settings.freeFailuresPerAddress : settings.freeFailures);
  if (over <= 0) return 0;
  return Math.min(settings.maxBlockSeconds, 2 ** Math.min(over - 1, 30));
}

export async function recordFailure(db: ControlDb, keys: string[], settings: ThrottleSettings): Promise<void> {
  const fade = `${settings.maxBlockSeconds * 2} seconds`;
  for (const key of keys) {
    // One statement per key: the count is incremented (or restarted when it has faded) atomically.
    const [row] = await db
      .insert(signInThrottle)
      .values({ key, failures: 1, lastFailureAt: sql`now()` })
      .onConflictDoUpdate({
        target: signInThrottle.key,
        set: {
          failures: sql`case when ${signInThrottle.lastFailureAt} < now() - ${fade}::interval then 1 else ${signInThrottle.failures} + 1 end`,
          lastFailureAt: sql`now()`,
        },
      })
      .returning({ failures: signInThrottle.failures });
    const seconds = blockSeconds(key, row?.failures ?? 1, settings);
    if (seconds > 0) {
      await db
        .update(signInThrottle)
        .set({ blockedUntil: sql`now() + ${`${seconds} seconds`}::interval` })
        .where(sql`${signInThrottle.key} = ${key}`);
    }
  }
}

export async function recordSuccess(db: ControlDb, username: string): Promise<void> {
  await db.delete(signInThrottle).where(inArray(signInThrottle.key, throttleKeys(username, null)));
}

export async function deleteFadedThrottles(db: ControlDb, settings: ThrottleSettings): Promise<void> {
  await db.delete(signInThrottle).where(sql`${signInThrottle.lastFailureAt} < now() - ${`${settings.maxBlockSeconds * 2} seconds`}::interval`);
}
