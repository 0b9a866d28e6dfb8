/**
 * The pages a bench:load viewer looks at: the tRPC queries each page's components poll, with the page's own
 * refetch intervals (components/**: overview-view, needs-attention, lag-view, group-view, group-charts,
 * dlqs-view, dlq-depth-chart, sagas-view, outbox-view), and the layout's badges every page shows.
 */

export interface Poll {
  procedure: string;
  input: unknown;
  /** Refetch interval in ms; 0 = fetched once when the page opens. */
  everyMs: number;
}

export interface Page {
  name: string;
  polls: Poll[];
}

export interface PageTargets {
  kafka: string;
  groupId: string;
  dlqTopic: string;
  database: string;
}

/** Badges of the console layout (the nav): on every page. */
export const LAYOUT_POLLS: Poll[] = [
  { procedure: "sagas.stuckCount", input: undefined, everyMs: 15_000 },
  { procedure: "alerts.firingCount", input: undefined, everyMs: 10_000 },
];

export function pages(t: PageTargets): Page[] {
  const db = { database: t.database };
  return [
    {
      name: "Overview",
      polls: [
        { procedure: "overview.get", input: undefined, everyMs: 5_000 },
        { procedure: "overview.hotspots", input: undefined, everyMs: 5_000 },
      ],
    },
    {
      name: "Consumer groups",
      polls: [
        { procedure: "connections.list", input: { refresh: false }, everyMs: 15_000 },
        { procedure: "lag.groups", input: { connection: t.kafka, sortBy: "status", sortDir: "desc", page: 0, pageSize: 50 }, everyMs: 5_000 },
      ],
    },
    {
      name: "Group page",
      polls: [
        { procedure: "lag.group", input: { connection: t.kafka, groupId: t.groupId }, everyMs: 5_000 },
        { procedure: "lag.history", input: { connection: t.kafka, groupId: t.groupId, range: "1h" }, everyMs: 5_000 },
      ],
    },
    {
      name: "DLQs",
      polls: [
        { procedure: "depth.list", input: undefined, everyMs: 5_000 },
        { procedure: "depth.history", input: { kind: "kafka", connection: t.kafka, names: [t.dlqTopic], range: "6h" }, everyMs: 15_000 },
      ],
    },
    {
      name: "Sagas (stuck)",
      polls: [
        { procedure: "sagas.databases", input: undefined, everyMs: 0 },
        { procedure: "sagas.summary", input: db, everyMs: 10_000 },
        { procedure: "sagas.stuck", input: { ...db, limit: 100 }, everyMs: 10_000 },
      ],
    },
    {
      name: "Outbox",
      polls: [
        { procedure: "outbox.databases", input: undefined, everyMs: 0 },
        { procedure: "outbox.overview", input: db, everyMs: 5_000 },
        { procedure: "outbox.backlog", input: db, everyMs: 5_000 },
        { procedure: "outbox.failing", input: { ...db, limit: 100 }, everyMs: 5_000 },
        { procedure: "outbox.blocked", input: db, everyMs: 5_000 },
        { procedure: "outbox.history", input: { ...db, range: "1h" }, everyMs: 15_000 },
      ],
    },
  ];
}
