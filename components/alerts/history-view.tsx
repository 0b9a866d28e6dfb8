"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../trpc";
import { Card, ErrorBox } from "../ui";
import { Field, input, StateBadge, Th } from "./shared";

/** Every state change, filterable by rule, state and object. (Deliveries are listed under Channels.) */
export function HistoryView() {
  const trpc = useTRPC();
  const rules = useQuery(trpc.alerts.rules.queryOptions());
  const [ruleId, setRuleId] = useState("");
  const [toState, setToState] = useState("");
  const [object, setObject] = useState("");
  const history = useQuery(
    trpc.alerts.history.queryOptions(
      { ruleId: ruleId || undefined, toState: (toState || undefined) as "firing" | undefined, object: object || undefined, limit: 200 },
      { refetchInterval: 15_000 },
    ),
  );
  return (
    <Card title="State changes (newest first)">
      <div className="mb-3 flex flex-wrap gap-3">
        <Field label="Rule">
          <select className={input} value={ruleId} onChange={(e) => setRuleId(e.target.value)}>
            <option value="">all</option>
            {(rules.data ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="To state">
          <select className={input} value={toState} onChange={(e) => setToState(e.target.value)}>
            <option value="">any</option>
            {["pending", "firing", "resolved", "normal"].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </Field>
        <Field label="Object contains">
          <input className={input} value={object} onChange={(e) => setObject(e.target.value)} />
        </Field>
      </div>
      {history.error ? <ErrorBox title="Could not load the history" message={history.error.message} /> : null}
      <table className="w-full text-left text-sm">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <Th>When</Th>
            <Th>Rule</Th>
            <Th>Change</Th>
            <Th>Summary</Th>
            <Th>Value</Th>
          </tr>
        </thead>
        <tbody>
          {(history.data ?? []).map((h) => (
            <tr key={h.id} className="border-t border-slate-100" data-testid="history-row">
              <td className="py-1 pr-3 tabular-nums">{h.at.toLocaleString()}</td>
              <td className="py-1 pr-3">{h.ruleName}</td>
              <td className="py-1 pr-3">
                <StateBadge state={h.fromState} /> → <StateBadge state={h.toState} />
                {h.silenced ? <span className="ml-1 text-xs text-slate-500">silenced</span> : null}
              </td>
              <td className="py-1 pr-3">{h.summary}</td>
              <td className="py-1 pr-3 font-mono text-xs">{h.value ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
