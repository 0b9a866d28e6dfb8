"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../trpc";
import { Card, ErrorBox } from "../ui";
import { button, Field, input, primary, Th, useRole } from "./shared";

/** `label=value` or `label=~pattern*`, one per line or comma-separated. */
function parseMatchers(text: string) {
  return text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((m) => {
      const regex = m.includes("=~");
      const [label, value] = regex ? m.split("=~") : m.split("=");
      return { label: (label ?? "").trim(), op: regex ? ("=~" as const) : ("=" as const), value: (value ?? "").trim() };
    });
}

/** Silences: active ones first; they expire by themselves, operators may end one early or add one. */
export function SilencesView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const role = useRole();
  const silences = useQuery(trpc.alerts.silences.queryOptions(undefined, { refetchInterval: 15_000 }));
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.alerts.pathKey() });
  const expire = useMutation(trpc.alerts.expireSilence.mutationOptions({ onSuccess: refresh }));
  const create = useMutation(trpc.alerts.createSilence.mutationOptions({ onSuccess: refresh }));
  const [matchers, setMatchers] = useState("");
  const [hours, setHours] = useState("2");
  const [comment, setComment] = useState("");
  // "Now" is when the list was fetched (refreshed every 15 s), which keeps rendering pure.
  const now = silences.dataUpdatedAt;
  return (
    <div className="space-y-4">
      <Card title="Silences">
        {(silences.error ?? expire.error) ? <ErrorBox title="Silences" message={(silences.error ?? expire.error)!.message} /> : null}
        <table className="w-full text-left text-sm">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <Th>Matchers</Th>
              <Th>Window</Th>
              <Th>Comment</Th>
              <Th>By</Th>
              <Th />
            </tr>
          </thead>
          <tbody>
            {(silences.data ?? []).map((s) => {
              const active = s.startsAt.getTime() <= now && s.endsAt.getTime() > now;
              return (
                <tr key={s.id} className={`border-t border-slate-100 ${s.endsAt.getTime() <= now ? "text-slate-400" : ""}`} data-testid="silence-row">
                  <td className="py-1 pr-3 font-mono text-xs">{s.matchers.map((m) => `${m.label}${m.op}${m.value}`).join(", ")}</td>
                  <td className="py-1 pr-3 text-xs">
                    {s.startsAt.toLocaleString()} → {s.endsAt.toLocaleString()} {active ? <span className="text-emerald-700">(active)</span> : s.endsAt.getTime() <= now ? "(expired)" : "(upcoming)"}
                  </td>
                  <td className="py-1 pr-3">{s.comment}</td>
                  <td className="py-1 pr-3 text-xs">{s.createdBy}</td>
                  <td className="py-1 text-right">
                    {role.operator && s.endsAt.getTime() > now ? (
                      <button type="button" className={button} onClick={() => expire.mutate({ id: s.id })}>
                        Expire now
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </Card>
      {role.operator ? (
        <Card title="New silence">
          {create.error ? <ErrorBox title="Could not create the silence" message={create.error.message} /> : null}
          <div className="grid grid-cols-1 gap-3 md:grid-cols-3">
            <Field label="Matchers" hint="label=value or label=~pattern*, comma-separated (e.g. alertname=DLQ growing, connection=prod)">
              <input className={input} value={matchers} onChange={(e) => setMatchers(e.target.value)} />
            </Field>
            <Field label="For (hours)">
              <input className={input} type="number" value={hours} onChange={(e) => setHours(e.target.value)} />
            </Field>
            <Field label="Comment">
              <input className={input} value={comment} onChange={(e) => setComment(e.target.value)} />
            </Field>
          </div>
          <button
            type="button"
            className={`${primary} mt-3`}
            disabled={create.isPending}
            onClick={() => create.mutate({ matchers: parseMatchers(matchers), endsAt: new Date(Date.now() + Number(hours) * 3_600_000), comment })}
          >
            Silence
          </button>
        </Card>
      ) : null}
    </div>
  );
}
