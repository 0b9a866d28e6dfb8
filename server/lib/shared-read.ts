/**
 * One read shared by every request asking within `ttlMs`: concurrent callers wait for the same promise and
 * later ones reuse its result until it is older than ttlMs. A failure is not kept (the next caller retries).
 * For live reads many viewers poll (the Overview's cluster summary, the Outbox page's queries), so fifty
 * viewers cost the broker or database one read per interval, not fifty. Keyed by an object (the adapter,
 * the application database) and a name, so two connection sets never share a result.
 */
interface Entry {
  at: number;
  value: Promise<unknown>;
}

const owners = new WeakMap<object, Map<string, Entry>>();

export function sharedRead<T>(owner: object, key: string, ttlMs: number, read: () => Promise<T>, now: () => number = Date.now): Promise<T> {
  const entries = owners.get(owner) ?? new Map<string, Entry>();
  owners.set(owner, entries);
  const found = entries.get(key);
  if (found && now() - found.at < ttlMs) return found.value as Promise<T>;
  const entry: Entry = { at: now(), value: read() };
  entries.set(key, entry);
  entry.value.then(
    () => {
      // Fresh from when it answered, so a slow read is not stale on arrival.
      entry.at = now();
    },
    () => {
      if (entries.get(key) === entry) entries.delete(key);
    },
  );
  return entry.value as Promise<T>;
}

/** Drops an owner's shared reads (after a change through Redrive, so the next read sees it). */
export function forgetSharedReads(owner: object): void {
  owners.delete(owner);
}
