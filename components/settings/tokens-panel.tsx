"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Card, ErrorBox } from "../ui";
import { useTRPC } from "../trpc";

type RoleOption = string;
const PRESET_ROLES: RoleOption[] = ["viewer", "operator", "admin"];

export function TokensPanel() {
  const trpc = useTRPC();
  const roleOptions = useQuery(trpc.users.roles.queryOptions()).data ?? PRESET_ROLES;
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
  const create = useMutation(trpc.tokens.create.mutationOptions({ onSuccess: invalidate }));
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions({ onSuccess: invalidate }));
  const [name, setName] = useState("");
  const [role, setRole] = useState<RoleOption>("viewer");
  const [expiresInDays, setExpiresInDays] = useState(90);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name, role, expiresInDays }, { onSuccess: () => setName("") });
  };

  return (
    <Card title="API tokens (send as Authorization: Bearer …)">
      {tokens.error ? <ErrorBox title="Could not load tokens" message={tokens.error.message} /> : null}
      {create.data ? (
        <div className="mb-3 rounded border border-amber-300 bg-amber-50 p-3 text-sm" role="status">
          <div className="font-medium">Copy this token now: it is not shown again.</div>
          <code className="mt-1 block break-all font-mono text-xs" data-testid="new-token">
            {create.data.token}
          </code>
        </div>
      ) : null}
      <table className="mb-4 w-full text-left text-sm">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th className="py-1 pr-3 font-medium">Name</th>
            <th className="py-1 pr-3 font-medium">Token</th>
            <th className="py-1 pr-3 font-medium">Role</th>
            <th className="py-1 pr-3 font-medium">Created</th>
            <th className="py-1 pr-3 font-medium">Expires</th>
            <th className="py-1 pr-3 font-medium">Last used</th>
            <th className="py-1 pr-3 font-medium" />
          </tr>
        </thead>
        <tbody>
          {tokens.data?.map((token) => (
            <tr key={token.id} className="border-t border-slate-100">
              <td className="py-1 pr-3">{token.name}</td>
              <td className="py-1 pr-3 font-mono text-xs">{token.prefix}…</td>
              <td className="py-1 pr-3">{token.role}</td>
              <td className="py-1 pr-3 text-xs">
                {token.createdAt.toLocaleString()} {token.createdBy ? `by ${token.createdBy}` : ""}
              </td>
              <td className="py-1 pr-3 text-xs">{token.expiresAt?.toLocaleDateString() ?? "never"}</td>
              <td className="py-1 pr-3 text-xs">{token.lastUsedAt?.toLocaleString() ?? "never"}</td>
              <td className="py-1 pr-3">
                {token.revokedAt ? (
                  <span className="text-xs text-slate-400">revoked</span>
                ) : (
                  <button type="button" onClick={() => revoke.mutate({ id: token.id })} className="rounded border border-red-300 px-2 py-0.5 text-xs text-red-700 hover:bg-red-50">
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={submit} className="flex flex-wrap items-end gap-2 text-sm">
        <label className="flex flex-col">
          <span className="text-xs text-slate-500">Token name</span>
          <input required value={name} onChange={(e) => setName(e.target.value)} className="rounded border border-slate-300 px-2 py-1" />
        </label>
        <label className="flex flex-col">
          <span className="text-xs text-slate-500">Role</span>
          <select value={role} onChange={(e) => setRole(e.target.value as RoleOption)} className="rounded border border-slate-300 px-2 py-1">
            {roleOptions.map((option) => (
              <option key={option}>{option}</option>
            ))}
          </select>
        </label>
        <label className="flex flex-col">
          <span className="text-xs text-slate-500">Expires in (days)</span>
          <input type="number" min={1} max={3650} value={expiresInDays} onChange={(e) => setExpiresInDays(Number(e.target.value))} className="w-24 rounded border border-slate-300 px-2 py-1" />
        </label>
        <button type="submit" disabled={create.isPending} className="rounded bg-slate-900 px-3 py-1.5 text-white hover:bg-slate-700">
          Create token
        </button>
      </form>
      {create.error ? <div className="mt-2"><ErrorBox title="Could not create the token" message={create.error.message} /></div> : null}
    </Card>
  );
}
