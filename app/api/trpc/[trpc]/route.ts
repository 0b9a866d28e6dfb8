import { handleTrpcRequest } from "~/server/api/http";
import { createContext } from "~/server/api/trpc";
import { connections } from "~/server/connections/registry";

export const dynamic = "force-dynamic";

const handler = (req: Request) => handleTrpcRequest(req, { createContext, server: connections().config.server });

export { handler as GET, handler as POST };
