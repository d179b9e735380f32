/**
 * GET /metrics in the Prometheus text format. Each server has its own Registry (never the
 * global one), so two dashboards in one process (tests) do not share or clash on metrics.
 *
 * Warehouse state (RAW rows, PROD orders, backlog, dead letters…) comes from the same cached
 * snapshot as the JSON API. Process counters (events consumed, batches…) exist only where the
 * pipeline runs in this process (`dropship run`). A scrape never fails because the warehouse
 * does: `dropship_warehouse_up` goes to 0 and the warehouse gauges keep their last value.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { PipelineStats } from '../pipeline/stats.ts';
import type { Snapshot } from './snapshot.ts';

export interface DashboardMetrics {
  registry: Registry;
  /** Updates the gauges from a snapshot (or marks the warehouse down) and renders the text. */
  render(snapshot: Snapshot | null): Promise<string>;
}

/** Advances a counter to a cumulative value kept elsewhere (PipelineStats); `seen` remembers the last value per series. */
function mirror(
  counter: Counter<string>,
  series: string,
  value: number,
  seen: Map<string, number>,
  labels: Record<string, string> = {},
): void {
  const delta = value - (seen.get(series) ?? 0);
  if (delta > 0) counter.inc(labels, delta);
  seen.set(series, value);
}

export function createMetrics(stats?: PipelineStats): DashboardMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dropship_process_' });
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });

  const up = gauge(
    'dropship_warehouse_up',
    '1 when the last dashboard query of the warehouse succeeded, else 0',
  );
  const rawRows = gauge('dropship_raw_rows', 'Rows in RAW (orders_events)');
  const prodOrders = gauge('dropship_prod_orders', 'Orders in PROD (orders)');
  const backlog = gauge('dropship_stream_backlog', 'RAW rows not yet merged into PROD by the task');
  const deadLetters = gauge('dropship_dead_letters', 'Dead letters in orders_quarantine');
  const deadLettersByReason = gauge(
    'dropship_dead_letters_by_reason',
    'Dead letters by reason and stage (top 5 reasons)',
    ['reason', 'stage'],
  );
  const taskRunsRecorded = gauge(
    'dropship_task_runs_recorded',
    'Task runs recorded in task_history, by state',
    ['state'],
  );
  const freshness = gauge(
    'dropship_data_freshness_seconds',
    'Age of the newest RAW row in seconds (NaN before the first event)',
  );
  const revenue = gauge(
    'dropship_revenue_euros',
    'Revenue of PROD orders (sum of quantity × unit_price)',
  );
  const grossMargin = gauge(
    'dropship_gross_margin_euros',
    'Gross margin of PROD orders with known costs: revenue − supplier cost − shipping (NaN when none has known costs)',
  );
  const netMargin = gauge(
    'dropship_net_margin_euros',
    "Net margin of PROD orders with known costs: gross margin of the orders neither cancelled nor returned, minus the returned ones' shipping (NaN when none has known costs)",
  );
  const engineMemory = gauge(
    'dropship_warehouse_engine_memory_bytes',
    "Bytes the warehouse engine holds in this process (DuckDB's duckdb_memory(), capped by its memory_limit); NaN when it runs elsewhere (Snowflake)",
  );
  // From this process's consumer (`run`, `consume`), or the broker (`monitor` with Kafka).
  const lag = gauge(
    'dropship_consumer_lag',
    'Records on the bus not yet ingested by the consumer group (NaN when unknown)',
  );

  const counters = stats
    ? {
        consumed: new Counter({
          name: 'dropship_events_consumed_total',
          help: 'Events read from the bus by this process',
          registers: [registry],
        }),
        inserted: new Counter({
          name: 'dropship_events_ingested_total',
          help: 'Events written to RAW by this process',
          registers: [registry],
        }),
        quarantined: new Counter({
          name: 'dropship_events_quarantined_total',
          help: 'Events sent to quarantine by the ingest of this process',
          registers: [registry],
        }),
        redelivered: new Counter({
          name: 'dropship_events_redelivered_total',
          help: 'Redelivered events recognised and skipped by this process',
          registers: [registry],
        }),
        batches: new Counter({
          name: 'dropship_ingest_batches_total',
          help: 'Batches written to RAW by this process',
          registers: [registry],
        }),
        taskRuns: new Counter({
          name: 'dropship_task_runs_total',
          help: 'Task runs by this process, by state',
          labelNames: ['state'],
          registers: [registry],
        }),
        rate: gauge('dropship_ingest_rate', 'Events per second ingested over the last ~10 s'),
      }
    : undefined;
  const seen = new Map<string, number>();

  return {
    registry,
    async render(snapshot) {
      up.set(snapshot ? 1 : 0);
      if (snapshot) {
        const h = snapshot.health;
        rawRows.set(h.raw_rows);
        prodOrders.set(h.prod_orders);
        backlog.set(h.backlog);
        deadLetters.set(h.dead_letters.total);
        deadLettersByReason.reset();
        for (const r of h.dead_letters.top_reasons)
          deadLettersByReason.set({ reason: r.reason, stage: r.stage }, r.count);
        taskRunsRecorded.reset();
        for (const state of ['SUCCEEDED', 'FAILED', 'SKIPPED'])
          taskRunsRecorded.set({ state }, h.task_runs[state] ?? 0);
        for (const [state, n] of Object.entries(h.task_runs)) taskRunsRecorded.set({ state }, n);
        freshness.set(h.freshness.age_seconds ?? Number.NaN);
        revenue.set(snapshot.kpis.total_revenue);
        grossMargin.set(snapshot.kpis.gross_margin ?? Number.NaN);
        netMargin.set(snapshot.kpis.net_margin ?? Number.NaN);
        lag.set(h.consumer_lag ?? Number.NaN);
        engineMemory.set(h.engine_memory_bytes ?? Number.NaN);
      }
      if (stats && counters) {
        mirror(counters.consumed, 'consumed', stats.consumed, seen);
        mirror(counters.inserted, 'inserted', stats.rawInserted, seen);
        mirror(counters.quarantined, 'quarantined', stats.quarantined, seen);
        mirror(counters.redelivered, 'redelivered', stats.redelivered, seen);
        mirror(counters.batches, 'batches', stats.batches, seen);
        for (const [state, n] of Object.entries(stats.taskRuns))
          mirror(counters.taskRuns, `task:${state}`, n, seen, { state });
        counters.rate.set(Math.round(stats.ingestRate() * 100) / 100);
      }
      return registry.metrics();
    },
  };
}
