"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Card, ErrorBox } from "../ui";
import { useTRPC } from "../trpc";

export function ConnectionsPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.connections.list.queryOptions({ refresh: false }, { refetchInterval: 15_000 }));

  const recheck = async () => {
    const fresh = await queryClient.fetchQuery(trpc.connections.list.queryOptions({ refresh: true }, { staleTime: 0 }));
    queryClient.setQueryData(trpc.connections.list.queryKey({ refresh: false }), fresh);
  };

  return (
    <Card
      title="Connections (from the config file; credentials are never sent to the browser)"
      aside={
        <button type="button" onClick={() => void recheck()} className="rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-50">
          Check now
        </button>
      }
    >
      {list.error ? <ErrorBox title="Could not load connections" message={list.error.message} /> : null}
      <table className="w-full text-left text-sm">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th className="py-1 pr-3 font-medium">Kind</th>
            <th className="py-1 pr-3 font-medium">Name</th>
            <th className="py-1 pr-3 font-medium">Target</th>
            <th className="py-1 pr-3 font-medium">Health</th>
            <th className="py-1 pr-3 font-medium">Version</th>
            <th className="py-1 pr-3 text-right font-medium">Round trip</th>
            <th className="py-1 pr-3 font-medium">Last error</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.map((connection) => (
            <tr key={`${connection.kind}/${connection.name}`} className="border-t border-slate-100 align-top" data-testid={`connection-${connection.kind}-${connection.name}`}>
              <td className="py-1 pr-3">{connection.kind}</td>
              <td className="py-1 pr-3 font-mono">{connection.name}</td>
              <td className="py-1 pr-3 font-mono text-xs text-slate-600">
                {connection.target}
                {connection.security ? (
                  <div className="font-sans text-slate-500" data-testid="connection-security">
                    {connection.security}
                  </div>
                ) : null}
              </td>
              <td className="py-1 pr-3" data-testid="connection-health">
                {connection.reachable ? <span className="text-emerald-700">reachable</span> : <span className="font-medium text-red-700">unreachable</span>}
                <div className="text-xs text-slate-400">checked {connection.checkedAt.toLocaleTimeString()}</div>
              </td>
              <td className="py-1 pr-3 text-xs">{connection.version ?? <span className="text-slate-400">not reported by the protocol</span>}</td>
              <td className="py-1 pr-3 text-right tabular-nums">{connection.roundTripMs === null ? "—" : `${connection.roundTripMs} ms`}</td>
              <td className="max-w-xs py-1 pr-3 text-xs text-red-700">
                {connection.lastError ? (
                  <>
                    <div className="break-words">{connection.lastError}</div>
                    <div className="text-slate-400">{connection.lastErrorAt?.toLocaleString()}</div>
                  </>
                ) : (
                  <span className="text-slate-400">none</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
