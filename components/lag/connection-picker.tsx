"use client";

import type { BrokerKind } from "~/server/brokers/registry";
import { brokerLabel } from "../dlq/format";

/** The connections whose consumers have lag; several kinds may share a name, so an option is its kind and name. */
export function ConnectionPicker({
  connections,
  value,
  onChange,
}: {
  connections: { kind: BrokerKind; name: string; reachable: boolean }[];
  value: { kind: BrokerKind; name: string };
  onChange: (connection: { kind: BrokerKind; name: string }) => void;
}) {
  const kinds = new Set(connections.map((c) => c.kind));
  return (
    <label className="flex items-center gap-2 text-sm">
      <span className="text-slate-500">{kinds.size === 1 ? `${brokerLabel(value.kind)} connection` : "Connection"}</span>
      <select
        value={`${value.kind}/${value.name}`}
        onChange={(event) => {
          const picked = connections.find((c) => `${c.kind}/${c.name}` === event.target.value);
          if (picked) onChange({ kind: picked.kind, name: picked.name });
        }}
        className="rounded border border-slate-300 bg-white px-2 py-1 text-slate-900"
        data-testid="connection-picker"
      >
        {connections.map((connection) => (
          <option key={`${connection.kind}/${connection.name}`} value={`${connection.kind}/${connection.name}`}>
            {connection.name}
            {kinds.size > 1 ? ` (${brokerLabel(connection.kind)})` : ""}
            {connection.reachable ? "" : " (unreachable)"}
          </option>
        ))}
      </select>
    </label>
  );
}
