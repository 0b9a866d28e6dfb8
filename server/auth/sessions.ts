import { and, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { ControlDb } from "~/server/db/control-store";
import { apiTokens, sessions, users, type Role } from "~/server/db/schema";
import { hasRole, type Principal } from "./principal";
import { hashPassword, newSecret, sha256, verifyPassword } from "./secrets";

export const SESSION_COOKIE = "redrive_session";
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
export const API_TOKEN_PREFIX = "rdv_";

// Verified against when the username is unknown, so sign-in takes the same time either way.
let decoyHash: Promise<string> | undefined;

export async function signIn(
  db: ControlDb,
  username: string,
  password: string,
  userAgent: string | null,
): Promise<{ token: string; expiresAt: Date; principal: Principal } | null> {
  const [user] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.username}) = lower(${username})`)
    .limit(1);
  if (!user || user.disabled) {
    decoyHash ??= hashPassword(newSecret());
    await verifyPassword(await decoyHash, password);
    return null;
  }
  if (!(await verifyPassword(user.passwordHash, password))) return null;
  const token = newSecret();
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await db.insert(sessions).values({ id: sha256(token), userId: user.id, expiresAt, userAgent });
  await db.update(users).set({ lastSignInAt: new Date() }).where(eq(users.id, user.id));
  return { token, expiresAt, principal: { kind: "user", id: user.id, name: user.username, role: user.role } };
}

export async function signOut(db: ControlDb, token: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sha256(token)));
}

export async function principalFromSession(db: ControlDb, token: string): Promise<Principal | null> {
  const [row] = await db
    .select({ id: users.id, name: users.username, role: users.role, expiresAt: sessions.expiresAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sha256(token)), gt(sessions.expiresAt, new Date()), eq(users.disabled, false)))
    .limit(1);
  return row ? { kind: "user", id: row.id, name: row.name, role: row.role } : null;
}

export async function principalFromApiToken(db: ControlDb, token: string): Promise<Principal | null> {
  if (!token.startsWith(API_TOKEN_PREFIX)) return null;
  const now = new Date();
  const [found] = await db
    .select({ id: apiTokens.id, name: apiTokens.name, role: apiTokens.role, createdBy: apiTokens.createdBy, creatorRole: users.role, creatorDisabled: users.disabled })
    .from(apiTokens)
    .leftJoin(users, eq(users.id, apiTokens.createdBy))
    .where(and(eq(apiTokens.tokenHash, sha256(token)), isNull(apiTokens.revokedAt), or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now))))
    .limit(1);
  if (!found) return null;
  // A token never outlives its creator's authority: disabled or demoted below the token's role, it stops working.
  if (found.createdBy !== null && (found.creatorDisabled !== false || !found.creatorRole || !hasRole({ role: found.creatorRole }, found.role))) return null;
  await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, found.id));
  return { kind: "token", id: found.id, name: `token:${found.name}`, role: found.role };
}

export async function createApiToken(
  db: ControlDb,
  input: { name: string; role: Role; createdBy: string | null; expiresAt: Date | null },
): Promise<{ id: string; token: string }> {
  const token = newSecret(API_TOKEN_PREFIX);
  const [row] = await db
    .insert(apiTokens)
    .values({
      name: input.name,
      role: input.role,
      createdBy: input.createdBy,
      expiresAt: input.expiresAt,
      tokenHash: sha256(token),
      prefix: token.slice(0, API_TOKEN_PREFIX.length + 6),
    })
    .returning({ id: apiTokens.id });
  if (!row) throw new Error("token insert returned no row");
  return { id: row.id, token };
}

export async function deleteExpiredSessions(db: ControlDb): Promise<void> {
  await db.delete(sessions).where(sql`${sessions.expiresAt} < now()`);
}
