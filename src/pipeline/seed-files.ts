/**
 * Reading the seed CSVs back (replay, reference data). Parsing goes through Papa Parse (quoting,
 * CRLF, BOM handled by a well-kept library); each row is checked and a bad one is reported
 * with its file and line number instead of stopping the run silently.
 */
import { lifecycleProblem, type LifecycleStep } from '../domain/lifecycle.ts';
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { BadEventLine } from '../generator/messy-data.ts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Papa from 'papaparse';
import {
  decimalToCents,
  ID_PATTERN,
  type Customer,
  type Order,
  type Product,
  type ProductSupply,
} from '../domain/entities.ts';
import type { Manifest } from '../domain/manifest.ts';
import { orderProblem, quantityProblem, type RejectReason } from '../domain/order-rules.ts';
import { CsvColumns, SeedFiles } from '../domain/tables.ts';
import { PipelineError } from '../errors.ts';

export interface BadRow {
  file: string;
  line: number;
  problem: string;
  /** The reason its dead letter gets (order-rules.ts), as a bus event with the same fault would. */
  reason: RejectReason;
  /** The row's fields as read, for the dead letter. */
  record: string[];
  /** Set once the row was published as a dead letter (orders); otherwise it was only skipped. */
  deadLettered?: boolean;
}

/** The warning a command prints for a bad row. */
export function badRowWarning(b: BadRow): string {
  const fate = b.deadLettered
    ? 'published as a dead letter: it goes to orders_quarantine'
    : 'row skipped';
  return `${b.file} line ${b.line}: ${b.problem} (${fate})`;
}

export type RowResult<T> = { ok: true; row: T; line: number } | ({ ok: false } & BadRow);

/** Why a row was refused, for toRow: the reason of its dead letter and the words for the user. */
export interface RowProblem {
  reason: RejectReason;
  problem: string;
}

function seedPath(dir: string, file: string): string {
  const path = join(dir, file);
  if (!existsSync(path)) {
    throw new PipelineError('BAD_INPUT', `${path} not found`, {
      hint: 'run `npx dropship generate` (or `make generate-data`) first, or set SEED_DIR',
    });
  }
  return path;
}

/** A record longer than this (in characters) is refused rather than buffered further. */
const MAX_RECORD_CHARS = 1 << 20;

/**
 * The file's records, a chunk of them at a time (string fields, in file order). Papa Parse's
 * parser reads each 64 KB of text; a record cut by the chunk's end is carried over to the next
 * one. Papa Parse rather than csv-parse: the replay worker parsed ~3 µs per row with csv-parse
 * and its stream of records, and a replay is CPU-bound (docs/BENCHMARKS.md).
 *
 * Broken quoting stops the read, naming the line, as csv-parse did: Papa Parse recovers from a
 * malformed quote by reading on to the next quote that fits, which can fold any number of rows
 * into one field; reporting that as one bad row would lose the others silently.
 */
async function* csvRecordChunks(path: string): AsyncGenerator<string[][]> {
  let parser: Papa.Parser | null = null;
  let carried = '';
  let first = true;
  let recordsBefore = 0;
  const parse = (text: string, last: boolean) => {
    const results = parser!.parse(text, 0, !last) as Papa.ParseResult<string[]>;
    for (const e of results.errors) {
      const row = e.row ?? 0;
      // An error in the unfinished last record is Papa's, not the file's: it is parsed again
      // whole with the next chunk.
      if (row < results.data.length || last)
        throw badQuoting(path, recordsBefore + row + 1, e.code === 'MissingQuotes');
    }
    carried = last ? '' : text.slice(results.meta.cursor);
    recordsBefore += results.data.length;
    return results.data;
  };
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 64 << 10 });
  for await (let text of stream as AsyncIterable<string>) {
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      parser = new Papa.Parser({ delimiter: ',', quoteChar: '"', newline: lineBreakOf(text) });
    }
    const records = parse(carried + text, false);
    // Re-parsing an ever longer carried record would be quadratic.
    if (carried.length > MAX_RECORD_CHARS) throw recordTooLong(path, recordsBefore + 1, carried);
    if (records.length > 0) yield records;
  }
  if (carried.length > 0) yield parse(carried, true);
}

