/**
 * One signed-in viewer session of bench:load: it looks at one page at a time for `dwellMs`, fetching the page's
 * queries when it opens and again at each query's refetch interval (skipped while the previous fetch is still in
 * flight, as React Query does), with the layout's badges polled throughout; then the next page.
 * Queries that fire in the same tick go in one batched GET, as the browser's httpBatchLink sends them (`batch`
 * false: one GET per query); each query's time is its request's, which is what the page waits for.
 */
import superjson from "superjson";
import { LAYOUT_POLLS, type Page, type Poll } from "./pages";

export interface Sample {
  procedure: string;
  ms: number;
  ok: boolean;
  error?: string;
}

export const trpcGetUrl = (base: string, procedure: string, input: unknown) =>
  input === undefined ? `${base}/api/trpc/${procedure}` : `${base}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;

/** One batched GET of several queries, as httpBatchLink builds it. */
export const trpcBatchUrl = (base: string, polls: Poll[]) => {
  const input = Object.fromEntries(polls.map((p, i) => [String(i), superjson.serialize(p.input)]));
  return `${base}/api/trpc/${polls.map((p) => p.procedure).join(",")}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`;
};

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
    private readonly batch = true,
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
    // On open every query fires at once; then those sharing an interval fire together.
    void this.fetchGroup(polls, `${scope}:open`);
    const intervals = [...new Set(polls.map((p) => p.everyMs).filter((ms) => ms > 0))];
    for (const everyMs of intervals) {
      const group = polls.filter((p) => p.everyMs === everyMs);
      const timer = setInterval(() => void this.fetchGroup(group, `${scope}:${everyMs}`), everyMs);
      this.timers.add(timer);
      timers.push(timer);
    }
    return timers;
  }

  private fetchGroup(polls: Poll[], key: string): Promise<unknown> {
    if (this.batch) return this.fetchBatch(polls, key);
    return Promise.all(polls.map((p) => this.fetchBatch([p], `${key}:${p.procedure}`)));
  }

  private async fetchBatch(polls: Poll[], key: string): Promise<void> {
    if (this.stopped || this.inFlight.has(key)) return;
    this.inFlight.add(key);
    const start = performance.now();
    try {
      const url = polls.length === 1 && !this.batch ? trpcGetUrl(this.base, polls[0]!.procedure, polls[0]!.input) : trpcBatchUrl(this.base, polls);
      const response = await fetch(url, { headers: { cookie: this.cookie } });
      const body = await response.text();
      const ms = performance.now() - start;
      // A batch answers 200 (all ok) or 207 with an error item per failed query.
      const items = response.status === 207 ? (JSON.parse(body) as { error?: unknown }[]) : null;
      polls.forEach((p, i) => {
        const failed = items ? items[i]?.error !== undefined : !response.ok;
        this.record(failed ? { procedure: p.procedure, ms, ok: false, error: `${response.status} ${body.slice(0, 200)}` } : { procedure: p.procedure, ms, ok: true });
      });
    } catch (error) {
      const ms = performance.now() - start;
      for (const p of polls) this.record({ procedure: p.procedure, ms, ok: false, error: error instanceof Error ? error.message : String(error) });
    } finally {
      this.inFlight.delete(key);
    }
  }
}
