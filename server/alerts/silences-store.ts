import { and, desc, eq, gt, sql } from "drizzle-orm";
import { z } from "zod";
import type { ControlDb } from "~/server/db/control-store";
import { alertInstances, alertSilences } from "~/server/db/schema";
import { matchersFor } from "./silences";
import { DomainError } from "~/server/lib/errors";

export const matcherSchema = z.object({ label: z.string().min(1).max(100), op: z.enum(["=", "=~"]), value: z.string().min(1).max(300) }).strict();

export const silenceInputSchema = z
  .object({
    matchers: z.array(matcherSchema).min(1).max(20),
    startsAt: z.coerce.date().optional(),
    endsAt: z.coerce.date(),
    comment: z.string().trim().min(1, "say why").max(500),
  })
  .strict()
  .refine((s) => s.endsAt.getTime() > (s.startsAt?.getTime() ?? Date.now()), { message: "the silence must end after it starts", path: ["endsAt"] });
export type SilenceInput = z.input<typeof silenceInputSchema>;

export async function createSilence(db: ControlDb, input: SilenceInput, createdBy: string) {
  const s = silenceInputSchema.parse(input);
  const [row] = await db.insert(alertSilences).values({ matchers: s.matchers, startsAt: s.startsAt ?? new Date(), endsAt: s.endsAt, comment: s.comment, createdBy }).returning();
  return row!;
}

export class SilenceError extends DomainError {
  readonly refusal = "invalid";
  override name = "SilenceError";
}

/** One click from a firing alert: a silence on exactly its rule and object, for `minutes`. */
export async function silenceInstance(db: ControlDb, ref: { ruleId: string; objectKey: string }, minutes: number, comment: string, createdBy: string) {
  const [instance] = await db.select().from(alertInstances).where(and(eq(alertInstances.ruleId, ref.ruleId), eq(alertInstances.objectKey, ref.objectKey)));
  if (!instance) throw new SilenceError("That alert is no longer active.");
  return createSilence(db, { matchers: matchersFor(instance.labels), endsAt: new Date(Date.now() + minutes * 60_000), comment }, createdBy);
}

/** Ends a silence now (it would also expire by itself at its end). */
export async function expireSilence(db: ControlDb, id: string, by: string): Promise<boolean> {
  const now = new Date();
  const rows = await db.update(alertSilences).set({ endsAt: now, expiredBy: by }).where(and(eq(alertSilences.id, id), gt(alertSilences.endsAt, now))).returning({ id: alertSilences.id });
  return rows.length > 0;
}

/** Active and upcoming silences first, then the recently expired ones. */
export async function listSilences(db: ControlDb, limit = 200) {
  return db
    .select()
    .from(alertSilences)
    .orderBy(sql`${alertSilences.endsAt} > now() desc`, desc(alertSilences.endsAt))
    .limit(limit);
}
