import pino from "pino";

/**
 * The server's one logger: JSON lines on stdout (pino), level from LOG_LEVEL (default info).
 * Anything that may hold a credential is redacted by key name before it is written, as a second line
 * of defence: callers log connection names and redacted URLs, never config values.
 */
export const logger = pino({
  level: process.env.LOG_LEVEL || "info",
  base: { service: "redrive" },
  redact: {
    paths: [
      "password",
      "*.password",
      "secret",
      "*.secret",
      "secretAccessKey",
      "*.secretAccessKey",
      "token",
      "*.token",
      "authorization",
      "*.authorization",
      "headers.cookie",
      "*.headers.cookie",
      "url",
      "*.url",
    ],
    censor: "[redacted]",
  },
});

export type Logger = typeof logger;

/** The message of an unknown thrown value, for logs and error texts. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