function lineBreakOf(text: string): '\n' | '\r\n' | '\r' {
  const lf = text.indexOf('\n');
  if (lf > 0 && text[lf - 1] === '\r') return '\r\n';
  if (lf < 0 && text.includes('\r')) return '\r';
  return '\n';
}

const REGENERATE = 'or regenerate the file with `npx dropship generate`';

function badQuoting(path: string, line: number, unclosed: boolean): PipelineError {
  return new PipelineError(
    'BAD_INPUT',
    `${path} line ${line}: ${unclosed ? 'a quoted field is never closed' : 'a quoted field is malformed (text after its closing quote)'}`,
    {
      hint: `correct the quotes on that line (a quote inside a field is written "") ${REGENERATE}`,
    },
  );
}

function recordTooLong(path: string, line: number, carried: string): PipelineError {
  const cause = carried.includes('"')
    ? 'a quoted field is never closed'
    : 'no line break (are the line endings mixed?)';
  return new PipelineError(
    'BAD_INPUT',
    `${path} line ${line}: ${cause} within ${MAX_RECORD_CHARS.toLocaleString('en')} characters`,
    { hint: `check that line's quotes and the file's line endings, ${REGENERATE}` },
  );
}

/**
 * The file's rows checked by `toRow`, a chunk at a time: a replay iterates a chunk of rows
 * per step rather than awaiting each row (~0.35 µs per row less). `optional` columns, right
 * after `columns`, may be absent from the file as a group (files written before they existed):
 * `toRow` is told whether the file has them.
 */
async function* readCsvChunks<T>(
  path: string,
  columns: readonly string[],
  toRow: (record: string[], hasOptional: boolean) => T | RowProblem | string,
  optional: readonly string[] = [],
): AsyncGenerator<RowResult<T>[]> {
  // Lines are counted as records (exact for our files, which never hold line breaks inside a
  // field).
  let header = true;
  let line = 0;
  let hasOptional = false;
  let width = columns.length;
  for await (const records of csvRecordChunks(path)) {
    const rows: RowResult<T>[] = [];
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      line++;
      if (header) {
        header = false;
        const missing = columns.filter((c, k) => record[k]?.trim() !== c);
        if (missing.length > 0) {
          throw new PipelineError(
            'BAD_INPUT',
            `${path} line 1: expected the columns ${columns.join(',')} (got ${record.join(',')})`,
            {
              hint: 'regenerate the file with `npx dropship generate` or fix its header',
            },
          );
        }
        const after = record.slice(columns.length).map((c) => c.trim());
        if (optional.length > 0 && after.some((c) => optional.includes(c))) {
          if (optional.some((c, k) => after[k] !== c))
            throw new PipelineError(
              'BAD_INPUT',
              `${path} line 1: after ${columns.join(',')} expected all of ${optional.join(',')} or none of them (got ${after.join(',')})`,
              {
                hint: 'add the missing columns (values may be left empty) or remove them all, or regenerate the file with `npx dropship generate`',
              },
            );
          hasOptional = true;
          width += optional.length;
        }
        continue;
      }
      // A blank line (often the end of a hand-edited file) holds no row: skipped silently.
      if (record.length === 1 && record[0] === '') continue;
      const row =
        record.length < width
          ? `expected ${width} columns, got ${record.length}`
          : toRow(record, hasOptional);
      if (typeof row === 'string')
        rows.push({ ok: false, file: path, line, problem: row, reason: 'invalid_shape', record });
      else if (isRowProblem(row)) rows.push({ ok: false, file: path, line, ...row, record });
      else rows.push({ ok: true, row, line });
    }
    if (rows.length > 0) yield rows;
  }
}

async function* flatten<T>(chunks: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const chunk of chunks) yield* chunk;
}

