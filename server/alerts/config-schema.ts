import { z } from "zod";
import { channelInputSchema } from "./notify/channel-config";
import { ruleSpecSchema } from "./types";

const channelName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "lowercase letters, digits, - and _");

/**
 * `alerts:` in redrive.yaml: where notification links point, and rules and channels kept as code (shown
 * read-only in the UI, marked as from the file). Secrets come from the environment: `${SLACK_WEBHOOK_URL}`.
 */
export const alertsSettings = z
  .object({
    /** Redrive's address as on-call people reach it: deep links in notifications start with it. */
    publicUrl: z.url({ protocol: /^https?$/ }).default("http://localhost:3000"),
    /** false: no evaluation at all (e.g. a replica that must never page). */
    enabled: z.boolean().default(true),
    rules: z.array(ruleSpecSchema).default([]),
    channels: z.array(z.intersection(z.object({ name: channelName }), channelInputSchema)).default([]),
  })
  .strict()
  .superRefine((alerts, ctx) => {
    const names = new Set<string>();
    alerts.rules.forEach((rule, i) => {
      if (names.has(rule.name.toLowerCase())) ctx.addIssue({ code: "custom", path: ["rules", i, "name"], message: `duplicate rule name "${rule.name}"` });
      names.add(rule.name.toLowerCase());
    });
    const channels = new Set(alerts.channels.map((c) => c.name));
    alerts.rules.forEach((rule, i) =>
      rule.channels.forEach((name, j) => {
        if (!channels.has(name)) ctx.addIssue({ code: "custom", path: ["rules", i, "channels", j], message: `no channel "${name}" in alerts.channels` });
      }),
    );
  });
