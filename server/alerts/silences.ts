import type { SilenceMatcher } from "~/server/db/schema";
import { globMatches } from "./scope";

export interface ActiveSilence {
  id: string;
  matchers: SilenceMatcher[];
  startsAt: Date;
  endsAt: Date;
}

/** Does the silence cover these labels now? Every matcher must match (as in Alertmanager); none never silences. */
export function silences(silence: ActiveSilence, labels: Record<string, string>, now: number): boolean {
  if (silence.matchers.length === 0 || now < silence.startsAt.getTime() || now >= silence.endsAt.getTime()) return false;
  return silence.matchers.every((m) => {
    const value = labels[m.label];
    if (value === undefined) return false;
    return m.op === "=" ? value === m.value : globMatches(m.value, value);
  });
}

export const silencedBy = (all: ActiveSilence[], labels: Record<string, string>, now: number): ActiveSilence | undefined =>
  all.find((s) => silences(s, labels, now));

/** The matchers that silence exactly one alert instance: its rule and its object's labels. */
export function matchersFor(labels: Record<string, string>): SilenceMatcher[] {
  return Object.entries(labels)
    .filter(([label]) => label !== "severity")
    .map(([label, value]) => ({ label, op: "=" as const, value }));
}