/** Orders of `file` (a path given with --file) or of `<dir>/orders.csv`. */
export function readOrders(dir: string, file?: string): AsyncGenerator<RowResult<Order>> {
  return flatten(readOrderChunks(dir, file));
}

/** The same, a chunk of rows at a time. */
export function readOrderChunks(dir: string, file?: string): AsyncGenerator<RowResult<Order>[]> {
  if (file !== undefined && !existsSync(file)) {
    throw new PipelineError('BAD_INPUT', `${file} not found`, { hint: 'check --file' });
  }
  const path = file ?? seedPath(dir, SeedFiles.orders);
  return readCsvChunks(
    path,
    CsvColumns.orders,
    ([id, product_id, customer_id, quantity, unit_price, sold_at]) =>
      orderOfRecord(id!, product_id!, customer_id!, quantity!, unit_price!, sold_at!),
  );
}

/**
 * The lifecycle steps of `<dir>/order_events.csv`, a chunk of rows at a time; nothing when the
 * seed has no such file (written before the lifecycle: its orders stay created). Each row is
 * judged by lifecycleProblem, the rule the bus decoder applies to the event.
 */
export async function* readLifecycleChunks(
  dir: string,
): AsyncGenerator<RowResult<LifecycleStep>[]> {
  const path = join(dir, SeedFiles.orderEvents);
  if (!existsSync(path)) return;
  yield* readCsvChunks(path, CsvColumns.orderEvents, (record) => {
    const [order_id, event_type, at, supplier_id, tracking_id, reason] = record as string[];
    const step: LifecycleStep = {
      order_id: order_id!,
      event_type: event_type as LifecycleStep['event_type'],
      at: at!,
    };
    if (supplier_id) step.supplier_id = supplier_id;
    if (tracking_id) step.tracking_id = tracking_id;
    if (reason) step.reason = reason;
    const problem = lifecycleProblem(step);
    if (!problem) return step;
    const shown = record[CsvColumns.orderEvents.indexOf(problem.field)] ?? '';
    return { reason: problem.reason, problem: `${problem.field} "${shown}": ${problem.message}` };
  });
}

/**
 * The records of `<dir>/bad_events.jsonl` (generate --bad-ratio), in file order; nothing when
 * the seed has none. Each line is a JSON object: `after` (publish it once that many rows of
 * order_events.csv are published), `key` and `value` (the record, the value as text exactly),
 * `kind`, `reason` and `stage` (what it is and the dead letter it must become). A line that is
 * not such an object stops the replay, naming the line: the file is the generator's, never
 * guessed.
 */
export async function* readBadEvents(dir: string): AsyncGenerator<BadEventLine> {
  const path = join(dir, SeedFiles.badEvents);
  if (!existsSync(path)) return;
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let record: Partial<BadEventLine> | null = null;
    try {
      record = JSON.parse(line) as Partial<BadEventLine>;
    } catch {
      record = null;
    }
    if (
      record === null ||
      typeof record !== 'object' ||
      !Number.isSafeInteger(record.after) ||
      typeof record.key !== 'string' ||
      typeof record.value !== 'string'
    )
      throw new PipelineError(
        'BAD_INPUT',
        `${path} line ${n}: expected {"after": <rows of order_events.csv>, "key": "…", "value": "…", …}`,
        {
          hint: `regenerate the seed with \`npx dropship generate --bad-ratio …\`, or delete ${path}`,
        },
      );
    yield record as BadEventLine;
  }
}

/** A record a replay publishes after the creations: a step of order_events.csv, or a bad record. */
export type LifecycleRecord = RowResult<LifecycleStep> | BadEventLine;

export function isBadEvent(r: LifecycleRecord): r is BadEventLine {
  return 'after' in r;
}

/**
 * What a replay publishes after the creations, in publication order, a chunk at a time: the
 * rows of `<dir>/order_events.csv`, with each record of `<dir>/bad_events.jsonl` among them at
 * its place (once `after` rows are published). The one definition of that order: the producer
 * publishes it (produce.ts), and `run` counts it to find where a replay resumes (run.ts).
 */
