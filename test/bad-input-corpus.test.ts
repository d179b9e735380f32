/**
 * The bad-input corpus (issue 16): every kind of bad input in test/fixtures/bad-input/, run
 * through the real pipeline path, must end in a clear message or a dead letter with the
 * expected reason, the pipeline alive and nothing good lost (the good events published
 * alongside all land in PROD, once).
 *
 * - bus.json: records published among good events on the in-process bus, and on the real
 *   Kafka broker when one answers; ingested by runIngest into DuckDB, then the task.
 * - csv/*.csv (csv.json): orders.csv files replayed by the real producer (its worker thread),
 *   then ingested like the bus kinds.
 * - config.json: the loader, the Kafka bus and the dashboard met with bad settings.
 *
 * The outcome of each kind is read back from the warehouse (or the error), never written
 * here, and with RELIABILITY_REPORT=1 the table goes to docs/RELIABILITY.md.
 */
import { createServer, type Server } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '../src/bus/kafka/kafka-bus.ts';
import { MemoryBus } from '../src/bus/memory/memory-bus.ts';
import type { Bus, OutgoingMessage } from '../src/bus/types.ts';
import { loadConfig } from '../src/config/config.ts';
import { startDashboard } from '../src/dashboard/server.ts';
import type { Customer, Product } from '../src/domain/entities.ts';
import { orderCreatedEvent } from '../src/domain/event.ts';
import { errorMessage } from '../src/errors.ts';
import { runIngest } from '../src/pipeline/ingest.ts';
import { orderMessage, replayOrders } from '../src/pipeline/produce.ts';
import { PipelineStats } from '../src/pipeline/stats.ts';
import { runTaskOnce } from '../src/pipeline/task.ts';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.ts';
import { kafkaBroker, uniqueName } from './helpers/kafka-broker.ts';
import { writeReliabilitySection } from './helpers/reliability-report.ts';

const FIXTURES = new URL('./fixtures/bad-input/', import.meta.url);
const broker = await kafkaBroker();

interface BusKind {
  kind: string;
  id: string;
  value?: string;
  base64?: string;
  event?: Record<string, unknown>;
  drop?: string[];
  padBytes?: number;
  key?: string;
  then?: Record<string, unknown>;
  expect: {
    reason?: string;
    stage?: string;
    prod?: Record<string, unknown>;
    quality?: string;
    rawKeeps?: string;
  };
}
interface CsvKind {
  kind: string;
  file: string;
  stops?: string;
  good?: number;
  deadLetters?: [number, string][];
}
interface ConfigKind {
  kind: string;
  env?: Record<string, string>;
  dotenv?: string;
  ping?: string;
  portInUse?: boolean;
  expect: string;
}

const fixture = async <T>(name: string): Promise<T[]> =>
  (JSON.parse(await readFile(new URL(name, FIXTURES), 'utf8')) as { kinds: T[] }).kinds;
const busKinds = await fixture<BusKind>('bus.json');
const csvKinds = await fixture<CsvKind>('csv.json');
const configKinds = await fixture<ConfigKind>('config.json');

const CUSTOMERS: Customer[] = [1, 2, 3].map((n) => ({
  id: `CUS-00000${n}`,
  name: `Client ${n}`,
  email: `c${n}@example.fr`,
  city: 'Lyon',
  country: 'France',
}));
const PRODUCTS: Product[] = [1, 2, 3].map((n) => ({
  id: `PRD-0000${n}`,
  product_name: `T-shirt ${n}`,
  category: 'T-shirts',
  price_cents: 999 + n * 1000, // 19.99, 29.99, 39.99
  stock_quantity: 10,
}));
const GOOD = 60;
const PUBLISHED_AT = '2026-01-01T00:00:00.000Z';

const goodMessages = (): OutgoingMessage[] =>
  Array.from({ length: GOOD }, (_, i) => {
    const product = PRODUCTS[i % 3]!;
    return orderMessage(
      {
        id: `ORD-${String(i + 1).padStart(8, '0')}`,
        product_id: product.id,
        customer_id: CUSTOMERS[i % 3]!.id,
        quantity: 1 + (i % 4),
        unit_price_cents: product.price_cents,
        sold_at: '2025-03-14T09:26:53.000Z',
      },
      PUBLISHED_AT,
    );
  });

