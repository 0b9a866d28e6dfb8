import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "~/server/api/root";
import { createContext } from "~/server/api/trpc";
import { withRequestLog } from "~/server/lib/request-log";

export const dynamic = "force-dynamic";

const handler = withRequestLog((req, log) =>
  fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext,
    onError: ({ path, error }) => {
      // Unexpected failures at error level; refusals (401/403/400/404…) are routine and stay at debug.
      if (error.code === "INTERNAL_SERVER_ERROR") log.error({ procedure: path, err: error.message }, "procedure failed");
      else log.debug({ procedure: path, code: error.code }, "procedure refused");
    },
  }),
);

export { handler as GET, handler as POST };