export async function* replayedLifecycleChunks(dir: string): AsyncGenerator<LifecycleRecord[]> {
  const bad = readBadEvents(dir);
  let nextBad = (await bad.next()).value ?? null;
  let steps = 0;
  for await (const rows of readLifecycleChunks(dir)) {
    if (nextBad === null || nextBad.after >= steps + rows.length) {
      // No bad record among these rows (the usual case): the chunk as it is.
      steps += rows.length;
      yield rows;
      continue;
    }
    const chunk: LifecycleRecord[] = [];
    for (const r of rows) {
      for (; nextBad !== null && nextBad.after <= steps; nextBad = (await bad.next()).value ?? null)
        chunk.push(nextBad);
      steps++;
      chunk.push(r);
    }
    yield chunk;
  }
  const rest: LifecycleRecord[] = [];
  for (; nextBad !== null; nextBad = (await bad.next()).value ?? null) rest.push(nextBad);
  if (rest.length > 0) yield rest;
}

function isRowProblem(row: unknown): row is RowProblem {
  return typeof row === 'object' && row !== null && 'problem' in row && 'reason' in row;
}

const INTEGER = /^-?\d+$/;

/**
 * An order from its CSV fields, judged by the rules every reader shares (order-rules.ts); only
 * the reading of text into numbers is the CSV's own. The words name the column and its value.
 */
function orderOfRecord(
  id: string,
  product_id: string,
  customer_id: string,
  quantity: string,
  unit_price: string,
  sold_at: string,
): Order | RowProblem {
  if (!INTEGER.test(quantity))
    return {
      reason: 'invalid_value',
      problem: `quantity "${quantity}": ${quantityProblem(Number.NaN)!.message}`,
    };
  const order: Order = {
    id,
    product_id,
    customer_id,
    quantity: Number(quantity),
    unit_price_cents: decimalToCents(unit_price),
    sold_at,
  };
  const problem = orderProblem(order);
  if (!problem) return order;
  const shown = { id, product_id, customer_id, quantity, unit_price, sold_at }[
    problem.field === 'timestamp' ? 'sold_at' : problem.field
  ];
  return { reason: problem.reason, problem: `${problem.field} "${shown}": ${problem.message}` };
}

/** Only the good rows; bad ones are handed to `onBadRow`. */
async function* goodRows<T>(
  chunks: AsyncIterable<RowResult<T>[]>,
  onBadRow: (bad: BadRow) => void,
): AsyncGenerator<T> {
  for await (const rows of chunks)
    for (const r of rows) {
      if (r.ok) yield r.row;
      else onBadRow(r);
    }
}

export function readCustomers(
  dir: string,
  onBadRow: (bad: BadRow) => void,
): AsyncGenerator<Customer> {
  return goodRows(
    readCsvChunks(
      seedPath(dir, SeedFiles.customers),
      CsvColumns.customers,
      ([id, name, email, city, country]) => {
        if (!ID_PATTERN.customer.test(id ?? ''))
          return `id "${id}" is not a customer id like CUS-000001`;
        if (!name || !email) return 'name and email are required';
        return { id: id!, name, email, city: city ?? '', country: country ?? '' };
      },
    ),
    onBadRow,
  );
}

export function readProducts(
  dir: string,
  onBadRow: (bad: BadRow) => void,
): AsyncGenerator<Product> {
  return goodRows(
    readCsvChunks(
      seedPath(dir, SeedFiles.inventory),
      CsvColumns.inventory,
      ([id, product_name, category, price, stock, ...supplyFields], hasSupply) => {
        if (!ID_PATTERN.product.test(id ?? ''))
          return `id "${id}" is not a product id like PRD-00001`;
        const cents = decimalToCents(price ?? '');
        if (Number.isNaN(cents) || cents < 0) return `price "${price}" is not a price like 19.99`;
        if (!/^\d+$/.test(stock ?? ''))
          return `stock_quantity "${stock}" is not a non-negative integer`;
        const supply = hasSupply ? productSupply(supplyFields) : null;
        if (typeof supply === 'string') return supply;
        return {
          id: id!,
          product_name: product_name ?? '',
          category: category ?? '',
          price_cents: cents,
          stock_quantity: Number(stock),
          supply,
        };
      },
      CsvColumns.inventorySupply,
    ),
    onBadRow,
  );
}

