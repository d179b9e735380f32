/**
 * Generate stage: writes customers.csv, inventory.csv, orders.csv and manifest.json.
 *
 * Files are written under temporary names and renamed only when all are complete, manifest
 * last, so an interrupted or failed run never leaves files that look finished.
 * Writing is streamed in ~1 MiB chunks with backpressure: memory stays flat at 10M orders.
 * orders.csv and order_events.csv are written by a worker thread (order-rows.ts says why),
 * except with messy data, whose rows are reordered as text here.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile, access, constants, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { centsToDecimal, type Product } from '../domain/entities.ts';
import { customerCsv, orderCsv, productCsv } from '../domain/csv.ts';
import type { Manifest } from '../domain/manifest.ts';
import { marginTotals } from '../domain/margin.ts';
import { latestAcceptedTimestamp } from '../domain/order-rules.ts';
import { CsvColumns, SeedFiles } from '../domain/tables.ts';
import { PipelineError } from '../errors.ts';
import {
  LifecycleSimulator,
  type LifecycleCounts,
  type LifecyclePlan,
  type ShippingOf,
} from '../generator/lifecycle.ts';
import {
  badEventJsonl,
  DUPLICATE_MAX_DISTANCE,
  hasMess,
  LATE_MAX_DISTANCE,
  MAX_RATIO,
  MessyData,
  NO_MESS,
  type MessyKnobs,
} from '../generator/messy-data.ts';
import { expectedUnits, generateOrders } from '../generator/orders.ts';
import { StockLedger } from '../generator/stock-ledger.ts';
import { stockDigest } from '../domain/stock.ts';
import { OrderRowsWriter } from './order-rows.ts';
import { generateCustomers, generateProducts } from '../generator/reference-data.ts';

export interface GenerateOptions {
  customers: number;
  products: number;
  orders: number;
  seed: number;
  /** First day of the order period (UTC, inclusive). */
  start: Date;
  /** Last day of the order period (UTC, inclusive). */
  end: Date;
  outputDir: string;
  /** Late, duplicated and bad events on purpose (generator/messy-data.ts); default none. */
  messy?: MessyKnobs;
  signal?: AbortSignal;
  onProgress?: (p: { file: string; rows: number; total: number }) => void;
}

export interface GenerateResult {
  manifest: Manifest;
  outputDir: string;
  durationMs: number;
}

const CHUNK_BYTES = 1 << 20;

/** Where a seed file is written until every file is complete (then renamed to its name). */
function partialPath(finalPath: string): string {
  return `${finalPath}.partial`;
}

/** A seed file being written: renamed when all are complete, removed if the run fails. */
interface PartialFile {
  readonly tmpPath: string;
  readonly finalPath: string;
  abort(): void;
}

/** A seed file another thread writes (order-rows.ts): only its names, for the rename and the cleanup. */
function threadFile(finalPath: string): PartialFile {
  return { tmpPath: partialPath(finalPath), finalPath, abort: () => undefined };
}

/** A CSV file being written: chunked, hashed and counted on the fly. */
class CsvFileWriter implements PartialFile {
  readonly tmpPath: string;
  private readonly stream: WriteStream;
  private readonly hash = createHash('sha256');
  // Lines are encoded straight into a reused buffer: no string concatenation, little garbage.
  private readonly buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  /** The chunk's fill. */
  private pos = 0;
  private failure: Error | null = null;
  rows = 0;
  bytes = 0;

  /** @param header the CSV header, or null for a file without one (bad_events.jsonl). */
  constructor(
    readonly finalPath: string,
    header: readonly string[] | null,
  ) {
    this.tmpPath = partialPath(finalPath);
    this.stream = createWriteStream(this.tmpPath);
    this.stream.on('error', (error) => {
      this.failure = error;
    });
    if (header) this.pos = this.buffer.write(header.join(',') + '\n', 0);
  }

  /** Appends one line; resolves immediately unless the chunk must be flushed. */
  write(line: string): Promise<void> | undefined {
    this.rows += 1;
    return this.append(line);
  }

  /** Appends `rows` lines at once (each ends with a newline). */
  writeRows(lines: string, rows: number): Promise<void> | undefined {
    this.rows += rows;
    return this.append(lines);
  }

