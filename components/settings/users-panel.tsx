"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Card, ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import { UserAdminActions } from "./user-admin-actions";

type RoleOption = string;
const PRESET_ROLES: RoleOption[] = ["viewer", "operator", "admin"];

export function UsersPanel() {
  const trpc = useTRPC();
  const roleOptions = useQuery(trpc.users.roles.queryOptions()).data ?? PRESET_ROLES;
  const queryClient = useQueryClient();
  const users = useQuery(trpc.users.list.queryOptions());
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
  const create = useMutation(trpc.users.create.mutationOptions({ onSuccess: invalidate }));
  const update = useMutation(trpc.users.update.mutationOptions({ onSuccess: invalidate }));
  const [form, setForm] = useState({ username: "", password: "", role: "viewer" as RoleOption });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(form, { onSuccess: () => setForm({ username: "", password: "", role: "viewer" }) });
  };

  return (
    <Card title="Users">
      {users.error ? <ErrorBox title="Could not load users" message={users.error.message} /> : null}
      {update.error ? <ErrorBox title="Could not update the user" message={update.error.message} /> : null}
      <table className="mb-4 w-full text-left text-sm">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th className="py-1 pr-3 font-medium">Username</th>
            <th className="py-1 pr-3 font-medium">Role</th>
            <th className="py-1 pr-3 font-medium">Last sign-in</th>
            <th className="py-1 pr-3 font-medium">Status</th>
            <th className="py-1 pr-3 font-medium">Password and sessions</th>
          </tr>
        </thead>
        <tbody>
          {users.data?.map((user) => (
            <tr key={user.id} className="border-t border-slate-100">
              <td className="py-1 pr-3 font-mono">{user.username}</td>
              <td className="py-1 pr-3">
                <select
                  aria-label={`Role of ${user.username}`}
                  value={user.role}
                  onChange={(event) => update.mutate({ id: user.id, role: event.target.value as RoleOption })}
                  className="rounded border border-slate-300 px-1 py-0.5"
                >
                  {roleOptions.map((role) => (
                    <option key={role}>{role}</option>
                  ))}
                </select>
              </td>
              <td className="py-1 pr-3 text-xs">{user.lastSignInAt?.toLocaleString() ?? "never"}</td>
              <td className="py-1 pr-3">
                <button
                  type="button"
                  onClick={() => update.mutate({ id: user.id, disabled: !user.disabled })}
                  className="rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-50"
                >
                  {user.disabled ? "Enable" : "Disable"}
                </button>
              </td>
              <td className="py-1 pr-3">
                <UserAdminActions id={user.id} username={user.username} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={submit} className="flex flex-wrap items-end gap-2 text-sm">
        <label className="flex flex-col">
          <span className="text-xs text-slate-500">Username</span>
          <input required value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} className="rounded border border-slate-300 px-2 py-1" />
        </label>
        <label className="flex flex-col">
          <span className="text-xs text-slate-500">Password (12+ characters)</span>
          <input required type="password" minLength={12} value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} className="rounded border border-slate-300 px-2 py-1" />
        </label>
        <label className="flex flex-col">
          <span className="text-xs text-slate-500">Role</span>
          <select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as RoleOption })} className="rounded border border-slate-300 px-2 py-1">
            {roleOptions.map((role) => (
              <option key={role}>{role}</option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={create.isPending} className="rounded bg-slate-900 px-3 py-1.5 text-white hover:bg-slate-700">
          Add user
        </button>
      </form>
      {create.error ? <div className="mt-2"><ErrorBox title="Could not add the user" message={create.error.message} /></div> : null}
    </Card>
  );
}
