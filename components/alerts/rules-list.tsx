"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "../trpc";
import { Card, ErrorBox } from "../ui";
import { button, primary, Th, useRole } from "./shared";
import { NAV_ROW_FOCUS, navRow } from "../keyboard-shortcuts";

/** Every rule with its instances per state; admins enable, disable and edit (rules from redrive.yaml are read-only). */
export function RulesList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const role = useRole();
  const rules = useQuery(trpc.alerts.rules.queryOptions(undefined, { refetchInterval: 10_000 }));
  const [showExport, setShowExport] = useState(false);
  const exported = useQuery(trpc.alerts.exportPrometheus.queryOptions(undefined, { enabled: showExport }));
  const toggle = useMutation(trpc.alerts.setRuleEnabled.mutationOptions({ onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.alerts.rules.queryKey() }) }));
  return (
    <Card
      title="Rules"
      aside={
        <div className="flex gap-2">
          <button type="button" className={button} onClick={() => setShowExport((v) => !v)}>
            {showExport ? "Hide" : "Export as Prometheus rules"}
          </button>
          {role.admin ? (
            <Link className={primary} href="/alerts/rules/new">
              New rule
            </Link>
          ) : null}
        </div>
      }
    >
      {rules.error ? <ErrorBox title="Could not load the rules" message={rules.error.message} /> : null}
      {toggle.error ? <ErrorBox title="Could not change the rule" message={toggle.error.message} /> : null}
      {showExport ? <pre className="mb-3 max-h-80 overflow-auto rounded bg-slate-50 p-2 text-xs" data-testid="prometheus-export">{exported.data ?? "…"}</pre> : null}
      <table className="w-full text-left text-sm">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <Th>Rule</Th>
            <Th>Signal</Th>
            <Th>Severity</Th>
            <Th>Now</Th>
            <Th>Channels</Th>
            <Th />
          </tr>
        </thead>
        <tbody>
          {(rules.data ?? []).map((rule) => (
            <tr key={rule.id} {...navRow} className={`border-t border-slate-100 ${NAV_ROW_FOCUS}`} data-testid="rule-row">
              <td className="py-1 pr-3">
                <Link className="text-sky-700 hover:underline" href={`/alerts/rules/${rule.id}`}>
                  {rule.name}
                </Link>
                {rule.source === "file" ? <span className="ml-1 rounded bg-slate-100 px-1 text-xs text-slate-500">from file</span> : null}
                {rule.source === "default" ? <span className="ml-1 text-xs text-slate-400">default</span> : null}
              </td>
              <td className="py-1 pr-3 font-mono text-xs">{rule.signal}</td>
              <td className="py-1 pr-3">{rule.severity}</td>
              <td className="py-1 pr-3 text-xs">
                {!rule.enabled ? <span className="text-slate-400">disabled</span> : null}
                {rule.enabled ? `${rule.states.firing ?? 0} firing · ${rule.states.pending ?? 0} pending` : null}
              </td>
              <td className="py-1 pr-3 text-xs">{rule.channels.join(", ") || "—"}</td>
              <td className="py-1 text-right">
                {role.admin && rule.source !== "file" ? (
                  <button type="button" className={button} disabled={toggle.isPending} onClick={() => toggle.mutate({ id: rule.id, enabled: !rule.enabled })}>
                    {rule.enabled ? "Disable" : "Enable"}
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