  private append(line: string): Promise<void> | undefined {
    // A UTF-16 code unit never takes more than 3 UTF-8 bytes.
    if (this.pos + line.length * 3 > this.buffer.length) {
      const chunk = Buffer.from(line, 'utf8');
      if (chunk.length > this.buffer.length)
        throw new Error(`${this.finalPath}: a line of ${chunk.length} bytes exceeds the chunk`);
      return this.flush().then(() => {
        chunk.copy(this.buffer, 0);
        this.pos = chunk.length;
      });
    }
    this.pos += this.buffer.write(line, this.pos);
    return undefined;
  }

  private async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    const chunk = this.buffer.subarray(0, this.pos);
    this.hash.update(chunk);
    this.bytes += chunk.length;
    // Wait until the chunk is written, then reuse the same buffer: one 1 MiB buffer per file
    // for the whole run, instead of one per chunk left to the garbage collector.
    await new Promise<void>((resolve, reject) => {
      this.stream.write(chunk, (error) => (error ? reject(error) : resolve()));
    });
    this.pos = 0;
  }

  async close(): Promise<{ rows: number; bytes: number; sha256: string }> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
    });
    if (this.failure) throw this.failure;
    return { rows: this.rows, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  abort(): void {
    this.stream.destroy();
  }
}

async function ensureWritableDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (cause) {
    throw new PipelineError(
      'BAD_ARGUMENT',
      `cannot write to output directory ${dir}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`,
      {
        hint: 'choose another --output-dir (or SEED_DIR) or fix its permissions',
        cause,
      },
    );
  }
}

/** The largest data set `generate` writes (README, `generate --help`): 100M orders ≈ 26 GB (orders.csv and order_events.csv). */
export const GENERATE_LIMITS = {
  customers: 10_000_000,
  products: 1_000_000,
  orders: 100_000_000,
} as const;

/**
 * Bytes per CSV row, rounded up from measured files (200k orders: 67.1 per order, 68.5 per
 * customer; 111.5 per product with its supplier and costs; 1M orders: 191.2 bytes of
 * order_events.csv per order, ~3.3 lifecycle steps), so the estimate errs on the large side.
 */
const ROW_BYTES = { customers: 72, products: 120, orders: 70 + 195 } as const;

/** The size of the files `generate` would write for these counts, in bytes (an upper estimate). */
export function estimateSeedBytes(counts: {
  customers: number;
  products: number;
  orders: number;
}): number {
  const headers = 2048; // four header lines and the manifest
  return (
    headers +
    counts.customers * ROW_BYTES.customers +
    counts.products * ROW_BYTES.products +
    counts.orders * ROW_BYTES.orders
  );
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/**
 * Refuses, with the figures, a data set above the documented maximum or larger than the free
 * space of `dir` (it was possible to start writing 33 GB with an ETA of 1,989 minutes).
 */
export function checkSeedSize(
  counts: { customers: number; products: number; orders: number },
  dir: string,
  freeBytes: number,
): void {
  for (const kind of ['orders', 'customers', 'products'] as const) {
    if (counts[kind] > GENERATE_LIMITS[kind])
      throw new PipelineError(
        'BAD_ARGUMENT',
        `--${kind} ${counts[kind].toLocaleString('en')} is above the maximum of ${GENERATE_LIMITS[kind].toLocaleString('en')}`,
        { hint: `ask for at most ${GENERATE_LIMITS[kind].toLocaleString('en')} ${kind}` },
      );
  }
  const needed = estimateSeedBytes(counts);
  if (needed > freeBytes)
    throw new PipelineError(
      'BAD_ARGUMENT',
      `the data set would take about ${formatBytes(needed)}, but ${dir} has ${formatBytes(freeBytes)} free`,
      { hint: 'ask for fewer orders, or choose an --output-dir (SEED_DIR) on a disk with room' },
    );
}

/**
 * Refuses a period whose orders the ingest would refuse: a sale more than a day ahead of the
 * clock breaks the rules every reader applies (domain/order-rules.ts), so a seed ending in the
 * future would replay into dead letters.
 */
export function checkPeriod(end: Date, now: number = Date.now()): void {
  const lastSale = end.getTime() + 86_400_000 - 1; // the --end day is included
  const latest = latestAcceptedTimestamp(now);
  if (new Date(lastSale).toISOString() > latest)
    throw new PipelineError(
      'BAD_ARGUMENT',
      `--end ${end.toISOString().slice(0, 10)} is in the future: orders sold after ${latest} would be refused by the ingest (at most a day ahead) and become dead letters`,
      { hint: 'choose an --end of today or earlier (the default is yesterday)' },
    );
}

/** Free bytes for an unprivileged user on the file system of `dir` (its nearest existing parent). */
async function freeBytesAt(dir: string): Promise<number> {
  for (let at = dir; ; at = dirname(at)) {
    try {
      const fs = await statfs(at);
      return fs.bavail * fs.bsize;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(at) === at)
        return Number.POSITIVE_INFINITY; // cannot tell: writing reports its own error
    }
  }
}

