"use client";

import { useCallback, useSyncExternalStore } from "react";

/**
 * A per-browser preference kept in localStorage (theme, hidden columns, UTC times). The server render
 * and the first client render use the fallback, so hydration matches; every hook reading the same key
 * updates together (same tab through a local event, other tabs through `storage`).
 */
const LOCAL_EVENT = "redrive:stored-state";

function subscribe(onChange: () => void): () => void {
  window.addEventListener("storage", onChange);
  window.addEventListener(LOCAL_EVENT, onChange);
  return () => {
    window.removeEventListener("storage", onChange);
    window.removeEventListener(LOCAL_EVENT, onChange);
  };
}

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // storage disabled: the fallback applies
  }
}

export function writeStored(key: string, value: string | null): void {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    // storage disabled: the choice lasts until the page is left
  }
  window.dispatchEvent(new Event(LOCAL_EVENT));
}

/** The raw stored string (null when unset), and a setter. `parse` turns it into the value; it must be pure. */
export function useStoredState<T>(key: string, parse: (raw: string | null) => T, serialize: (value: T) => string | null) {
  const raw = useSyncExternalStore(
    subscribe,
    () => read(key),
    () => null,
  );
  const value = parse(raw);
  const set = useCallback((next: T) => writeStored(key, serialize(next)), [key, serialize]);
  return [value, set] as const;
}
