import { Fragment, type ReactNode } from "react";

/**
 * Characters that act instead of showing: bidirectional overrides and isolates (a key "exe.png" that is
 * really "gnp.exe"), zero-width and other invisible format characters, C0/C1 controls, line and paragraph
 * separators, variation selectors and tags. Shown as ⟨U+XXXX⟩ badges, as a careful hex/text viewer does.
 */
const INVISIBLE =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb]|\udb40[\udc00-\udcff]/g;

const HAS_INVISIBLE = new RegExp(INVISIBLE.source);

/** More badges than this and the rest is shown as plain ⟨U+XXXX⟩ text (a hostile payload could hold millions). */
const MAX_BADGES = 2_000;

export function codePointLabel(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/** The text with every invisible or control character made visible. */
export function visibleString(text: string): string {
  return text.replace(INVISIBLE, (char) => `⟨${codePointLabel(char)}⟩`);
}

export function VisibleText({ text }: { text: string }) {
  if (!HAS_INVISIBLE.test(text)) return <>{text}</>;
  // matchAll works on a copy of the global pattern: nothing shared is modified.
  const parts: ReactNode[] = [];
  let last = 0;
  let badges = 0;
  for (const match of text.matchAll(INVISIBLE)) {
    const at = match.index;
    if (badges >= MAX_BADGES) {
      parts.push(visibleString(text.slice(last)));
      last = text.length;
      break;
    }
    parts.push(<Fragment key={`t${at}`}>{text.slice(last, at)}</Fragment>);
    const label = codePointLabel(match[0]);
    parts.push(
      <span key={`c${at}`} className="mx-px rounded bg-amber-100 px-0.5 text-[0.85em] text-amber-900" title={`Invisible character ${label}`} data-testid="invisible-char">
        ⟨{label}⟩
      </span>,
    );
    badges += 1;
    last = at + match[0].length;
  }
  if (last < text.length) parts.push(<Fragment key="rest">{text.slice(last)}</Fragment>);
  return <>{parts}</>;
}
