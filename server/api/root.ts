import { alertsRouter } from "./routers/alerts";
import { auditRouter } from "./routers/audit";
import { authRouter } from "./routers/auth";
import { connectionsRouter } from "./routers/connections";
import { depthRouter } from "./routers/depth";
import { dlqRouter } from "./routers/dlq";
import { lagRouter } from "./routers/lag";
import { outboxRouter } from "./routers/outbox";
import { overviewRouter } from "./routers/overview";
import { replayRouter } from "./routers/replay";
import { replayJobsRouter } from "./routers/replay-jobs";
import { sagaJobsRouter } from "./routers/saga-jobs";
import { sagasRouter } from "./routers/sagas";
import { tokensRouter } from "./routers/tokens";
import { usersRouter } from "./routers/users";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  auth: authRouter,
  overview: overviewRouter,
  connections: connectionsRouter,
  lag: lagRouter,
  depth: depthRouter,
  dlq: dlqRouter,
  replay: replayRouter,
  replayJobs: replayJobsRouter,
  sagas: sagasRouter,
  sagaJobs: sagaJobsRouter,
  outbox: outboxRouter,
  users: usersRouter,
  tokens: tokensRouter,
  audit: auditRouter,
  alerts: alertsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
