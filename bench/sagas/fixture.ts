/** The saga benchmark's data: 1,000,000 sagas, 5,000,000 steps, 1,000,000 outbox rows, 1 % stuck, made with generate_series. */
import pg from "pg";

export const SHAPE = { sagas: 1_000_000, stepsPerSaga: 5, stuckShare: 0.01 };

/** The indexes docs/sagas.md documents for the demo layout (the demo's migrations create the first three). */
export const DOCUMENTED_INDEXES = [
  "create index if not exists saga_instances_status_idx on saga_instances (status, updated_at)",
  "create index if not exists saga_steps_saga_idx on saga_steps (saga_id, id)",
  "create index if not exists outbox_events_unpublished_idx on outbox_events (seq) where published_at is null",
  "create index if not exists saga_instances_correlation_idx on saga_instances (correlation_id)",
  "create index if not exists saga_commands_saga_idx on saga_commands (saga_id, requested_at)",
  "create index if not exists outbox_events_aggregate_idx on outbox_events (aggregate_id, seq)",
  "create index if not exists outbox_events_published_idx on outbox_events (published_at)",
];

export const DROP_INDEXES = [
  "drop index if exists saga_instances_status_idx",
  "drop index if exists saga_steps_saga_idx",
  "drop index if exists outbox_events_unpublished_idx",
  "drop index if exists saga_instances_correlation_idx",
  "drop index if exists saga_commands_saga_idx",
  "drop index if exists outbox_events_aggregate_idx",
  "drop index if exists outbox_events_published_idx",
];

/** Saga i's id: a deterministic UUID, so steps and outbox rows can refer to it without a join. */
const sagaId = (i: string) => `lpad(to_hex(${i}), 32, '0')::uuid`;

/** Loads `sagas` sagas (default SHAPE.sagas) with their steps and outbox rows; bench:load uses a smaller count. */
export async function buildFixture(url: string, log: (m: string) => void, sagas = SHAPE.sagas): Promise<{ stuck: number; ms: Record<string, number> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const ms: Record<string, number> = {};
  const step = async (name: string, sql: string) => {
    const start = performance.now();
    await client.query(sql);
    ms[name] = performance.now() - start;
    log(`${name}: ${(ms[name] / 1000).toFixed(1)} s`);
  };
  try {
    await client.query("set session_replication_role = replica"); // no FK triggers during the bulk load
    await client.query("set maintenance_work_mem = '256MB'");
    for (const drop of DROP_INDEXES) await client.query(drop);
    // Status by i % 10000: 0..49 running-stuck, 50..79 compensating-stuck, 80..99 compensation_failed (1 % in all),
    // 100..149 running and recent (healthy in-flight), 150..949 failed (8 %), the rest completed.
    await step(
      `sagas (${sagas.toLocaleString()})`,
      `insert into saga_instances (id, saga_type, status, current_step, context, attempts, last_error, correlation_id, started_at, updated_at, version)
       select ${sagaId("i")},
              case when i % 3 = 0 then 'OrderFulfilment' when i % 3 = 1 then 'Refund' else 'Subscription' end,
              case when m < 50 then 'running' when m < 80 then 'compensating' when m < 100 then 'compensation_failed'
                   when m < 150 then 'running' when m < 950 then 'failed' else 'completed' end,
              case when m < 150 then 'inventory.reserve' when m < 950 then 'shipping.schedule' else null end,
              jsonb_build_object('order', jsonb_build_object('orderId', 'order-' || i, 'customerId', 'cust-' || (i % 5000), 'amountCents', i % 100000)),
              i % 3,
              case when m between 80 and 99 then 'payment.refund: refund ' || i || ' rejected by payment provider'
                   when m between 150 and 949 then 'shipping.schedule: no carrier capacity' end,
              'order-' || i,
              now() - make_interval(secs => 60 + (i % 2592000)),
              case when m between 100 and 149 then now() - make_interval(secs => i % 60)
                   else now() - make_interval(secs => 900 + (i % 2592000)) end,
              5
         from generate_series(1, ${sagas}) as i, lateral (select i % 10000 as m) mm`,
    );
    await step(
      `steps (${(sagas * SHAPE.stepsPerSaga).toLocaleString()})`,
      `insert into saga_steps (saga_id, step, action, status, attempt, error, started_at, finished_at)
       select ${sagaId("i")},
              (array['payment.authorize','inventory.reserve','shipping.schedule','inventory.release','payment.refund'])[s],
              case when s <= 3 then 'execute' else 'compensate' end,
              case when s = 5 and (i % 10000) between 80 and 99 then 'failed' when s = 5 and (i % 10000) < 150 then 'running' else 'completed' end,
              1,
              case when s = 5 and (i % 10000) between 80 and 99 then 'refund rejected by payment provider' end,
              now() - make_interval(secs => 900 + (i % 2592000) + (5 - s) * 2),
              now() - make_interval(secs => 900 + (i % 2592000) + (5 - s) * 2 - 1)
         from generate_series(1, ${sagas}) as i, generate_series(1, ${SHAPE.stepsPerSaga}) as s`,
    );
    await step(
      `outbox rows (${sagas.toLocaleString()})`,
      `insert into outbox_events (id, aggregate_type, aggregate_id, event_type, payload, created_at, published_at, attempts)
       select gen_random_uuid(), 'inventory', 'order-' || i, 'ReserveInventory', jsonb_build_object('sagaId', ${sagaId("i")}, 'schemaVersion', 1),
              now() - make_interval(secs => 900 + (i % 2592000)),
              case when (i % 10000) < 50 then null else now() - make_interval(secs => 899 + (i % 2592000)) end, 1
         from generate_series(1, ${sagas}) as i`,
    );
    await step(
      "commands (10,000)",
      `insert into saga_commands (saga_id, command, requested_by, reason, requested_at, handled_at, outcome)
       select ${sagaId("(i * 100)")}, 'retry', 'bench', 'bench', now() - interval '1 day', now() - interval '1 day', 'applied: bench'
         from generate_series(1, 10000) as i`,
    );
    await client.query("set session_replication_role = origin");
    await step("analyze", "analyze");
    const { rows } = await client.query<{ n: string }>(
      "select count(*) as n from saga_instances where (status in ('running','compensating') and updated_at < now() - interval '300 seconds') or status = 'compensation_failed'",
    );
    return { stuck: Number(rows[0]?.n ?? 0), ms };
  } finally {
    await client.end();
  }
}

export async function runStatements(url: string, statements: string[], log: (m: string) => void): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const start = performance.now();
  try {
    await client.query("set maintenance_work_mem = '256MB'");
    for (const s of statements) await client.query(s);
    await client.query("analyze");
  } finally {
    await client.end();
  }
  const ms = performance.now() - start;
  log(`${statements.length} statements + analyze: ${(ms / 1000).toFixed(1)} s`);
  return ms;
}

/** Ids of some stuck sagas (for the detail page), spread over the table. */
export async function stuckIds(url: string, n: number): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      `select id::text from saga_instances where status in ('running','compensating','compensation_failed') and updated_at < now() - interval '300 seconds'
        order by md5(id::text) limit ${n}`,
    );
    return rows.map((r) => r.id);
  } finally {
    await client.end();
  }
}
