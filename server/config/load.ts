import { readFileSync } from "node:fs";
import path from "node:path";
import { parse, YAMLParseError } from "yaml";
import type { z } from "zod";
import { configSchema, type RedriveConfig } from "./schema";

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    readonly problem: string,
  ) {
    super(`Invalid Redrive config ${file}: ${key ? `${key}: ` : ""}${problem}`);
    this.name = "ConfigError";
  }
}

export function configPath(env: Env = process.env): string {
  return path.resolve(/*turbopackIgnore: true*/ env.REDRIVE_CONFIG ?? "redrive.yaml");
}

const reference = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces ${VAR} and ${VAR:-default} in every string of the parsed document, so secrets stay out of the file. */
export function interpolate(value: unknown, env: Env, file: string, at: string[] = []): unknown {
  if (typeof value === "string") {
    return value.replace(reference, (_match, name: string, fallback: string | undefined) => {
      const resolved = env[name];
      if (resolved !== undefined && resolved !== "") return resolved;
      if (fallback !== undefined) return fallback;
      throw new ConfigError(file, at.join("."), `environment variable ${name} is not set and has no default`);
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolate(item, env, file, [...at, String(index)]));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolate(item, env, file, [...at, key])]),
    );
  }
  return value;
}

function describeIssue(issue: z.core.$ZodIssue, prefix: PropertyKey[] = []): { key: string; problem: string } {
  const at = [...prefix, ...issue.path];
  // `ssl: true | {...}`: report the branch that matched the value's type, with its key, not "invalid input".
  if (issue.code === "invalid_union") {
    const branch = issue.errors.find((issues) => issues[0] && !(issues[0].code === "invalid_type" && issues[0].path.length === 0));
    if (branch?.[0]) return describeIssue(branch[0], at);
  }
  return { key: at.map(String).join("."), problem: issue.message };
}

export function parseConfig(text: string, file: string, env: Env = process.env): RedriveConfig {
  let document: unknown;
  try {
    document = parse(text) ?? {};
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const line = error.linePos?.[0];
      throw new ConfigError(file, line ? `line ${line.line}, column ${line.col}` : "", error.message.split("\n")[0] ?? "");
    }
    throw error;
  }
  const result = configSchema.safeParse(interpolate(document, env, file));
  if (!result.success) {
    const first = result.error.issues[0];
    const { key, problem } = first ? describeIssue(first) : { key: "", problem: "invalid" };
    const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more problem(s))` : "";
    throw new ConfigError(file, key, problem + more);
  }
  return result.data;
}

export function loadConfig(env: Env = process.env): RedriveConfig {
  const file = configPath(env);
  let text: string;
  try {
    text = readFileSync(/*turbopackIgnore: true*/ file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(file, "", code === "ENOENT" ? "file not found (set REDRIVE_CONFIG or create redrive.yaml)" : String(error));
  }
  return parseConfig(text, file, env);
}
