import type { DomainErrorReason } from "~/server/lib/errors";

/** The HTTP status of a domain refusal, for the DLQ's plain HTTP routes (download, export); tRPC maps its own in server/api/errors.ts. */
export const refusalStatus: Record<DomainErrorReason, number> = {
  invalid: 400,
  forbidden: 403,
  "not-found": 404,
  conflict: 409,
  precondition: 412,
  "rate-limited": 429,
};

/** A plain-text answer (a refusal's message). */
export const text = (status: number, message: string) => new Response(`${message}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
