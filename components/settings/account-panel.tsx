"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Card, ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import { SessionsTable } from "./sessions-table";

/** The signed-in user's own password. `onChanged` lets the forced-change page move on. */
export function ChangePasswordForm({ onChanged }: { onChanged?: () => void }) {
  const trpc = useTRPC();
  const change = useMutation(trpc.auth.changePassword.mutationOptions({ onSuccess: () => onChanged?.() }));
  const [currentPassword, setCurrent] = useState("");
  const [newPassword, setNew] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    change.mutate({ currentPassword, newPassword }, { onSuccess: () => { setCurrent(""); setNew(""); } });
  };
  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-2 text-sm">
      <label className="flex flex-col">
        <span className="text-xs text-slate-500">Current password</span>
        <input required type="password" autoComplete="current-password" value={currentPassword} onChange={(e) => setCurrent(e.target.value)} className="rounded border border-slate-300 px-2 py-1" />
      </label>
      <label className="flex flex-col">
        <span className="text-xs text-slate-500">New password (12+ characters)</span>
        <input required type="password" autoComplete="new-password" minLength={12} value={newPassword} onChange={(e) => setNew(e.target.value)} className="rounded border border-slate-300 px-2 py-1" />
      </label>
      <button type="submit" disabled={change.isPending} className="rounded bg-slate-900 px-3 py-1.5 text-white hover:bg-slate-700">
        Change password
      </button>
      {change.isSuccess ? <span role="status" className="text-xs text-green-700">Changed; your other sessions were signed out.</span> : null}
      {change.error ? <div className="w-full"><ErrorBox title="Could not change the password" message={change.error.message} /></div> : null}
    </form>
  );
}

export function AccountPanel({ local }: { local: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const sessions = useQuery(trpc.auth.sessions.queryOptions());
  const revoke = useMutation(
    trpc.auth.revokeSession.mutationOptions({ onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.auth.sessions.queryKey() }) }),
  );
  return (
    <Card title="Your account">
      {local ? <ChangePasswordForm /> : <p className="text-sm text-slate-500">Your password is kept by your single sign-on provider.</p>}
      <h3 className="mb-1 mt-4 text-xs font-medium uppercase text-slate-500">Your sessions</h3>
      {sessions.error ? <ErrorBox title="Could not load sessions" message={sessions.error.message} /> : null}
      {revoke.error ? <ErrorBox title="Could not revoke the session" message={revoke.error.message} /> : null}
      <SessionsTable rows={sessions.data ?? []} onRevoke={(handle) => revoke.mutate({ handle })} />
    </Card>
  );
}
