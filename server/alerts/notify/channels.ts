import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import type { ControlDb } from "~/server/db/control-store";
import { alertChannels } from "~/server/db/schema";
import { channelSchemas, type Channel, type ChannelInput, type ChannelKind, type GroupingSettings } from "./channel-config";
import { DomainError } from "~/server/lib/errors";

export const channelNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "lowercase letters, digits, - and _");

/** What the browser may see of a channel: never the secrets, only which of them are set. */
export interface PublicChannel {
  id: string;
  name: string;
  kind: ChannelKind;
  enabled: boolean;
  settings: Record<string, unknown>;
  secretsSet: string[];
  source: "ui" | "file";
}

export class ChannelError extends DomainError {
  readonly refusal = "invalid";
  override name = "ChannelError";
}

const toChannel = (row: typeof alertChannels.$inferSelect): Channel => ({
  id: row.id,
  name: row.name,
  kind: row.kind,
  enabled: row.enabled,
  settings: row.settings as Channel["settings"],
  secrets: row.secrets,
  source: row.source,
});

export const toPublic = (channel: Channel): PublicChannel => ({
  id: channel.id,
  name: channel.name,
  kind: channel.kind,
  enabled: channel.enabled,
  settings: channel.settings,
  secretsSet: Object.entries(channel.secrets)
    .filter(([, v]) => v !== "")
    .map(([k]) => k)
    .sort(),
  source: channel.source,
});

export async function listChannels(db: ControlDb): Promise<Channel[]> {
  return (await db.select().from(alertChannels).orderBy(asc(alertChannels.name))).map(toChannel);
}

export async function getChannel(db: ControlDb, id: string): Promise<Channel | null> {
  const [row] = await db.select().from(alertChannels).where(eq(alertChannels.id, id));
  return row ? toChannel(row) : null;
}

/**
 * Validates settings and secrets of a kind. Secrets left out (or empty) keep their stored values, so the
 * browser never needs them back to save an edit; the merged set must then be complete.
 */
function validate(kind: ChannelKind, settings: unknown, secrets: Record<string, string | undefined>, stored: Record<string, string> = {}) {
  const schema = channelSchemas[kind];
  const merged: Record<string, string> = { ...stored };
  for (const [k, v] of Object.entries(secrets)) if (v !== undefined && v !== "") merged[k] = v;
  const parsedSecrets = schema.secrets.safeParse(merged);
  if (!parsedSecrets.success) throw new ChannelError(`secrets: ${parsedSecrets.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const parsedSettings = schema.settings.parse(settings) as Record<string, unknown> & GroupingSettings;
  return { settings: parsedSettings, secrets: parsedSecrets.data as Record<string, string> };
}

export async function createChannel(db: ControlDb, name: string, input: ChannelInput, createdBy: string, source: Channel["source"] = "ui"): Promise<Channel> {
  const { settings, secrets } = validate(input.kind, input.settings, input.secrets as Record<string, string | undefined>);
  const [row] = await db.insert(alertChannels).values({ name: channelNameSchema.parse(name), kind: input.kind, settings, secrets, source, createdBy }).returning();
  return toChannel(row!);
}

export async function updateChannel(db: ControlDb, id: string, patch: { name?: string; enabled?: boolean; input?: ChannelInput }): Promise<Channel | null> {
  const existing = await getChannel(db, id);
  if (!existing) return null;
  if (existing.source === "file") throw new ChannelError(`Channel "${existing.name}" is declared in redrive.yaml: change it there.`);
  const next: Partial<typeof alertChannels.$inferInsert> = { updatedAt: new Date() };
  if (patch.name !== undefined) next.name = channelNameSchema.parse(patch.name);
  if (patch.enabled !== undefined) next.enabled = patch.enabled;
  if (patch.input) {
    if (patch.input.kind !== existing.kind) throw new ChannelError("A channel's kind cannot change: create another channel.");
    Object.assign(next, validate(existing.kind, patch.input.settings, patch.input.secrets as Record<string, string | undefined>, existing.secrets));
  }
  const [row] = await db.update(alertChannels).set(next).where(eq(alertChannels.id, id)).returning();
  return row ? toChannel(row) : null;
}

export async function deleteChannel(db: ControlDb, id: string): Promise<boolean> {
  const existing = await getChannel(db, id);
  if (existing?.source === "file") throw new ChannelError(`Channel "${existing.name}" is declared in redrive.yaml: remove it there.`);
  return (await db.delete(alertChannels).where(eq(alertChannels.id, id)).returning({ id: alertChannels.id })).length > 0;
}
