import type { ReactNode } from "react";

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <header className="mb-6 flex flex-wrap items-end justify-between gap-3">
      <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
      {children ? <div className="flex items-center gap-3 text-sm text-slate-500">{children}</div> : null}
    </header>
  );
}

export function Card({ title, children, aside }: { title: ReactNode; children: ReactNode; aside?: ReactNode }) {
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <div className="mb-3 flex items-center justify-between gap-2">
        <h2 className="text-sm font-semibold text-slate-700">{title}</h2>
        {aside}
      </div>
      {children}
    </section>
  );
}

export function Stat({ label, value, testId }: { label: string; value: ReactNode; testId?: string }) {
  return (
    <div>
      <div className="text-xs uppercase tracking-wide text-slate-500">{label}</div>
      <div className="text-2xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

export function ErrorBox({ title, message }: { title: string; message: string }) {
  return (
    <div role="alert" className="rounded border border-red-200 bg-red-50 p-3 text-sm text-red-800">
      <div className="font-medium">{title}</div>
      <div className="mt-1 break-words font-mono text-xs">{message}</div>
    </div>
  );
}

/** For sections whose feature has not landed yet: says what the page will hold, shows no invented data. */
export function ComingSection({ title, holds }: { title: string; holds: string[] }) {
  return (
    <div>
      <PageHeader title={title} />
      <Card title="Not built yet">
        <p className="mb-2 text-sm text-slate-600">This section will hold:</p>
        <ul className="list-disc space-y-1 pl-5 text-sm text-slate-600">
          {holds.map((item) => (
            <li key={item}>{item}</li>
          ))}
        </ul>
      </Card>
    </div>
  );
}

export function formatTime(date: Date): string {
  return date.toLocaleTimeString(undefined, { hour12: false });
}
