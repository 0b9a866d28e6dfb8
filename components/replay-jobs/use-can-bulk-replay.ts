"use client";

import { allows } from "~/server/auth/permissions";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../trpc";

/** Whether the signed-in user may start bulk jobs: undefined until known, so buttons do not flash disabled. */
export function useCanBulkReplay(): boolean | undefined {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 60_000 }));
  if (!me.data) return undefined;
  return allows(me.data.grants, "replay.bulk");
}