/**
 * The manifest's lifecycle totals: events per type, orders per final status, and the revenue
 * net of cancellations and returns (what the shop keeps: orders neither cancelled nor
 * returned), each to the cent.
 */
export function lifecycleTotals(
  counts: LifecycleCounts,
  revenueCents: number,
): NonNullable<Manifest['totals']['lifecycle']> {
  const net = revenueCents - counts.returnedCents - counts.cancelledCents;
  return {
    events: { ...counts.events },
    final_status: { ...counts.finalStatus },
    returned_revenue: centsToDecimal(counts.returnedCents),
    returned_revenue_cents: counts.returnedCents,
    cancelled_revenue: centsToDecimal(counts.cancelledCents),
    cancelled_revenue_cents: counts.cancelledCents,
    net_revenue: centsToDecimal(net),
    net_revenue_cents: net,
  };
}

/** The manifest's stock totals (domain/stock.ts): what the period's orders left of the stock. */
export function stockTotals(
  productIds: readonly string[],
  initial: ArrayLike<number>,
  ledger: StockLedger,
): NonNullable<Manifest['totals']['stock']> {
  let initialUnits = 0;
  let finalUnits = 0;
  let soldOut = 0;
  const final: [string, number][] = [];
  for (let i = 0; i < productIds.length; i++) {
    initialUnits += initial[i]!;
    finalUnits += ledger.left[i]!;
    if (ledger.left[i] === 0) soldOut++;
    final.push([productIds[i]!, ledger.left[i]!]);
  }
  return {
    initial_units: initialUnits,
    final_units: finalUnits,
    reserved_units: initialUnits - finalUnits,
    out_of_stock_orders: ledger.outOfStockOrders,
    products_sold_out: soldOut,
    final_sha256: stockDigest(final),
  };
}

/**
 * The manifest's margin totals for these units sold, by product index; null if a sold product
 * has no known cost. With `outcomes` (the units of the orders that ended cancelled or
 * returned, and the kept orders' revenue) the net margin too (domain/margin.ts).
 */
export function costOfSales(
  unitCosts: { supplier: ArrayLike<number>; shipping: ArrayLike<number> },
  unitsSold: ArrayLike<number>,
  revenueCents: number,
  outcomes?: {
    cancelled: ArrayLike<number>;
    returned: ArrayLike<number>;
    keptRevenueCents: number;
  },
): Manifest['totals']['margin'] {
  let supplierCents = 0;
  let shippingCents = 0;
  let keptSupplierCents = 0;
  let keptShippingCents = 0;
  let returnedShippingCents = 0;
  for (let i = 0; i < unitsSold.length; i++) {
    const units = unitsSold[i]!;
    if (units === 0) continue;
    const supplier = unitCosts.supplier[i] ?? -1;
    const shipping = unitCosts.shipping[i] ?? -1;
    if (supplier < 0 || shipping < 0) return null;
    supplierCents += units * supplier;
    shippingCents += units * shipping;
    if (!outcomes) continue;
    const returned = outcomes.returned[i]!;
    const kept = units - outcomes.cancelled[i]! - returned;
    keptSupplierCents += kept * supplier;
    keptShippingCents += kept * shipping;
    returnedShippingCents += returned * shipping;
  }
  return marginTotals(
    revenueCents,
    supplierCents,
    shippingCents,
    outcomes && {
      keptRevenueCents: outcomes.keptRevenueCents,
      keptSupplierCostCents: keptSupplierCents,
      keptShippingCostCents: keptShippingCents,
      returnedShippingCostCents: returnedShippingCents,
    },
  );
}

/**
 * The manifest's messy-data totals: what the knobs did, and what RAW, PROD and the dead
 * letters must then hold. RAW keeps every record as received (it recognises a redelivered bus
 * record, not a second record of the same event), so duplicates are RAW rows that the task
 * absorbs; the ingest refuses the bad records except a step of an unknown order, which RAW
 * stores and the task quarantines.
 */