/** A valid event of order `id` (PRD-00001 at its catalogue price), as a plain object. */
function validEvent(id: string): Record<string, unknown> {
  return structuredClone(
    orderCreatedEvent(
      {
        id,
        product_id: 'PRD-00001',
        customer_id: 'CUS-000001',
        quantity: 2,
        unit_price_cents: 1999,
        sold_at: '2025-03-14T09:26:53.000Z',
      },
      new Date(PUBLISHED_AT),
    ),
  ) as unknown as Record<string, unknown>;
}

function merge(target: Record<string, unknown>, patch: Record<string, unknown>) {
  for (const [k, v] of Object.entries(patch)) {
    const t = target[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && t && typeof t === 'object')
      merge(t as Record<string, unknown>, v as Record<string, unknown>);
    else target[k] = v;
  }
  return target;
}

/** The records of a bus kind, as the fixture describes them. */
function busRecords(k: BusKind): OutgoingMessage[] {
  const key = k.key ?? k.id;
  if (k.value !== undefined) return [{ key, value: k.value }];
  if (k.base64 !== undefined) return [{ key, value: Buffer.from(k.base64, 'base64') }];
  const event = merge(validEvent(k.id), structuredClone(k.event ?? {}));
  for (const path of k.drop ?? []) {
    const parts = path.split('.');
    let at = event;
    for (const p of parts.slice(0, -1)) at = at[p] as Record<string, unknown>;
    delete at[parts[parts.length - 1]!];
  }
  if (k.padBytes) event.padding = 'x'.repeat(k.padBytes);
  const records = [{ key, value: JSON.stringify(event) }];
  if (k.then) records.push({ key, value: JSON.stringify(merge(event, structuredClone(k.then))) });
  return records;
}

/** A Kafka bus on `bootstrap`; topics and groups are named by each test. */
const kafkaBus = (bootstrap: string) =>
  new KafkaBus({
    kind: 'kafka',
    brokers: [bootstrap],
    groupId: 'unused',
    dlqTopic: 'unused.dlq',
    partitions: 3,
    clientId: 'dropship-corpus',
  });

