"use client";

import { usePathname, useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";

/** A table row `j`/`k` can reach and `Enter` opens (its first link, else the row): spread on the `<tr>`. */
export const navRow = { tabIndex: 0, "data-nav-row": "" } as const;
/** The focused row's look, the same on every table. */
export const NAV_ROW_FOCUS = "focus:bg-sky-50 focus:outline-none";

/** `g` then a letter: the sections, as the nav lists them. */
export const goTo: { key: string; href: string; label: string }[] = [
  { key: "o", href: "/", label: "Overview" },
  { key: "l", href: "/lag", label: "Consumer lag (groups)" },
  { key: "d", href: "/dlqs", label: "DLQs" },
  { key: "r", href: "/replays", label: "Replays" },
  { key: "s", href: "/sagas", label: "Sagas" },
  { key: "x", href: "/outbox", label: "Outbox" },
  { key: "a", href: "/alerts", label: "Alerts" },
  { key: "u", href: "/audit", label: "Audit" },
];

const others: [string, string][] = [
  ["/", "Focus the page's search or filter"],
  ["j / k", "Next / previous row of the table"],
  ["Enter", "Open the focused row"],
  ["?", "Show this list"],
  ["Esc", "Close this list"],
];

/** Keys typed into a field are text, not commands. */
function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

const visible = (element: HTMLElement) => element.offsetParent !== null || element.getClientRects().length > 0;

/** Rows opt in with `data-nav-row` (and tabIndex 0); only those on screen count (hidden tabs do not). */
function moveRow(step: 1 | -1) {
  const rows = [...document.querySelectorAll<HTMLElement>("main [data-nav-row]")].filter(visible);
  if (rows.length === 0) return;
  const current = document.activeElement instanceof HTMLElement ? document.activeElement.closest<HTMLElement>("[data-nav-row]") : null;
  const index = current ? rows.indexOf(current) : -1;
  const next = rows[index === -1 ? (step === 1 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, index + step))];
  next?.focus({ preventScroll: true });
  next?.scrollIntoView({ block: "nearest" });
}

function focusSearch() {
  const marked = [...document.querySelectorAll<HTMLElement>('main [data-shortcut="search"]')].filter(visible);
  const fallback = [...document.querySelectorAll<HTMLElement>('main input[type="search"], main input[type="text"], main input:not([type]), main textarea')].filter(visible);
  const field = marked[0] ?? fallback[0];
  field?.focus();
}

/**
 * The console's keyboard: `/` search, `j`/`k` rows, `Enter` open, `g` + letter sections, `?` this list.
 * Ignored while typing in a field and with Ctrl/Alt/Meta held (the browser's own shortcuts).
 */
export function KeyboardShortcuts() {
  const router = useRouter();
  const pathname = usePathname();
  const [help, setHelp] = useState(false);
  const pendingG = useRef(0);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      if (event.key === "Escape") {
        setHelp(false);
        return;
      }
      if (Date.now() - pendingG.current < 1_500) {
        pendingG.current = 0;
        const target = goTo.find((entry) => entry.key === event.key);
        if (target) {
          event.preventDefault();
          router.push(target.href);
          return;
        }
      }
      switch (event.key) {
        case "g":
          pendingG.current = Date.now();
          return;
        case "/":
          event.preventDefault();
          focusSearch();
          return;
        case "j":
        case "k":
          event.preventDefault();
          moveRow(event.key === "j" ? 1 : -1);
          return;
        case "?":
          event.preventDefault();
          setHelp((shown) => !shown);
          return;
        case "Enter": {
          // Rows that open themselves (the DLQ message rows) have handled Enter already.
          const row = event.target instanceof HTMLElement && event.target.matches("[data-nav-row]") ? event.target : null;
          if (!row) return;
          event.preventDefault();
          const link = row.querySelector<HTMLAnchorElement>("a[href]");
          if (link) link.click();
          else row.click();
        }
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [router]);

  // A new page starts without the list open.
  const [shownOn, setShownOn] = useState(pathname);
  if (shownOn !== pathname) {
    setShownOn(pathname);
    setHelp(false);
  }

  if (!help) return null;
  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/40" onClick={() => setHelp(false)}>
      <div
        role="dialog"
        aria-modal="true"
        aria-label="Keyboard shortcuts"
        className="w-[28rem] max-w-[95vw] space-y-3 rounded-lg bg-white p-4 text-sm shadow-lg"
        onClick={(event) => event.stopPropagation()}
      >
        <div className="flex items-center justify-between">
          <h2 className="font-semibold text-slate-800">Keyboard shortcuts</h2>
          <button type="button" onClick={() => setHelp(false)} className="rounded border border-slate-300 px-2 py-0.5 text-xs" autoFocus>
            Close
          </button>
        </div>
        <dl className="grid grid-cols-[6rem_1fr] gap-x-3 gap-y-1">
          {others.map(([keys, what]) => (
            <Entry key={keys} keys={keys} what={what} />
          ))}
          {goTo.map((entry) => (
            <Entry key={entry.key} keys={`g then ${entry.key}`} what={`Go to ${entry.label}`} />
          ))}
        </dl>
        <p className="text-xs text-slate-500">Keys typed into a field are left to the field.</p>
      </div>
    </div>
  );
}

function Entry({ keys, what }: { keys: string; what: string }) {
  return (
    <>
      <dt>
        <kbd className="rounded border border-slate-300 bg-slate-50 px-1 font-mono text-xs">{keys}</kbd>
      </dt>
      <dd className="text-slate-700">{what}</dd>
    </>
  );
}
