"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import { SessionsTable } from "./sessions-table";

/** An admin's reset of one user's password (a temporary one, shown once) and that user's sessions. */
export function UserAdminActions({ id, username }: { id: string; username: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const reset = useMutation(trpc.users.resetPassword.mutationOptions());
  const sessions = useQuery({ ...trpc.users.sessions.queryOptions({ id }), enabled: open });
  const revoke = useMutation(
    trpc.users.revokeSession.mutationOptions({ onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.users.sessions.queryKey({ id }) }) }),
  );
  return (
    <div className="space-y-1">
      <div className="flex gap-1">
        <button type="button" onClick={() => reset.mutate({ id })} className="rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-50">
          Reset password
        </button>
        <button type="button" onClick={() => setOpen(!open)} aria-expanded={open} className="rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-50">
          Sessions
        </button>
      </div>
      {reset.data ? (
        <div role="status" className="rounded border border-amber-300 bg-amber-50 p-2 text-xs">
          Temporary password for {username} (shown once; they choose their own at next sign-in):{" "}
          <code className="font-mono" data-testid="temporary-password">{reset.data.temporaryPassword}</code>
        </div>
      ) : null}
      {reset.error ? <ErrorBox title="Could not reset the password" message={reset.error.message} /> : null}
      {open ? <SessionsTable rows={sessions.data ?? []} onRevoke={(handle) => revoke.mutate({ handle })} /> : null}
    </div>
  );
}
