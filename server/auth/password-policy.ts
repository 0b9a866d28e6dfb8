/**
 * The password policy: at least 12 characters, not a well-known password (common-passwords.txt, shipped with
 * Redrive), and not a few characters repeated ("aaaaaaaaaaaa", "abababababab"). Returns why a password is
 * refused, or null when it is acceptable.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

export const MIN_PASSWORD_LENGTH = 12;

let common: Set<string> | undefined;

function commonPasswords(): Set<string> {
  common ??= new Set(
    readFileSync(path.join(/*turbopackIgnore: true*/ process.cwd(), "server", "auth", "common-passwords.txt"), "utf8")
      .split("\n")
      .map((line) => line.trim().toLowerCase())
      .filter((line) => line && !line.startsWith("#")),
  );
  return common;
}

export function passwordProblem(password: string, username?: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `at least ${MIN_PASSWORD_LENGTH} characters`;
  if (new Set(password).size < 5) return "too few different characters";
  const lower = password.toLowerCase();
  if (commonPasswords().has(lower)) return "a well-known password: choose another";
  if (username && lower.includes(username.toLowerCase()) && username.length >= 3) return "must not contain the username";
  return null;
}
