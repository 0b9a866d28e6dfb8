import { handleTrpcRequest } from "~/server/api/http";
import { createContext } from "~/server/api/trpc";
import { connections } from "~/server/connections/registry";
import { withRequestLog } from "~/server/lib/request-log";

export const dynamic = "force-dynamic";

// Body limits and the batch cap (server/api/http.ts), inside the request log (request id, status).
const handler = withRequestLog((req, log) =>
  handleTrpcRequest(req, {
    createContext,
    server: connections().config.server,
    onError: ({ path, error }) => {
      // Unexpected failures at error level; refusals (401/403/400/404…) are routine and stay at debug.
      if (error.code === "INTERNAL_SERVER_ERROR") log.error({ procedure: path, err: error.message }, "procedure failed");
      else log.debug({ procedure: path, code: error.code }, "procedure refused");
    },
  }),
);

export { handler as GET, handler as POST };
