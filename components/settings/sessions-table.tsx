"use client";

export interface SessionView {
  handle: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  userAgent: string | null;
  remoteAddress: string | null;
  current?: boolean;
}

export function SessionsTable({ rows, onRevoke }: { rows: SessionView[]; onRevoke: (handle: string) => void }) {
  if (rows.length === 0) return <p className="text-xs text-slate-500">No active sessions.</p>;
  return (
    <table className="w-full text-left text-xs" data-testid="sessions">
      <thead className="uppercase text-slate-500">
        <tr>
          <th className="py-1 pr-3 font-medium">Signed in</th>
          <th className="py-1 pr-3 font-medium">Last active</th>
          <th className="py-1 pr-3 font-medium">From</th>
          <th className="py-1 pr-3 font-medium">Browser</th>
          <th className="py-1 pr-3 font-medium" />
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.handle} className="border-t border-slate-100">
            <td className="py-1 pr-3">{row.createdAt.toLocaleString()}</td>
            <td className="py-1 pr-3">{row.lastSeenAt.toLocaleString()}</td>
            <td className="py-1 pr-3 font-mono">{row.remoteAddress ?? "?"}</td>
            <td className="max-w-xs truncate py-1 pr-3" title={row.userAgent ?? ""}>{row.userAgent ?? "?"}</td>
            <td className="py-1 pr-3">
              {row.current ? (
                <span className="text-slate-400">this session</span>
              ) : (
                <button type="button" onClick={() => onRevoke(row.handle)} className="rounded border border-red-300 px-2 py-0.5 text-red-700 hover:bg-red-50">
                  Revoke
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
