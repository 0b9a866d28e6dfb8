"use client";

export function DatabasePicker({ databases, value, onChange }: { databases: { name: string; layout: string }[]; value: string; onChange: (name: string) => void }) {
  return (
    <label className="flex items-center gap-2 text-sm">
      <span className="text-slate-500">Database</span>
      <select value={value} onChange={(e) => onChange(e.target.value)} className="rounded border border-slate-300 bg-white px-2 py-1 text-slate-900" data-testid="database-picker">
        {databases.map((d) => (
          <option key={d.name} value={d.name}>
            {d.name} ({d.layout})
          </option>
        ))}
      </select>
    </label>
  );
}
