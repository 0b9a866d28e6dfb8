import { randomUUID } from "node:crypto";
import { logger, type Logger } from "./logger";

const ACCEPTED_ID = /^[\w.-]{1,64}$/;

/** The caller's x-request-id when it looks like one (a proxy's), else a fresh one. */
export function requestId(request: Request): string {
  const given = request.headers.get("x-request-id");
  return given && ACCEPTED_ID.test(given) ? given : randomUUID();
}

/**
 * Wraps a route handler: a request id on the response and on every log line about it, one line per request
 * (debug for successful reads, info for writes, warn/error for failures). Only method, path and status are
 * logged: never the query string, headers or body, which may carry tokens or message bytes.
 */
export function withRequestLog(
  handler: (request: Request, log: Logger) => Promise<Response>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const id = requestId(request);
    const log = logger.child({ reqId: id });
    const started = performance.now();
    const path = new URL(request.url).pathname;
    let status = 500;
    try {
      const response = await handler(request, log);
      status = response.status;
      response.headers.set("x-request-id", id);
      return response;
    } finally {
      const line = { method: request.method, path, status, ms: Math.round(performance.now() - started) };
      if (status >= 500) log.error(line, "request failed");
      else if (status >= 400) log.warn(line, "request refused");
      else if (request.method === "GET") log.debug(line, "request");
      else log.info(line, "request");
    }
  };
}
