"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { PageHeader } from "../ui";
import { ActiveAlerts } from "./active-alerts";
import { ChannelsView } from "./channels-view";
import { HistoryView } from "./history-view";
import { RulesList } from "./rules-list";
import { SilencesView } from "./silences-view";

const tabs = [
  { id: "alerts", label: "Alerts" },
  { id: "rules", label: "Rules" },
  { id: "channels", label: "Channels" },
  { id: "silences", label: "Silences" },
  { id: "history", label: "History" },
] as const;

/** The Alerts section: what fires now, rules, channels, silences and history, one tab each. */
export function AlertsView() {
  const params = useSearchParams();
  const tab = tabs.find((t) => t.id === params.get("tab"))?.id ?? "alerts";
  return (
    <div>
      <PageHeader title="Alerts" />
      <nav className="mb-4 flex gap-1 border-b border-slate-200" aria-label="Alerts sections">
        {tabs.map((t) => (
          <Link
            key={t.id}
            href={`/alerts?tab=${t.id}`}
            aria-current={t.id === tab ? "page" : undefined}
            className={`-mb-px border-b-2 px-3 py-1.5 text-sm ${t.id === tab ? "border-slate-900 font-medium" : "border-transparent text-slate-500 hover:text-slate-800"}`}
          >
            {t.label}
          </Link>
        ))}
      </nav>
      {tab === "alerts" ? <ActiveAlerts focus={params.get("silence")} /> : null}
      {tab === "rules" ? <RulesList /> : null}
      {tab === "channels" ? <ChannelsView /> : null}
      {tab === "silences" ? <SilencesView /> : null}
      {tab === "history" ? <HistoryView /> : null}
    </div>
  );
}
