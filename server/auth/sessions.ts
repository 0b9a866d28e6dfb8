import { and, eq, gt, isNull, or, sql, type InferSelectModel } from "drizzle-orm";
import type { ControlDb } from "~/server/db/control-store";
import { randomBytes } from "node:crypto";
import { apiTokens, sessions, users, type Role } from "~/server/db/schema";
import { hasRole, type Principal } from "./principal";
import { hashPassword, newSecret, sha256, verifyPassword } from "./secrets";

type User = InferSelectModel<typeof users>;

export const SESSION_COOKIE = "redrive_session";
export const API_TOKEN_PREFIX = "rdv_";

/** auth.sessionIdleMinutes and auth.sessionMaxHours from the config. */
export interface SessionPolicy {
  idleMinutes: number;
  maxHours: number;
}
export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMinutes: 60, maxHours: 12 };

export interface SessionStart {
  userAgent?: string | null;
  remoteAddress?: string | null;
  /** The session the browser already had: replaced, so a planted cookie never becomes a signed-in one. */
  replaces?: string | null;
  policy?: SessionPolicy;
}

export interface NewSession {
  token: string;
  expiresAt: Date;
  principal: Principal;
}

// Verified against when the username is unknown, so sign-in takes the same time either way.
let decoyHash: Promise<string> | undefined;

/** The account for a password sign-in, or null; as slow for an unknown name as for a wrong password. */
export async function checkPassword(db: ControlDb, username: string, password: string) {
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
  return (await verifyPassword(user.passwordHash, password)) ? user : null;
}

/** A fresh session for a user (a new token on every sign-in: sessions are never carried over). */
export async function startSession(db: ControlDb, user: Pick<User, "id" | "username" | "role" | "mustChangePassword">, start: SessionStart = {}): Promise<NewSession> {
  if (start.replaces) await signOut(db, start.replaces);
  const token = newSecret();
  const expiresAt = new Date(Date.now() + (start.policy ?? DEFAULT_SESSION_POLICY).maxHours * 3_600_000);
  await db.insert(sessions).values({
    id: sha256(token),
    handle: randomBytes(9).toString("base64url"),
    userId: user.id,
    expiresAt,
    userAgent: start.userAgent?.slice(0, 300) ?? null,
    remoteAddress: start.remoteAddress ?? null,
  });
  await db.update(users).set({ lastSignInAt: new Date() }).where(eq(users.id, user.id));
  return { token, expiresAt, principal: userPrincipal(user) };
}

function userPrincipal(user: { id: string; username: string; role: Role; mustChangePassword: boolean }): Principal {
  return { kind: "user", id: user.id, name: user.username, role: user.role, ...(user.mustChangePassword ? { mustChangePassword: true } : {}) };
}

export async function signIn(db: ControlDb, username: string, password: string, userAgent: string | null, start: SessionStart = {}): Promise<NewSession | null> {
  const user = await checkPassword(db, username, password);
  return user ? startSession(db, user, { userAgent, ...start }) : null;
}

export async function signOut(db: ControlDb, token: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sha256(token)));
}

/** The session's user while the session is neither expired nor idle for longer than the policy allows. */
export async function principalFromSession(db: ControlDb, token: string, policy: SessionPolicy = DEFAULT_SESSION_POLICY): Promise<Principal | null> {
  const now = Date.now();
  const [row] = await db
    .select({ id: users.id, username: users.username, role: users.role, mustChangePassword: users.mustChangePassword, externalSubject: users.externalSubject, lastSeenAt: sessions.lastSeenAt, handle: sessions.handle })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.id, sha256(token)),
        gt(sessions.expiresAt, new Date(now)),
        gt(sessions.lastSeenAt, new Date(now - policy.idleMinutes * 60_000)),
        eq(users.disabled, false),
      ),
    )
    .limit(1);
  if (!row) return null;
  // At most one write a minute per session: enough for an idle timeout counted in minutes.
  if (now - row.lastSeenAt.getTime() > 60_000) await db.update(sessions).set({ lastSeenAt: new Date(now) }).where(eq(sessions.id, sha256(token)));
  return { ...userPrincipal(row), sessionHandle: row.handle, ...(row.externalSubject ? { external: true } : {}) };
}

export async function principalFromApiToken(
  db: ControlDb,
  token: string,
  covers: (holder: string, role: string) => boolean = (holder, role) => hasRole({ role: holder }, role),
): Promise<Principal | null> {
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
  if (found.createdBy !== null && (found.creatorDisabled !== false || !found.creatorRole || !covers(found.creatorRole, found.role))) return null;
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
