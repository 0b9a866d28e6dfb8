"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { useTRPC } from "../trpc";
import { Card, ErrorBox, PageHeader } from "../ui";
import { RuleForm, draftOf, emptyDraft, labelsError, specOf, type RuleDraft } from "./rule-form";
import { RulePreview } from "./rule-preview";
import { button, primary, useRole } from "./shared";

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

/** Create or edit a rule, with its preview and backtest beside the form. */
export function RuleEditor({ id }: { id: string | null }) {
  const trpc = useTRPC();
  const existing = useQuery(trpc.alerts.rule.queryOptions({ id: id ?? "" }, { enabled: id !== null }));
  if (existing.error) return <ErrorBox title="Could not load the rule" message={existing.error.message} />;
  if (id !== null && !existing.data) return <p className="text-sm text-slate-500">Loading…</p>;
  return <Editor key={id ?? "new"} id={id} initial={existing.data ? draftOf(existing.data) : emptyDraft} source={existing.data?.source ?? "ui"} />;
}

function Editor({ id, initial, source }: { id: string | null; initial: RuleDraft; source: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const role = useRole();
  const signals = useQuery(trpc.alerts.signals.queryOptions());
  const channels = useQuery(trpc.alerts.channels.queryOptions());
  const [current, setDraft] = useState<RuleDraft>(initial);
  const status = signals.data?.find((s) => s.id === current.signal)?.unit === "status";
  const spec = specOf(current, status);
  const previewSpec = useDebounced(spec, 600);
  const done = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.alerts.pathKey() });
    router.push("/alerts?tab=rules");
  };
  const create = useMutation(trpc.alerts.createRule.mutationOptions({ onSuccess: done }));
  const update = useMutation(trpc.alerts.updateRule.mutationOptions({ onSuccess: done }));
  const remove = useMutation(trpc.alerts.deleteRule.mutationOptions({ onSuccess: done }));
  const fromFile = source === "file";
  const readOnly = !role.admin || fromFile;
  const error = create.error ?? update.error ?? remove.error;
  return (
    <div className="space-y-4">
      <PageHeader title={id === null ? "New alert rule" : `Rule: ${initial.name}`}>
        {fromFile ? <span className="rounded bg-slate-100 px-2 py-0.5 text-xs">from redrive.yaml — read-only</span> : null}
      </PageHeader>
      {error ? <ErrorBox title="Could not save" message={error.message} /> : null}
      <Card title="Rule">
        <RuleForm draft={current} set={setDraft} signals={signals.data ?? []} channels={(channels.data ?? []).map((c) => c.name)} readOnly={readOnly} />
        {!readOnly ? (
          <div className="mt-4 flex gap-2">
            <button
              type="button"
              className={primary}
              data-testid="save-rule"
              disabled={create.isPending || update.isPending || labelsError(current) !== null}
              onClick={() => (id === null ? create.mutate(spec as never) : update.mutate({ id, spec: spec as never }))}
            >
              Save rule
            </button>
            {id !== null ? (
              <button type="button" className={button} onClick={() => window.confirm("Delete this rule and its alert history?") && remove.mutate({ id })}>
                Delete
              </button>
            ) : null}
          </div>
        ) : null}
      </Card>
      <RulePreview spec={previewSpec} />
    </div>
  );
}