export function messyTotals(
  messy: MessyData,
  orderRows: number,
  stepRows: number,
): NonNullable<Manifest['totals']['messy_data']> {
  const c = messy.counts;
  const byReason = Object.fromEntries(
    Object.entries(c.badByReason).sort(([a], [b]) => (a < b ? -1 : 1)),
  ) as Record<string, number>;
  return {
    late_max_distance: LATE_MAX_DISTANCE,
    duplicate_max_distance: DUPLICATE_MAX_DISTANCE,
    late_events: c.lateEvents,
    duplicate_events: { order_created: c.duplicateCreations, lifecycle: c.duplicateSteps },
    bad_events: c.badEvents,
    bad_events_by_reason: byReason,
    expected: {
      published_records: orderRows + stepRows + c.badEvents,
      raw_rows: orderRows + stepRows + c.badInRaw,
      prod_orders: orderRows - c.duplicateCreations,
      dead_letters: c.badEvents,
      dead_letters_by_reason: byReason,
      duplicates_absorbed: c.duplicateCreations + c.duplicateSteps,
      late_events: c.lateEvents,
    },
  };
}

/** Refuses a knob outside [0, MAX_RATIO] (the CLI's parser says the same, for the flag). */
export function checkMessyKnobs(k: MessyKnobs): void {
  const flags = { late: '--late-ratio', duplicate: '--duplicate-ratio', bad: '--bad-ratio' };
  for (const knob of ['late', 'duplicate', 'bad'] as const) {
    const r = k[knob];
    if (!(r >= 0 && r <= MAX_RATIO))
      throw new PipelineError(
        'BAD_ARGUMENT',
        `${flags[knob]} ${r} is not a share between 0 and ${MAX_RATIO}`,
        {
          hint: `give ${flags[knob]} a value like 0.05 (0 = none)`,
        },
      );
  }
}

