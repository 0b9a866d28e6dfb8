/**
 * Account changes after creation: a user changing their own password, an admin resetting one, and sessions
 * listed and revoked. Each returns a refusal reason instead of throwing, so the router maps it to a status.
 */
import { and, desc, eq, ne } from "drizzle-orm";
import type { ControlDb } from "~/server/db/control-store";
import { sessions, users } from "~/server/db/schema";
import { passwordProblem } from "./password-policy";
import { hashPassword, newSecret, sha256, verifyPassword } from "./secrets";

export type Refusal = { refused: "not-found" | "wrong-password" | "policy" | "external"; message: string };

/**
 * The user's own change: the current password is required (a borrowed, unlocked browser must not be enough),
 * the policy applies, and every other session of the user ends; the one making the change stays signed in.
 */
export async function changeOwnPassword(
  db: ControlDb,
  input: { userId: string; currentSessionToken: string | null; currentPassword: string; newPassword: string },
): Promise<Refusal | { ok: true }> {
  const [user] = await db.select().from(users).where(eq(users.id, input.userId)).limit(1);
  if (!user) return { refused: "not-found", message: "No such user." };
  if (user.externalSubject) return { refused: "external", message: "This account signs in through single sign-on; its password is kept there." };
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) return { refused: "wrong-password", message: "The current password is wrong." };
  const problem = passwordProblem(input.newPassword, user.username) ?? (input.newPassword === input.currentPassword ? "must differ from the current password" : null);
  if (problem) return { refused: "policy", message: `New password: ${problem}.` };
  await db.update(users).set({ passwordHash: await hashPassword(input.newPassword), mustChangePassword: false }).where(eq(users.id, user.id));
  const keep = input.currentSessionToken ? sha256(input.currentSessionToken) : "";
  await db.delete(sessions).where(and(eq(sessions.userId, user.id), ne(sessions.id, keep)));
  return { ok: true };
}

/**
 * An admin's reset sets a generated temporary password, shown once to the admin, and marks the account so
 * that its next session can do nothing but choose a new one. Generated rather than typed so the admin never
 * picks (or reuses) the user's password; temporary so the admin never knows the one the user goes on with.
 */
export async function resetPassword(db: ControlDb, userId: string): Promise<Refusal | { temporaryPassword: string }> {
  const temporaryPassword = newSecret().slice(0, 20);
  const updated = await db
    .update(users)
    .set({ passwordHash: await hashPassword(temporaryPassword), mustChangePassword: true })
    .where(eq(users.id, userId))
    .returning({ external: users.externalSubject });
  if (updated.length === 0) return { refused: "not-found", message: "No such user." };
  await db.delete(sessions).where(eq(sessions.userId, userId));
  return { temporaryPassword };
}

export interface SessionRow {
  handle: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  userAgent: string | null;
  remoteAddress: string | null;
}

export function listSessions(db: ControlDb, userId: string): Promise<SessionRow[]> {
  return db
    .select({
      handle: sessions.handle,
      createdAt: sessions.createdAt,
      lastSeenAt: sessions.lastSeenAt,
      expiresAt: sessions.expiresAt,
      userAgent: sessions.userAgent,
      remoteAddress: sessions.remoteAddress,
    })
    .from(sessions)
    .where(eq(sessions.userId, userId))
    .orderBy(desc(sessions.lastSeenAt));
}

/** Revokes one session by handle; `userId` restricts it to that user's sessions (an owner revoking their own). */
export async function revokeSession(db: ControlDb, handle: string, userId?: string): Promise<Refusal | { ok: true }> {
  const where = userId ? and(eq(sessions.handle, handle), eq(sessions.userId, userId)) : eq(sessions.handle, handle);
  const deleted = await db.delete(sessions).where(where).returning({ userId: sessions.userId });
  return deleted.length ? { ok: true } : { refused: "not-found", message: "No such session." };
}
