/**
 * One read shared by every request asking within `ttlMs`: concurrent callers wait for the same promise and
 * later ones reuse its result until it is older than ttlMs. A failure is not kept (the next caller retries).
 * For live broker reads many viewers poll (the Overview's cluster summary), so fifty viewers cost the
 * broker and this server one read per interval, not fifty. Keyed by an object (e.g. the adapter), so two
 * connection sets never share a result.
 */
interface Entry {
  at: number;
  value: Promise<unknown>;
}

const entries = new WeakMap<object, Entry>();

export function sharedRead<T>(owner: object, ttlMs: number, read: () => Promise<T>, now: () => number = Date.now): Promise<T> {
  const found = entries.get(owner);
  if (found && now() - found.at < ttlMs) return found.value as Promise<T>;
  const entry: Entry = { at: now(), value: read() };
  entries.set(owner, entry);
  entry.value.then(
    () => {
      // Fresh from when it answered, so a slow read is not stale on arrival.
      entry.at = now();
    },
    () => {
      if (entries.get(owner) === entry) entries.delete(owner);
    },
  );
  return entry.value as Promise<T>;
}
