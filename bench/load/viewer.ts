/**
 * One signed-in viewer session of bench:load: it looks at one page at a time for `dwellMs`, fetching the page's
 * queries when it opens and again at each query's refetch interval (skipped while the previous fetch of that
 * query is still in flight, as React Query does), with the layout's badges polled throughout; then the next page.
 * Each query is its own GET (the browser batches queries that fire together; single requests time each
 * procedure alone and cost the server at least as much).
 */
import { LAYOUT_POLLS, type Page, type Poll } from "./pages";

export interface Sample {
  procedure: string;
  ms: number;
  ok: boolean;
  error?: string;
}

export const trpcGetUrl = (base: string, procedure: string, input: unknown) =>
  input === undefined ? `${base}/api/trpc/${procedure}` : `${base}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;

/** Signs in through auth.signIn and returns the session cookie. */
export async function signIn(base: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${base}/api/trpc/auth.signIn`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ json: { username, password } }),
  });
  await response.arrayBuffer();
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  if (!response.ok || !cookie) throw new Error(`sign-in failed: ${response.status}`);
  return cookie;
}

export class Viewer {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly base: string,
    private readonly cookie: string,
    private readonly record: (sample: Sample) => void,
  ) {}

  /** Runs until `untilMs` (Date.now() scale), visiting pages from `first` on, `dwellMs` each. */
  async run(pages: Page[], first: number, dwellMs: number, untilMs: number): Promise<void> {
    const layout = this.poll(LAYOUT_POLLS, "layout");
    for (let i = first; Date.now() < untilMs && !this.stopped; i++) {
      const page = pages[i % pages.length]!;
      const pageTimers = this.poll(page.polls, page.name);
      await new Promise((resolve) => setTimeout(resolve, Math.min(dwellMs, Math.max(0, untilMs - Date.now()))));
      for (const timer of pageTimers) this.clear(timer);
    }
    for (const timer of layout) this.clear(timer);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
  }

  private clear(timer: NodeJS.Timeout): void {
    clearInterval(timer);
    this.timers.delete(timer);
  }

  private poll(polls: Poll[], scope: string): NodeJS.Timeout[] {
    const timers: NodeJS.Timeout[] = [];
    for (const p of polls) {
      void this.fetchOnce(p, scope);
      if (p.everyMs > 0) {
        const timer = setInterval(() => void this.fetchOnce(p, scope), p.everyMs);
        this.timers.add(timer);
        timers.push(timer);
      }
    }
    return timers;
  }

  private async fetchOnce(p: Poll, scope: string): Promise<void> {
    const key = `${scope}:${p.procedure}`;
    if (this.stopped || this.inFlight.has(key)) return;
    this.inFlight.add(key);
    const start = performance.now();
    try {
      const response = await fetch(trpcGetUrl(this.base, p.procedure, p.input), { headers: { cookie: this.cookie } });
      const body = await response.text();
      const ms = performance.now() - start;
      this.record(response.ok ? { procedure: p.procedure, ms, ok: true } : { procedure: p.procedure, ms, ok: false, error: `${response.status} ${body.slice(0, 200)}` });
    } catch (error) {
      this.record({ procedure: p.procedure, ms: performance.now() - start, ok: false, error: error instanceof Error ? error.message : String(error) });
    } finally {
      this.inFlight.delete(key);
    }
  }
}
