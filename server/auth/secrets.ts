import { createHash, randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";

/** 32 random bytes, URL-safe: used for session cookies and API tokens. */
export function newSecret(prefix = ""): string {
  return prefix + randomBytes(32).toString("base64url");
}

/** Session and token secrets are stored only as SHA-256 hashes (they are high-entropy, so no slow hash is needed). */
export function sha256(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

// OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane.
const argonOptions = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, argonOptions);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}
