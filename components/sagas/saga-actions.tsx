"use client";

import { allows } from "~/server/auth/permissions";
import { skipToken, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../trpc";
import { timeText } from "./format";

type Command = "retry" | "compensate" | "resolve";

const labels: Record<Command, { label: string; explains: string }> = {
  retry: { label: "Retry", explains: "Re-runs from the failed step (or re-sends the failed or hung compensation)." },
  compensate: { label: "Compensate", explains: "Aborts the current step and runs the compensations in reverse order." },
  resolve: { label: "Resolve", explains: "A human handled it: the saga ends as failed with your note." },
};

/**
 * Retry / compensate / resolve through the application's saga_commands table: needs a reason, sends the version
 * the page shows (a saga that moved on is refused), then polls the command row until the orchestrator reports.
 */
export function SagaActions({
  database,
  sagaId,
  version,
  status,
  appliesTo,
  writable,
  supported,
  onHandled,
}: {
  database: string;
  sagaId: string;
  version: number | null;
  status: string;
  appliesTo: Record<Command, readonly string[]>;
  writable: boolean;
  supported: boolean;
  onHandled: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 60_000 }));
  const [open, setOpen] = useState<Command | null>(null);
  const [reason, setReason] = useState("");
  const [commandId, setCommandId] = useState<string | null>(null);
  const issue = useMutation(
    trpc.sagas.issue.mutationOptions({
      onSuccess: (issued) => {
        setCommandId(issued.commandId);
        setOpen(null);
        setReason("");
      },
    }),
  );
  const command = useQuery(
    trpc.sagas.command.queryOptions(commandId ? { database, id: commandId } : skipToken, {
      refetchInterval: (query) => (query.state.data && query.state.data.state !== "pending" ? false : 1_000),
    }),
  );
  const handled = command.data && command.data.state !== "pending";
  const [reported, setReported] = useState<string | null>(null);
  if (handled && reported !== commandId) {
    setReported(commandId);
    onHandled();
    // The command changed the saga: every saga view (list, Stuck view, counts, badge) reads again.
    void queryClient.invalidateQueries({ queryKey: trpc.sagas.pathKey() });
  }

  if (!supported) return <p className="text-xs text-slate-500">This layout has no operator-command table: Redrive can only read these sagas.</p>;
  const operator = me.data ? allows(me.data.grants, "sagas.command") : false;
  const available = (Object.keys(labels) as Command[]).filter((c) => appliesTo[c].includes(status));

  return (
    <div className="space-y-2" data-testid="saga-actions">
      {!writable ? <p className="text-xs text-slate-500">Read-only database: set <code>writable: true</code> in its config to retry, compensate or resolve.</p> : null}
      {writable && !operator && me.data ? <p className="text-xs text-slate-500">Retry, compensate and resolve need the operator role.</p> : null}
      {writable && operator ? (
        <div className="flex flex-wrap gap-2">
          {available.length === 0 ? <span className="text-xs text-slate-500">No command applies to a {status.replace("_", " ")} saga.</span> : null}
          {available.map((c) => (
            <button
              key={c}
              type="button"
              onClick={() => {
                setOpen(c);
                issue.reset();
              }}
              className={`rounded px-3 py-1 text-sm ${c === "retry" ? "bg-slate-900 text-white" : "border border-slate-300 bg-white"}`}
              data-testid={`action-${c}`}
            >
              {labels[c].label}
            </button>
          ))}
        </div>
      ) : null}
      {open ? (
        <form
          role="dialog"
          aria-label={`${labels[open].label} saga`}
          className="rounded border border-slate-300 bg-slate-50 p-3"
          onSubmit={(e) => {
            e.preventDefault();
            if (version === null) return;
            issue.mutate({ database, sagaId, command: open, expectedVersion: version, reason });
          }}
        >
          <p className="mb-2 text-sm">
            <span className="font-medium">{labels[open].label}</span> saga <span className="font-mono text-xs">{sagaId}</span> at version {version}. {labels[open].explains}
          </p>
          <textarea
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            placeholder={open === "resolve" ? "Note: what was done by hand (recorded with the saga)" : "Reason (recorded with the command and in the audit log)"}
            aria-label="Reason"
            data-testid="action-reason"
            rows={2}
            className="w-full rounded border border-slate-300 px-2 py-1 text-sm"
          />
          <div className="mt-2 flex gap-2">
            <button type="submit" disabled={reason.trim().length < 3 || issue.isPending} className="rounded bg-slate-900 px-3 py-1 text-sm text-white disabled:opacity-40" data-testid="action-confirm">
              {labels[open].label}
            </button>
            <button type="button" onClick={() => setOpen(null)} className="rounded border border-slate-300 px-3 py-1 text-sm">
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      {issue.error ? (
        <div role="alert" className="rounded border border-red-200 bg-red-50 p-2 text-sm text-red-800" data-testid="action-error">
          {issue.error.message}
        </div>
      ) : null}
      {command.data ? (
        <div
          role="status"
          className={`rounded border p-2 text-sm ${command.data.state === "applied" ? "border-green-200 bg-green-50 text-green-900" : command.data.state === "rejected" ? "border-red-200 bg-red-50 text-red-800" : "border-slate-200 bg-white text-slate-700"}`}
          data-testid="command-outcome"
          data-state={command.data.state}
        >
          {command.data.state === "pending"
            ? `${command.data.command} requested ${timeText(command.data.requestedAt)}: waiting for the orchestrator…`
            : `${command.data.command}: ${command.data.outcome ?? "handled"} (${timeText(command.data.handledAt)})`}
        </div>
      ) : null}
    </div>
  );
}
