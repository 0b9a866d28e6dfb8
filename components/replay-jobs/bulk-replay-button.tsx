"use client";

import { useState } from "react";
import type { DlqRef } from "../dlq/types";
import type { BulkAction } from "./bulk-form";
import { BulkReplayDialog, type BulkSelection } from "./bulk-replay-dialog";
import { useCanBulkReplay } from "./use-can-bulk-replay";

/**
 * A button that opens the bulk replay dialog. Clicks and keys inside it stop here, so it can sit in a
 * clickable table row.
 */
export function BulkReplayButton({
  dlq,
  selection,
  action = "replay",
  snapshotId,
  label,
  className,
}: {
  dlq: DlqRef;
  selection: BulkSelection;
  action?: BulkAction;
  snapshotId?: string;
  label: string;
  className?: string;
}) {
  const [open, setOpen] = useState(false);
  const canOperate = useCanBulkReplay();
  return (
    <span
      onClick={(event) => event.stopPropagation()}
      onKeyDown={(event) => event.stopPropagation()}
      className="inline-flex"
    >
      <button
        type="button"
        onClick={() => setOpen(true)}
        disabled={canOperate === false}
        title={canOperate === false ? "Bulk replays need the operator role." : undefined}
        className={
          className ??
          `rounded border px-3 py-1 text-sm disabled:opacity-50 ${
            action === "discard" ? "border-red-300 text-red-700 hover:bg-red-50" : "border-slate-300 text-slate-800 hover:bg-slate-50"
          }`
        }
      >
        {label}
      </button>
      {open ? <BulkReplayDialog dlq={dlq} selection={selection} initialAction={action} snapshotId={snapshotId} onClose={() => setOpen(false)} /> : null}
    </span>
  );
}
