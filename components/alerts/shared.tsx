"use client";

import { allows } from "~/server/auth/permissions";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTRPC } from "../trpc";

export const button = "rounded border border-slate-300 px-2.5 py-1 text-sm hover:bg-slate-50 disabled:opacity-50";
export const primary = "rounded bg-slate-900 px-3 py-1 text-sm text-white hover:bg-slate-700 disabled:opacity-50";
export const input = "rounded border border-slate-300 px-2 py-1 text-sm";

const stateColours: Record<string, string> = {
  firing: "bg-red-100 text-red-800",
  pending: "bg-amber-100 text-amber-800",
  resolved: "bg-emerald-100 text-emerald-800",
  normal: "bg-slate-100 text-slate-600",
};

export function StateBadge({ state }: { state: string }) {
  return <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${stateColours[state] ?? stateColours.normal}`}>{state}</span>;
}

export function Th({ children }: { children?: ReactNode }) {
  return <th className="py-1 pr-3 font-medium">{children}</th>;
}

export function Field({ label, children, hint }: { label: string; children: ReactNode; hint?: string }) {
  return (
    <label className="flex flex-col gap-1 text-sm">
      <span className="text-xs font-medium text-slate-600">{label}</span>
      {children}
      {hint ? <span className="text-xs text-slate-400">{hint}</span> : null}
    </label>
  );
}

/** The signed-in role, for hiding buttons the server would refuse anyway. */
export function useRole(): { operator: boolean; admin: boolean } {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 60_000 }));
  const grants = me.data?.grants ?? [];
  return { operator: allows(grants, "alerts.silence"), admin: allows(grants, "admin") };
}

export const since = (date: Date | null) => {
  if (!date) return "—";
  const s = Math.max(0, Math.round((Date.now() - date.getTime()) / 1000));
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
};

export const splitList = (text: string) =>
  text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
