"use client";

export function ConnectionPicker({
  connections,
  value,
  onChange,
}: {
  connections: { name: string; reachable: boolean }[];
  value: string;
  onChange: (connection: string) => void;
}) {
  return (
    <label className="flex items-center gap-2 text-sm">
      <span className="text-slate-500">Kafka connection</span>
      <select
        value={value}
        onChange={(event) => onChange(event.target.value)}
        className="rounded border border-slate-300 bg-white px-2 py-1 text-slate-900"
        data-testid="connection-picker"
      >
        {connections.map((connection) => (
          <option key={connection.name} value={connection.name}>
            {connection.name}
            {connection.reachable ? "" : " (unreachable)"}
          </option>
        ))}
      </select>
    </label>
  );
}
