"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "../trpc";
import { Card, ErrorBox } from "../ui";
import { button, since, StateBadge, Th, useRole } from "./shared";

/**
 * Firing and pending alerts now, live; an operator silences one in one click. `focus` ("<rule id>/<object key>",
 * from a notification's silence link) marks that alert's row.
 */
export function ActiveAlerts({ focus = null }: { focus?: string | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const role = useRole();
  const active = useQuery(trpc.alerts.active.queryOptions(undefined, { refetchInterval: 5_000 }));
  const silence = useMutation(
    trpc.alerts.silenceAlert.mutationOptions({ onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.alerts.pathKey() }) }),
  );
  const rows = active.data ?? [];
  const focused = focus ? rows.find((a) => `${a.ruleId}/${a.objectKey}` === focus) : undefined;
  return (
    <Card title={`Firing and pending now (${rows.length})`}>
      {active.error ? <ErrorBox title="Could not load the alerts" message={active.error.message} /> : null}
      {silence.error ? <ErrorBox title="Could not silence" message={silence.error.message} /> : null}
      {focus && active.isSuccess && !focused ? (
        <p className="mb-2 text-sm text-slate-500" data-testid="focus-gone">
          The alert of that link no longer fires or is pending.
        </p>
      ) : null}
      {rows.length === 0 && active.isSuccess ? <p className="text-sm text-slate-500">Nothing fires. Rules are evaluated after each collector round.</p> : null}
      {rows.length > 0 ? (
        <table className="w-full text-left text-sm">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <Th>State</Th>
              <Th>Rule</Th>
              <Th>Summary</Th>
              <Th>Value</Th>
              <Th>Since</Th>
              <Th />
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => (
              <tr
                key={`${a.ruleId}/${a.objectKey}`}
                className={`border-t border-slate-100 align-top ${a === focused ? "bg-amber-50 outline outline-2 outline-amber-300" : ""}`}
                data-testid="active-alert"
                data-focused={a === focused ? "true" : undefined}
              >
                <td className="py-1 pr-3">
                  <StateBadge state={a.state} />
                  {a.silencedBy ? <span className="ml-1 text-xs text-slate-500">silenced</span> : null}
                </td>
                <td className="py-1 pr-3">
                  {a.ruleName} <span className="text-xs text-slate-400">{a.severity}</span>
                </td>
                <td className="py-1 pr-3">
                  <Link className="text-sky-700 hover:underline" href={a.path}>
                    {a.summary}
                  </Link>
                </td>
                <td className="py-1 pr-3 font-mono text-xs">{a.value ?? "—"}</td>
                <td className="py-1 pr-3 tabular-nums" title={a.since?.toLocaleString()}>
                  {since(a.since)}
                </td>
                <td className="py-1 text-right">
                  {role.operator && !a.silencedBy ? (
                    <button
                      type="button"
                      className={button}
                      disabled={silence.isPending}
                      onClick={() => {
                        const comment = window.prompt("Silence this alert for 1 hour. Why?");
                        if (comment) silence.mutate({ ruleId: a.ruleId, objectKey: a.objectKey, minutes: 60, comment });
                      }}
                    >
                      Silence 1 h
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Card>
  );
}
