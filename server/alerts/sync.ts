import { and, eq, notInArray, sql } from "drizzle-orm";
import type { z } from "zod";
import type { ControlDb } from "~/server/db/control-store";
import { logger } from "~/server/lib/logger";
import { alertChannels, alertRules } from "~/server/db/schema";
import type { alertsSettings } from "./config-schema";
import { channelSchemas } from "./notify/channel-config";

type AlertsConfig = z.infer<typeof alertsSettings>;

/**
 * Makes the store hold exactly the rules and channels declared in redrive.yaml (source "file"): added,
 * updated, and removed when gone from the file. A UI rule or channel with the same name is left alone and
 * the file's entry skipped, with a warning: the file never silently overwrites what someone made by hand.
 */
export async function syncFileConfig(db: ControlDb, config: AlertsConfig): Promise<void> {
  await db.transaction(async (tx) => {
    for (const channel of config.channels) {
      const schema = channelSchemas[channel.kind];
      const values = { kind: channel.kind, settings: schema.settings.parse(channel.settings), secrets: schema.secrets.parse(channel.secrets) as Record<string, string> };
      const [existing] = await tx.select().from(alertChannels).where(sql`lower(${alertChannels.name}) = ${channel.name.toLowerCase()}`);
      if (existing && existing.source !== "file") logger.warn({ component: "alerts", channel: channel.name }, "channel in redrive.yaml skipped: one with that name was made in the UI");
      else if (existing) await tx.update(alertChannels).set({ ...values, enabled: true, updatedAt: new Date() }).where(eq(alertChannels.id, existing.id));
      else await tx.insert(alertChannels).values({ ...values, name: channel.name, source: "file", createdBy: "redrive.yaml" });
    }
    const channelNames = config.channels.map((c) => c.name);
    await tx.delete(alertChannels).where(and(eq(alertChannels.source, "file"), channelNames.length ? notInArray(alertChannels.name, channelNames) : undefined));

    for (const rule of config.rules) {
      const { name, enabled, ...spec } = rule;
      const [existing] = await tx.select().from(alertRules).where(sql`lower(${alertRules.name}) = ${name.toLowerCase()}`);
      if (existing && existing.source !== "file") logger.warn({ component: "alerts", rule: name }, "rule in redrive.yaml skipped: one with that name was made in the UI");
      else if (existing) await tx.update(alertRules).set({ enabled, spec, updatedAt: new Date() }).where(eq(alertRules.id, existing.id));
      else await tx.insert(alertRules).values({ name, enabled, spec, source: "file", createdBy: "redrive.yaml" });
    }
    const ruleNames = config.rules.map((r) => r.name);
    await tx.delete(alertRules).where(and(eq(alertRules.source, "file"), ruleNames.length ? notInArray(alertRules.name, ruleNames) : undefined));
  });
}