export async function generateSeedFiles(options: GenerateOptions): Promise<GenerateResult> {
  const started = performance.now();
  checkMessyKnobs(options.messy ?? NO_MESS);
  checkSeedSize(options, options.outputDir, await freeBytesAt(options.outputDir));
  checkPeriod(options.end);
  await ensureWritableDir(options.outputDir);
  const customersFile = new CsvFileWriter(
    join(options.outputDir, SeedFiles.customers),
    CsvColumns.customers,
  );
  const inventoryFile = new CsvFileWriter(join(options.outputDir, SeedFiles.inventory), [
    ...CsvColumns.inventory,
    ...CsvColumns.inventorySupply,
  ]);
  const knobs = options.messy ?? NO_MESS;
  const ordersPath = join(options.outputDir, SeedFiles.orders);
  const eventsPath = join(options.outputDir, SeedFiles.orderEvents);
  // orders.csv and order_events.csv: written here with messy data (MessyData reorders rows as
  // text); otherwise by a worker thread (order-rows.ts), started once the catalogue is known.
  const textRows = hasMess(knobs)
    ? {
        messy: new MessyData(options.seed, knobs),
        orders: new CsvFileWriter(ordersPath, CsvColumns.orders),
        events: new CsvFileWriter(eventsPath, CsvColumns.orderEvents),
      }
    : null;
  let rowsWriter: OrderRowsWriter | null = null;
  const stockFile = new CsvFileWriter(join(options.outputDir, SeedFiles.stock), CsvColumns.stock);
  // Written only with --bad-ratio (a JSONL file, not CSV: its records cannot be valid rows).
  const badFile =
    knobs.bad > 0 ? new CsvFileWriter(join(options.outputDir, SeedFiles.badEvents), null) : null;
  const files: PartialFile[] = [
    customersFile,
    inventoryFile,
    ...(textRows ? [textRows.orders, textRows.events] : [ordersPath, eventsPath].map(threadFile)),
    stockFile,
    ...(badFile ? [badFile] : []),
  ];
  const progressEvery = 50_000;
  const checkAbort = () => {
    if (options.signal?.aborted)
      throw new PipelineError('INTERRUPTED', 'generation interrupted; no seed files were replaced');
  };

  try {
    // Products first: the row writer thread needs their prices and suppliers, and loads its
    // modules while the customers are written.
    const prices: number[] = [];
    // Per-unit costs by product index, -1 when unknown (numbers, not objects: 1M products stay small).
    const supplierCosts: number[] = [];
    const shippingCosts: number[] = [];
    const shippingOf: (ShippingOf | null)[] = [];
    const productIds: string[] = [];
    const initialStock: number[] = [];
    const demand = expectedUnits(options.orders, options.products, options.seed);
    for (const product of generateProducts(
      options.products,
      options.seed,
      demand,
    ) as Generator<Product>) {
      productIds.push(product.id);
      initialStock.push(product.stock_quantity);
      prices.push(product.price_cents);
      supplierCosts.push(product.supply?.supplier_cost_cents ?? -1);
      shippingCosts.push(product.supply?.shipping_cost_cents ?? -1);
      const supplier = product.supply?.supplier;
      shippingOf.push(
        supplier ? { supplierId: supplier.id, shippingDays: supplier.shipping_days } : null,
      );
      const pending = inventoryFile.write(productCsv(product));
      if (pending) await pending;
    }
    if (textRows === null)
      rowsWriter = new OrderRowsWriter({
        ordersPath: partialPath(ordersPath),
        eventsPath: partialPath(eventsPath),
        ordersHeader: CsvColumns.orders,
        eventsHeader: CsvColumns.orderEvents,
        prices,
        supplierIds: shippingOf.map((s) => s?.supplierId ?? ''),
        customers: options.customers,
      });
    for (const customer of generateCustomers(options.customers, options.seed)) {
      const pending = customersFile.write(customerCsv(customer));
      if (pending) await pending;
      if (customersFile.rows % progressEvery === 0) {
        checkAbort();
        options.onProgress?.({
          file: SeedFiles.customers,
          rows: customersFile.rows,
          total: options.customers,
        });
      }
    }
    // Units sold per product, costed once at the end: the order loop stays one lookup per order.
    const unitsSold = new Float64Array(prices.length);
    // Of those, the units of orders that ended cancelled or returned (the net margin's terms).
    const unitsCancelled = new Float64Array(prices.length);
    const unitsReturned = new Float64Array(prices.length);
    const tallyOutcome = (plan: Readonly<LifecyclePlan>, product: number, units: number) => {
      if (plan.length === 0) return;
      const last = plan.types[plan.length - 1];
      if (last === 'order_cancelled') unitsCancelled[product]! += units;
      else if (last === 'order_returned') unitsReturned[product]! += units;
    };

    let revenueCents = 0;
    let itemsSold = 0;
    let first: string | null = null;
    let last: string | null = null;
    const endExclusive = new Date(options.end.getTime() + 86_400_000);
    const orders = generateOrders(
      options.orders,
      { customers: options.customers, productPrices: prices, seed: options.seed },
      { start: options.start, end: endExclusive },
    );
    const lifecycle = new LifecycleSimulator(options.seed, endExclusive.getTime());
    const stock = new StockLedger(initialStock);
    let generated = 0; // orders, not rows: with --duplicate-ratio orders.csv has more rows
    for (const order of orders) {
      generated++;
      revenueCents += order.quantity * order.unit_price_cents;
      itemsSold += order.quantity;
      const product = order.product_index;
      unitsSold[product]! += order.quantity;
      const soldMs = order.sold_ms;
      first ??= order.sold_at;
      last = order.sold_at;
      stock.advance(soldMs);
      const inStock = stock.reserve(product, order.quantity);
      if (rowsWriter !== null) {
        const plan = lifecycle.plan(order, soldMs, shippingOf[product]!, inStock);
        if (inStock) stock.settlePlan(product, order.quantity, plan);
        tallyOutcome(plan, product, order.quantity);
        // generateOrders numbers its orders 1, 2, … in the order it yields them: ORD-(generated).
        const handedOver = rowsWriter.add(generated, order, plan);
        if (handedOver) await handedOver;
      } else if (textRows !== null) {
        const { messy, orders: ordersFile, events: eventsFile } = textRows;
        // Apart from the plain path: with every knob at 0 the loop above costs nothing more.
        const steps = lifecycle.stepsCsv(order, soldMs, shippingOf[product]!, inStock);
        if (inStock) stock.settlePlan(product, order.quantity, steps.plan);
        tallyOutcome(steps.plan, product, order.quantity);
        const s = messy.stepRows(steps.text, steps.plan.length);
        if (s.rows > 0) await eventsFile.writeRows(s.text, s.rows);
        const o = messy.orderRows(orderCsv(order));
        await ordersFile.writeRows(o.text, o.rows);
        const bad = messy.badEvent(order.sold_at, eventsFile.rows);
        if (bad && badFile) await badFile.write(badEventJsonl(bad));
      }
      if (generated % progressEvery === 0) {
        checkAbort();
        options.onProgress?.({
          file: SeedFiles.orders,
          rows: generated,
          total: options.orders,
        });
      }
    }
    if (textRows) {
      const o = textRows.messy.remainingOrders();
      if (o.rows > 0) await textRows.orders.writeRows(o.text, o.rows);
      const s = textRows.messy.remainingSteps();
      if (s.rows > 0) await textRows.events.writeRows(s.text, s.rows);
    }
    options.onProgress?.({ file: SeedFiles.orders, rows: generated, total: options.orders });
    // What the period left: every release planned falls before its end.
    stock.advance(Number.POSITIVE_INFINITY);
    for (let i = 0; i < productIds.length; i++) {
      const pending = stockFile.write(`${productIds[i]},${initialStock[i]},${stock.left[i]}\n`);
      if (pending) await pending;
    }

    const { orders: o, events: e } = textRows
      ? { orders: await textRows.orders.close(), events: await textRows.events.close() }
      : await rowsWriter!.close();
    const [c, p, st] = [
      await customersFile.close(),
      await inventoryFile.close(),
      await stockFile.close(),
    ];
    const b = badFile ? await badFile.close() : null;
    checkAbort();
    const lifecycleNet = lifecycleTotals(lifecycle.counts, revenueCents);
    const manifest: Manifest = {
      generator: 'dropship-pipeline',
      format_version: 1,
      arguments: {
        customers: options.customers,
        products: options.products,
        orders: options.orders,
        seed: options.seed,
        start: options.start.toISOString().slice(0, 10),
        end: options.end.toISOString().slice(0, 10),
        ...(textRows
          ? { late_ratio: knobs.late, duplicate_ratio: knobs.duplicate, bad_ratio: knobs.bad }
          : {}),
      },
      files: {
        [SeedFiles.customers]: c,
        [SeedFiles.inventory]: p,
        [SeedFiles.orders]: o,
        [SeedFiles.orderEvents]: e,
        [SeedFiles.stock]: st,
        ...(b ? { [SeedFiles.badEvents]: b } : {}),
      },
      totals: {
        customers: c.rows,
        products: p.rows,
        orders: o.rows - (textRows?.messy.counts.duplicateCreations ?? 0),
        items_sold: itemsSold,
        revenue: centsToDecimal(revenueCents),
        revenue_cents: revenueCents,
        first_sold_at: first,
        last_sold_at: last,
        margin: costOfSales(
          { supplier: supplierCosts, shipping: shippingCosts },
          unitsSold,
          revenueCents,
          {
            cancelled: unitsCancelled,
            returned: unitsReturned,
            // The kept orders' revenue is the lifecycle's net revenue (one definition).
            keptRevenueCents: lifecycleNet.net_revenue_cents,
          },
        ),
        lifecycle: lifecycleNet,
        stock: stockTotals(productIds, initialStock, stock),
        ...(textRows ? { messy_data: messyTotals(textRows.messy, o.rows, e.rows) } : {}),
      },
    };
    // Old manifest first: while files are being swapped the directory never looks complete.
    const manifestPath = join(options.outputDir, SeedFiles.manifest);
    await rm(manifestPath, { force: true });
    for (const file of files) await rename(file.tmpPath, file.finalPath);
    // A bad_events.jsonl of an earlier run would be replayed with these files.
    if (!badFile) await rm(join(options.outputDir, SeedFiles.badEvents), { force: true });
    await writeFile(`${manifestPath}.partial`, JSON.stringify(manifest, null, 2) + '\n');
    await rename(`${manifestPath}.partial`, manifestPath);
    return { manifest, outputDir: options.outputDir, durationMs: performance.now() - started };
  } catch (error) {
    await rowsWriter?.abort();
    for (const file of files) {
      file.abort();
      // Cleanup must never hide the error that stopped the run.
      await rm(file.tmpPath, { force: true }).catch(() => undefined);
    }
    if (error instanceof PipelineError) throw error;
    throw new PipelineError('IO', `generation failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
