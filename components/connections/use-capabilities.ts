"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../trpc";

/**
 * What a broker connection can do, as the server's plugin registry says (connections.list), so components ask
 * `caps.includes("...")` instead of testing the kind. Null until the list has loaded (decide nothing yet).
 */
export function useCapabilities(kind: string, connection: string) {
  const trpc = useTRPC();
  const list = useQuery(trpc.connections.list.queryOptions({ refresh: false }, { staleTime: 60_000 }));
  if (!list.data) return null;
  return list.data.find((c) => c.kind === kind && c.name === connection)?.capabilities ?? [];
}
