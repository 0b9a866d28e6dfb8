import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";

type RouterInputs = inferRouterInputs<AppRouter>;
type RouterOutputs = inferRouterOutputs<AppRouter>;

export type ReplayJob = RouterOutputs["replayJobs"]["get"]["job"];
export type ReplayJobProgress = RouterOutputs["replayJobs"]["get"];
export type ReplayJobItem = RouterOutputs["replayJobs"]["items"]["items"][number];
export type DryRunInput = RouterInputs["replayJobs"]["dryRun"];
export type JobSelectionInput = DryRunInput["selection"];

export type { ReplayDryRun, ReplayItemState, ReplayJobOptions, ReplayJobSelection, ReplayJobState } from "~/server/db/schema";
