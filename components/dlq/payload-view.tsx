"use client";

import { useState } from "react";
import { hexLines } from "./format";
import type { DisplayBytes } from "./types";
import { VisibleText } from "./visible-text";
import { topLevelEntries } from "~/server/lib/json-text";

// How the message detail shows bytes: a header value, a key, a payload (JSON folded by top-level key). Every
// byte is shown as text (React text nodes in <pre>), never as markup.

const PREVIEW_LIMIT_TEXT = "256 KiB";

export function HeaderValue({ value }: { value: DisplayBytes | null }) {
  if (!value) return <span className="text-slate-400">withheld or empty</span>;
  if (value.encoding === "binary") {
    return (
      <span>
        <span className="mr-2 rounded bg-slate-200 px-1 text-[10px] uppercase text-slate-700">binary</span>
        <span className="break-all">{value.hex}</span>
      </span>
    );
  }
  return (
    <span className="whitespace-pre-wrap break-all">
      <VisibleText text={value.text ?? ""} />
    </span>
  );
}

function TruncationNote({ bytes }: { bytes: DisplayBytes }) {
  if (!bytes.truncated) return null;
  return (
    <p className="text-xs text-amber-800" data-testid="payload-truncated">
      Showing the first {PREVIEW_LIMIT_TEXT} of {bytes.size.toLocaleString()} bytes.
    </p>
  );
}

export function BytesView({ bytes, testId }: { bytes: DisplayBytes; testId: string }) {
  if (bytes.encoding === "binary") {
    return (
      <div className="space-y-1">
        <p className="text-xs text-slate-500">binary, {bytes.size.toLocaleString()} bytes</p>
        <pre className="max-h-64 overflow-auto rounded bg-slate-50 p-2 font-mono text-xs" data-testid={testId}>
          {hexLines(bytes.hex ?? "")}
        </pre>
        <TruncationNote bytes={bytes} />
      </div>
    );
  }
  return (
    <div className="space-y-1">
      <pre className="max-h-64 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 font-mono text-xs" data-testid={testId}>
        <VisibleText text={bytes.text ?? ""} />
      </pre>
      <TruncationNote bytes={bytes} />
    </div>
  );
}

export function PayloadView({ value, testId = "detail-payload" }: { value: DisplayBytes; testId?: string }) {
  const [folded, setFolded] = useState(false);
  if (value.encoding !== "json" || value.truncated) return <BytesView bytes={value} testId={testId} />;
  const entries = folded ? topLevelEntries(value.text ?? "") : null;
  return (
    <div className="space-y-1">
      <label className="flex items-center gap-2 text-xs text-slate-600">
        <input type="checkbox" checked={folded} onChange={(event) => setFolded(event.target.checked)} />
        Fold by top-level key
      </label>
      {entries ? (
        <div className="max-h-[32rem] overflow-auto rounded bg-slate-50 p-2 font-mono text-xs" data-testid={`${testId}-folded`}>
          {entries.map((entry, index) => (
            <details key={index} open={entry.size === null}>
              <summary className="cursor-pointer">
                <VisibleText text={entry.key} />
                {entry.size === null ? "" : entry.value.startsWith("[") ? ` [${entry.size}]` : ` {${entry.size}}`}
              </summary>
              <pre className="whitespace-pre-wrap break-all pl-4">
                <VisibleText text={entry.value} />
              </pre>
            </details>
          ))}
        </div>
      ) : (
        <pre className="max-h-[32rem] overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 font-mono text-xs" data-testid={testId}>
          <VisibleText text={value.text ?? ""} />
        </pre>
      )}
    </div>
  );
}