interface QuarantineRow {
  stage: string;
  reason: string;
  detail: string | null;
  order_id: string | null;
  raw_value: string | null;
  topic: string;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dropship-corpus-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function openWarehouse(name: string): Promise<DuckDbWarehouse> {
  const warehouse = await DuckDbWarehouse.open(join(dir, `${name}.duckdb`));
  await warehouse.setup();
  async function* each<T>(rows: T[]) {
    yield* rows;
  }
  await warehouse.loadReferenceData(each(CUSTOMERS), each(PRODUCTS));
  return warehouse;
}

/** Ingests everything on `topic` (`records` of them) into `warehouse`, then runs the task. */
async function ingestTopic(
  bus: Bus,
  warehouse: DuckDbWarehouse,
  topic: string,
  records: number,
  /** Kafka: the DLQ topic the ingest also publishes its dead letters to. */
  dlqTopic?: string,
): Promise<void> {
  const group = uniqueName('corpus-group');
  const consumer = await bus.consumer(topic, group);
  const deadLetterProducer = dlqTopic ? await bus.producer(dlqTopic) : undefined;
  const stats = new PipelineStats();
  const stop = new AbortController();
  const deadline = setTimeout(() => stop.abort(), 60_000);
  try {
    await runIngest({
      consumer,
      warehouse,
      consumerGroup: group,
      batchSize: 1000,
      batchWaitMs: 20,
      signal: stop.signal,
      stats,
      deadLetterProducer,
      onBatch: () => {
        if (stats.consumed >= records) stop.abort();
      },
    });
  } finally {
    clearTimeout(deadline);
    await consumer.close();
    await deadLetterProducer?.close();
  }
  // The pipeline is alive: it read every record, bad ones included, without stopping.
  expect(stats.consumed).toBe(records);
  const run = await runTaskOnce(warehouse);
  expect(run.state).toBe('SUCCEEDED');
}

/** Observed outcome of each corpus row, for the report. */
const table: { where: string; kind: string; outcome: string }[] = [];

const lineOf = (q: QuarantineRow) => Number(/ line (\d+):/.exec(q.detail ?? '')?.[1]);
const cut = (text: string | null | undefined, n = 90) =>
  !text ? '' : text.length > n ? `${text.slice(0, n)}…` : text;
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

async function busCorpus(where: 'in-process bus' | 'Kafka', bus: Bus): Promise<void> {
  const warehouse = await openWarehouse(where === 'Kafka' ? 'bus-kafka' : 'bus-memory');
  try {
    const topic = uniqueName('corpus');
    await bus.ensureTopic(topic, 3);
    const good = goodMessages();
    const bad = busKinds.flatMap(busRecords);
    // Good events before, between and after the bad ones.
    const messages = [...good.slice(0, 30), ...bad, ...good.slice(30)];
    const producer = await bus.producer(topic);
    await producer.send(messages);
    await producer.close();
    await ingestTopic(bus, warehouse, topic, messages.length);

    const quarantine = await warehouse.query<QuarantineRow>(
      'SELECT stage, reason, detail, order_id, raw_value, topic FROM orders_quarantine',
    );
    const prod = await warehouse.query<{ id: string; quantity: number; unit_price: string }>(
      'SELECT id, quantity, CAST(unit_price AS VARCHAR) AS unit_price FROM orders',
    );
    const raw = await warehouse.query<{ order_id: string; payload: string; bytes: number }>(
      'SELECT order_id, CAST(payload AS VARCHAR) AS payload, strlen(CAST(payload AS VARCHAR)) AS bytes FROM orders_events',
    );
    const quality = await warehouse.reads.qualityCounts();

    // Nothing good lost, nothing doubled.
    const prodIds = prod.map((r) => r.id);
    for (const m of good)
      expect(
        prodIds.filter((id) => id === m.key),
        m.key,
      ).toHaveLength(1);
    expect(new Set(prodIds).size).toBe(prodIds.length);
    // Nothing larger than MAX_EVENT_BYTES was written to RAW as is.
    expect(Math.max(...raw.map((r) => Number(r.bytes)))).toBeLessThan(65_536);

    for (const k of busKinds) {
      const letters = quarantine.filter(
        (q) =>
          q.order_id === k.id ||
          (q.raw_value ?? '').includes(`"${k.id}"`) ||
          (k.value === '' && !q.raw_value),
      );
      const inProd = prod.filter((r) => r.id === k.id);
      let outcome: string;
      if (letters.length > 0) {
        const q = letters[0]!;
        outcome = `dead letter \`${q.reason}\` (${q.stage}): ${cut(q.detail)}`;
        expect(letters, k.kind).toHaveLength(1);
        expect(q.reason, k.kind).toBe(k.expect.reason);
        expect(q.stage, k.kind).toBe(k.expect.stage ?? 'ingest');
        expect(q.detail, k.kind).toBeTruthy();
        expect(inProd, k.kind).toHaveLength(0);
      } else if (inProd.length > 0) {
        const r = inProd[0]!;
        outcome = `accepted: PROD once (quantity ${r.quantity}, price ${r.unit_price})`;
        expect(k.expect.prod, `${k.kind}: accepted, but a dead letter was expected`).toBeDefined();
        expect(inProd, k.kind).toHaveLength(1);
        expect({ ...r, quantity: Number(r.quantity) }).toMatchObject(k.expect.prod!);
        const rows = raw.filter((x) => x.order_id === k.id);
        if (k.then) outcome += `; RAW holds both versions (${rows.length}), the later one won`;
        if (k.expect.rawKeeps) {
          expect(rows[0]?.payload).toContain(k.expect.rawKeeps);
          outcome += '; the extra fields stay in the RAW payload, PROD takes the checked ones';
        }
        if (k.expect.quality) {
          const n = Number((quality as Record<string, unknown>)[k.expect.quality]);
          expect(n, k.kind).toBe(1);
          outcome += `; \`validate\` data_quality FAILs: ${n} order priced differently from the catalogue`;
        }
      } else {
        outcome = 'LOST (neither dead letter nor PROD)';
        expect.fail(`${k.kind}: ${outcome}`);
      }
      if (where === 'in-process bus') table.push({ where: 'bus', kind: k.kind, outcome });
      else {
        const row = table.find((t) => t.where === 'bus' && t.kind === k.kind);
        if (row) row.outcome += ` · Kafka: ${outcome === row.outcome ? 'same' : outcome}`;
      }
    }
    expect(quarantine).toHaveLength(busKinds.filter((k) => k.expect.reason).length);
  } finally {
    await warehouse.close();
  }
}

describe('bad-input corpus', () => {
  it(`has at least 30 kinds (bus ${busKinds.length}, CSV ${csvKinds.length}, config ${configKinds.length})`, () => {
    expect(busKinds.length + csvKinds.length + configKinds.length).toBeGreaterThanOrEqual(30);
  });

  it('bus kinds on the in-process bus: each a dead letter with its reason or accepted as stated; every good event in PROD once', async () => {
    const bus = new MemoryBus({ partitions: 3 });
    try {
      await busCorpus('in-process bus', bus);
    } finally {
      await bus.close();
    }
  }, 120_000);

  it.skipIf(!broker.available)(
    `bus kinds on the real Kafka broker (${broker.bootstrap}), the same outcomes`,
    async () => {
      const bus = kafkaBus(broker.bootstrap);
      try {
        await busCorpus('Kafka', bus);
      } finally {
        await bus.close();
      }
    },
    180_000,
  );

  it('CSV kinds through the real replay: clear stops naming the line, or dead letters with their line; good rows in PROD once', async () => {
    const warehouse = await openWarehouse('csv');
    try {
      for (const k of csvKinds) {
        const bus = new MemoryBus({ partitions: 3 });
        const topic = uniqueName('csv');
        await bus.ensureTopic(topic, 3);
        const producer = await bus.producer(topic);
        const warnings: string[] = [];
        let outcome: string;
        try {
          const path = new URL(`csv/${k.file}`, FIXTURES).pathname;
          let stopped: string | null = null;
          let published = 0;
          try {
            const result = await replayOrders(
              { dir, path },
              { producer, rate: 0, onBadRow: (b) => warnings.push(`line ${b.line}: ${b.problem}`) },
            );
            published = result.published;
          } catch (error) {
            stopped = errorMessage(error);
          }
          if (k.stops) {
            expect(stopped, k.kind).toContain(k.stops);
            outcome = `stops with: "${cut(stopped!.replace(/^.*\/csv\//, ''), 110)}"`;
            table.push({ where: 'CSV', kind: k.kind, outcome });
            continue;
          }
          expect(stopped, k.kind).toBeNull();
          await ingestTopic(bus, warehouse, topic, published);
          const letters = await warehouse.query<QuarantineRow>(
            'SELECT stage, reason, detail, order_id, raw_value, topic FROM orders_quarantine WHERE topic = $topic ORDER BY "offset"',
            { topic },
          );
          const rawRows = await warehouse.query<{ order_id: string }>(
            'SELECT order_id FROM orders_events WHERE topic = $topic',
            { topic },
          );
          letters.sort((a, b) => lineOf(a) - lineOf(b));
          const observed = letters.map((q) => [lineOf(q), q.reason] as [number, string]);
          // Each bad row a dead letter with its line, in order (partitions may interleave them).
          expect(
            observed.sort((a, b) => a[0] - b[0]),
            k.kind,
          ).toEqual(k.deadLetters);
          expect(warnings, k.kind).toHaveLength(k.deadLetters!.length);
          expect(rawRows, k.kind).toHaveLength(k.good!);
          const prod = await warehouse.query<{ n: number }>(
            'SELECT count(*) AS n FROM orders WHERE id IN (SELECT order_id FROM orders_events WHERE topic = $topic)',
            { topic },
          );
          expect(Number(prod[0]!.n), k.kind).toBe(k.good);
          outcome =
            `${k.good} good rows in PROD once` +
            (letters.length === 0
              ? ', no warning'
              : `; dead letters: ${letters.map((q) => `\`${q.reason}\` "${cut(q.detail?.replace(/^.*\/csv\//, ''), 70)}"`).join('; ')}`);
        } finally {
          await bus.close();
        }
        table.push({ where: 'CSV', kind: k.kind, outcome });
      }
      const [dupes] = await warehouse.query<{ n: number }>(
        'SELECT count(*) - count(DISTINCT id) AS n FROM orders',
      );
      expect(Number(dupes!.n)).toBe(0);
    } finally {
      await warehouse.close();
    }
  }, 180_000);

  it.skipIf(!broker.available)(
    'bad CSV rows replayed onto Kafka land where its bus dead letters go: orders_quarantine and the DLQ topic, with their lines',
    async () => {
      const k = csvKinds.find((c) => c.file === 'wrong-types.csv')!;
      const warehouse = await openWarehouse('csv-kafka');
      const bus = kafkaBus(broker.bootstrap);
      try {
        const topic = uniqueName('csv-kafka');
        const dlqTopic = `${topic}.dlq`;
        await bus.ensureTopic(topic, 3);
        await bus.ensureTopic(dlqTopic, 1);
        const producer = await bus.producer(topic);
        const path = new URL(`csv/${k.file}`, FIXTURES).pathname;
        const result = await replayOrders({ dir, path }, { producer, rate: 0 });
        await producer.close();
        await ingestTopic(bus, warehouse, topic, result.published, dlqTopic);
        const letters = await warehouse.query<QuarantineRow>(
          'SELECT stage, reason, detail, order_id, raw_value, topic FROM orders_quarantine WHERE topic = $topic',
          { topic },
        );
        const lines = (rows: { line: number; reason: string }[]) =>
          rows.map((r) => [r.line, r.reason]).sort((a, b) => Number(a[0]) - Number(b[0]));
        expect(lines(letters.map((q) => ({ line: lineOf(q), reason: q.reason })))).toEqual(
          k.deadLetters,
        );
        // The DLQ topic holds the same records, the reason and the line in its headers.
        const reader = await bus.consumer(dlqTopic, uniqueName('dlq-reader'));
        const seen: { line: number; reason: string }[] = [];
        const stop = new AbortController();
        const deadline = setTimeout(() => stop.abort(), 30_000);
        try {
          for await (const batch of reader.batches({
            maxRecords: 100,
            maxWaitMs: 100,
            signal: stop.signal,
          })) {
            for (const r of batch.records)
              seen.push({
                line: Number(/ line (\d+):/.exec(r.headers['dlq.detail'] ?? '')?.[1]),
                reason: r.headers['dlq.reason'] ?? '',
              });
            await batch.commit();
            if (seen.length >= k.deadLetters!.length) stop.abort();
          }
        } finally {
          clearTimeout(deadline);
          await reader.close();
        }
        expect(lines(seen)).toEqual(k.deadLetters);
        table.push({
          where: 'CSV on Kafka',
          kind: k.kind,
          outcome: `the ${seen.length} bad rows in orders_quarantine and in ${'`<topic>.dlq`'} (dlq.reason, dlq.detail with the line); ${k.good} good rows in RAW`,
        });
      } finally {
        await bus.close();
        await warehouse.close();
      }
    },
    180_000,
  );

  it('config kinds: each refused with a message naming the setting and the fix', async () => {
    for (const k of configKinds) {
      let message = '';
      if (k.ping) {
        const bus = kafkaBus(k.ping);
        try {
          await bus.ping();
        } catch (error) {
          message = errorMessage(error);
        } finally {
          await bus.close();
        }
      } else if (k.portInUse) {
        const taken: Server = createServer();
        await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
        const port = (taken.address() as { port: number }).port;
        const cwd = await mkdtemp(join(dir, 'cfg-'));
        const { config } = loadConfig({ env: { DASHBOARD_PORT: String(port) }, cwd });
        const warehouse = await DuckDbWarehouse.open(join(cwd, 'w.duckdb'));
        try {
          const running = await startDashboard({ config, warehouse });
          await running.close();
        } catch (error) {
          message = errorMessage(error);
        } finally {
          await warehouse.close();
          await new Promise((resolve) => taken.close(resolve));
        }
      } else {
        const cwd = await mkdtemp(join(dir, 'cfg-'));
        if (k.dotenv !== undefined) await writeFile(join(cwd, '.env'), k.dotenv);
        try {
          const { warnings } = loadConfig({ env: k.env ?? {}, cwd });
          message = warnings.join('; ');
        } catch (error) {
          message = errorMessage(error);
        }
      }
      expect(message, k.kind).toMatch(new RegExp(k.expect));
      table.push({ where: 'config', kind: k.kind, outcome: `"${cut(message, 150)}"` });
    }
  }, 60_000);

  afterAll(() => {
    if (table.length === 0) return;
    const kafka = broker.available
      ? `and on Kafka (${broker.bootstrap})`
      : `(Kafka skipped: ${broker.reason})`;
    const md = [
      '## Bad-input corpus',
      '',
      `Written by \`test/bad-input-corpus.test.ts\` from the fixtures in \`test/fixtures/bad-input/\`:`,
      `${busKinds.length + csvKinds.length + configKinds.length} kinds, each outcome as observed in the last run. Bus kinds were published among`,
      `${GOOD} good events on the in-process bus ${kafka}, ingested (\`runIngest\`, DuckDB) and merged`,
      '(the task); every good event reached PROD exactly once, and no record over `MAX_EVENT_BYTES`',
      'reached RAW. CSV kinds went through the real replay (worker thread) and the same ingest.',
      '',
      '| where | kind | outcome (observed) |',
      '| --- | --- | --- |',
      ...table.map((t) => `| ${t.where} | ${cell(t.kind)} | ${cell(t.outcome)} |`),
    ].join('\n');
    writeReliabilitySection('corpus', md);
  });
});
