/**
 * The tRPC HTTP edge, shared by app/api/trpc and the tests: refuses oversized bodies (413) and oversized or
 * mixed sign-in batches (400) before anything is read or parsed, then hands over to tRPC's fetch adapter.
 */
import type { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import type { ServerSettings } from "~/server/config/schema";
import { appRouter } from "./root";
import type { Context } from "./trpc";

/** Procedures whose input may be large (a whole edited payload): they get bodyLimits.editBytes. */
const LARGE_INPUT = new Set(["replay.edit"]);
/** Calls per batched request at most: batching must not multiply what one request can do (e.g. guesses). */
export const MAX_BATCH_CALLS = 10;
/** Procedures that must be alone in their request (each sign-in attempt is one request to throttle). */
const UNBATCHABLE = new Set(["auth.signIn"]);
const ENDPOINT = "/api/trpc";

function refusal(status: number, code: string, message: string): Response {
  // The tRPC error shape (superjson-wrapped), so the client shows the message like any other error.
  const body = { error: { json: { message, code: -32600, data: { code, httpStatus: status } } } };
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** The procedure paths a request names ("a.b,c.d" when batched). */
export function requestedProcedures(url: URL): string[] {
  const at = url.pathname.indexOf(`${ENDPOINT}/`);
  if (at === -1) return [];
  return decodeURIComponent(url.pathname.slice(at + ENDPOINT.length + 1))
    .split(",")
    .filter(Boolean);
}

/** Reads at most `limit` bytes; null as soon as the body is longer (the rest is never read). */
async function readLimited(body: ReadableStream<Uint8Array>, limit: number): Promise<Buffer | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, length);
}

export async function handleTrpcRequest(
  request: Request,
  options: {
    createContext: (opts: { req: Request; resHeaders: Headers }) => Promise<Context>;
    server: ServerSettings;
    /** Told of every failed call (the route logs them). */
    onError?: (failure: { path: string | undefined; error: TRPCError }) => void;
  },
): Promise<Response> {
  const procedures = requestedProcedures(new URL(request.url));
  if (procedures.length > MAX_BATCH_CALLS) return refusal(400, "BAD_REQUEST", `At most ${MAX_BATCH_CALLS} calls per batch.`);
  if (procedures.length > 1 && procedures.some((path) => UNBATCHABLE.has(path))) {
    return refusal(400, "BAD_REQUEST", "Sign-in cannot be batched with other calls.");
  }
  let req = request;
  if (request.body) {
    const limit = procedures.some((path) => LARGE_INPUT.has(path)) ? options.server.bodyLimits.editBytes : options.server.bodyLimits.defaultBytes;
    const declared = Number(request.headers.get("content-length") ?? "0");
    const tooLarge = () => refusal(413, "PAYLOAD_TOO_LARGE", `The request body is larger than ${limit} bytes.`);
    if (declared > limit) {
      await request.body.cancel().catch(() => undefined);
      return tooLarge();
    }
    const body = await readLimited(request.body, limit);
    if (body === null) return tooLarge();
    req = new Request(request.url, { method: request.method, headers: request.headers, body: new Uint8Array(body), signal: request.signal });
  }
  return fetchRequestHandler({
    endpoint: ENDPOINT,
    req,
    router: appRouter,
    createContext: options.createContext,
    onError: options.onError ? ({ path, error }) => options.onError!({ path, error }) : undefined,
  });
}