/** Products whose costs are unknown (`supply` null), counted as they pass on to the loader. */
export class UncostedProducts {
  count = 0;

  async *through(products: AsyncIterable<Product>): AsyncGenerator<Product> {
    for await (const p of products) {
      if (!p.supply) this.count++;
      yield p;
    }
  }

  /** `""`, or a note for the load's log line saying what unknown costs mean. */
  note(): string {
    return this.count === 0
      ? ''
      : `; ${this.count} without supplier costs (inventory.csv has none for them: their orders get no margin)`;
  }
}

/**
 * A product's supplier and costs from inventory.csv's supply columns; null when they are all
 * empty (costs unknown for this product), a problem when only some are given or one is bad.
 */
function productSupply(fields: string[]): ProductSupply | null | string {
  const [id, name, country, days, supplierCost, shippingCost] = fields.map((f) => f.trim());
  if (fields.slice(0, CsvColumns.inventorySupply.length).every((f) => f.trim() === '')) return null;
  if (!ID_PATTERN.supplier.test(id ?? ''))
    return `supplier_id "${id}" is not a supplier id like SUP-001 (leave all supplier columns empty when unknown)`;
  if (!name) return 'supplier_name is required with a supplier_id';
  if (!/^\d+$/.test(days ?? ''))
    return `supplier_shipping_days "${days}" is not a non-negative integer`;
  const cost = decimalToCents(supplierCost ?? '');
  if (Number.isNaN(cost) || cost < 0)
    return `supplier_cost "${supplierCost}" is not an amount like 7.45`;
  const shipping = decimalToCents(shippingCost ?? '');
  if (Number.isNaN(shipping) || shipping < 0)
    return `shipping_cost "${shippingCost}" is not an amount like 3.90`;
  return {
    supplier: { id: id!, name, country: country ?? '', shipping_days: Number(days) },
    supplier_cost_cents: cost,
    shipping_cost_cents: shipping,
  };
}

export function hasSeedFiles(dir: string): boolean {
  return existsSync(join(dir, SeedFiles.manifest));
}

export async function readManifest(path: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new PipelineError(
      'BAD_INPUT',
      `cannot read the manifest ${path}: ${(cause as NodeJS.ErrnoException).code ?? cause}`,
      {
        hint: 'run `npx dropship generate` or pass --manifest',
        cause,
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new PipelineError('BAD_INPUT', `${path} is not JSON: ${(cause as Error).message}`, {
      hint: 'regenerate it with `npx dropship generate`',
      cause,
    });
  }
  // Loaded here, not at the top: the replay worker reads orders through this module and
  // starts ~130 ms sooner without the validation library (zod) the manifest's schema needs.
  const { ManifestSchema } = await import('../domain/manifest.ts');
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PipelineError(
      'BAD_INPUT',
      `${path} is not a dropship manifest: ${issue?.path.join('.')}: ${issue?.message}`,
      { hint: 'regenerate it with `npx dropship generate`' },
    );
  }
  return parsed.data;
}

/**
 * The final stock per product of `<dir>/stock.csv` (product id → units), or null when the
 * seed has none (written before the stock followed the orders). Rows that do not read as a
 * product and a whole number are left out: the file is a control file, only compared.
 */
export async function readFinalStock(dir: string): Promise<Map<string, number> | null> {
  const path = join(dir, SeedFiles.stock);
  if (!existsSync(path)) return null;
  const stock = new Map<string, number>();
  for await (const rows of readCsvChunks(path, CsvColumns.stock, ([id, , final]) =>
    id && /^-?\d+$/.test(final ?? '')
      ? { id, units: Number(final) }
      : 'not a product and its stock',
  ))
    for (const r of rows) if (r.ok) stock.set(r.row.id, r.row.units);
  return stock;
}
