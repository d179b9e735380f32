/**
 * Reading the seed CSVs back: quoting, BOM and line endings as any CSV reader handles them,
 * bad rows reported with their line, a broken file refused with its line, and records cut by
 * the reader's 64 KB chunks (also inside a multi-byte character) read back whole.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productCsv } from '../domain/csv.ts';
import type { Customer, Product } from '../domain/entities.ts';
import { PipelineError } from '../errors.ts';
import { generateProducts } from '../generator/reference-data.ts';
import { generateSeedFiles } from './generate.ts';
import { buildManifestFromFiles } from './seed-manifest.ts';
import {
  isBadEvent,
  readCustomers,
  readOrderChunks,
  readOrders,
  readProducts,
  replayedLifecycleChunks,
  type BadRow,
} from './seed-files.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dropship-seed-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function customersOf(text: string): Promise<{ rows: Customer[]; bad: BadRow[] }> {
  const seed = await mkdtemp(join(dir, 'seed-'));
  await writeFile(join(seed, 'customers.csv'), text);
  const rows: Customer[] = [];
  const bad: BadRow[] = [];
  for await (const c of readCustomers(seed, (b) => bad.push(b))) rows.push(c);
  return { rows, bad };
}

const HEADER = 'id,name,email,city,country';

describe('readCustomers', () => {
  it('reads quoted fields, doubled quotes, a BOM and CRLF line endings', async () => {
    const { rows, bad } = await customersOf(
      `\ufeff${HEADER}\r\nCUS-000001,"Dupont, Zoé","z@x.fr",Lyon,FR\r\n` +
        `CUS-000002,"Le ""Chef""",c@x.fr,"Saint-Étienne",FR\r\n`,
    );
    expect(bad).toEqual([]);
    expect(rows).toEqual([
      { id: 'CUS-000001', name: 'Dupont, Zoé', email: 'z@x.fr', city: 'Lyon', country: 'FR' },
      {
        id: 'CUS-000002',
        name: 'Le "Chef"',
        email: 'c@x.fr',
        city: 'Saint-Étienne',
        country: 'FR',
      },
    ]);
  });

  it('reads a last line without a line break', async () => {
    const { rows } = await customersOf(`${HEADER}\nCUS-000001,Ann,a@x.fr,Nice,FR`);
    expect(rows.map((r) => r.country)).toEqual(['FR']);
  });

  it('reports short rows with their line, skips blank lines silently and keeps the others', async () => {
    const { rows, bad } = await customersOf(
      `${HEADER}\nCUS-000001,Ann,a@x.fr,Nice,FR\nCUS-000002,Bob\n\nCUS-000003,Cy,c@x.fr,Metz,FR\n`,
    );
    expect(rows.map((r) => r.id)).toEqual(['CUS-000001', 'CUS-000003']);
    // The blank line 4 is no row: not reported (issue 13), and the line numbers after it hold.
    expect(bad.map((b) => [b.line, b.problem])).toEqual([[3, 'expected 5 columns, got 2']]);
  });

  it('refuses a file whose quoted field is never closed, naming the line', async () => {
    const read = customersOf(
      `${HEADER}\nCUS-000001,Ann,a@x.fr,Nice,FR\nCUS-000002,"Bob,b@x.fr,Metz,FR\n`,
    );
    await expect(read).rejects.toThrow(PipelineError);
    await expect(read).rejects.toThrow(/line 3: a quoted field is never closed/);
    await expect(read).rejects.toMatchObject({
      code: 'BAD_INPUT',
      hint: expect.stringMatching(/correct the quotes on that line/),
    });
  });

  it('refuses a malformed quote instead of folding the rows after it into one field', async () => {
    // Papa Parse reads on to the next quote that fits: rows 3 to 6 would become one field.
    const read = customersOf(
      `${HEADER}\nCUS-000001,Ann,a@x.fr,Nice,FR\nCUS-000002,"Bob"x,b@x.fr,Metz,FR\n` +
        `CUS-000003,Cy,c@x.fr,Metz,FR\nCUS-000004,Di,d@x.fr,Metz,FR\nCUS-000005,"Ed",e@x.fr,Metz,FR\n`,
    );
    await expect(read).rejects.toThrow(/line 3: a quoted field is malformed/);
  });

  it('refuses a record that never ends within a million characters, saying why', async () => {
    const rows = Array.from(
      { length: 40_000 },
      (_, i) => `CUS-${String(i + 2).padStart(6, '0')},N,n@x.fr,Metz,FR`,
    );
    const unclosed = customersOf(`${HEADER}\nCUS-000001,"Ann,a@x.fr,Nice,FR\n${rows.join('\n')}\n`);
    await expect(unclosed).rejects.toThrow(
      /line 2: a quoted field is never closed within 1,048,576 characters/,
    );
    // A CRLF header makes CRLF the line break; LF rows then never end.
    const mixed = customersOf(`${HEADER}\r\n${rows.join('\n')}\n`);
    await expect(mixed).rejects.toThrow(
      /line 2: no line break \(are the line endings mixed\?\) within/,
    );
  });

  it('reads a CRLF cut by a chunk boundary right after a quoted field', async () => {
    // The first 64 KB chunk ends between the \r and the \n of a record whose last field is quoted.
    let text = `${HEADER}\r\n`;
    let n = 0;
    const row = (i: number, country: string) =>
      `CUS-${String(i).padStart(6, '0')},Name ${i},c${i}@x.fr,Metz,${country}\r\n`;
    while (text.length + row(n + 1, 'FR').length < 65_000) text += row(++n, 'FR');
    const last = row(++n, '"FR"');
    // Pad the name so that the row's \r is the chunk's last character.
    const pad = 65_537 - text.length - last.length;
    text += last.replace(`Name ${n}`, `Name ${n}${'x'.repeat(pad)}`);
    expect(text.slice(65_535, 65_537)).toBe('\r\n');
    text += row(++n, 'FR');
    const { rows, bad } = await customersOf(text);
    expect(bad).toEqual([]);
    expect(rows.length).toBe(n);
    expect(rows.every((r) => r.country === 'FR')).toBe(true);
  });

  it('refuses a wrong header', async () => {
    await expect(customersOf('id,nom,email,city,country\n')).rejects.toThrow(
      /line 1: expected the columns id,name,email,city,country/,
    );
  });

  it('reads records cut by the 64 KB chunks whole, multi-byte characters included', async () => {
    // ~4.6 MB: every record boundary and character position falls on some chunk boundary.
    const names = ['Zoé Müller', 'Łukasz Żółw', '李小龙', 'Ana 🙂 Sousa', 'Ørjan Æbelø'];
    const expected: Customer[] = [];
    const lines = [HEADER];
    for (let i = 1; i <= 60_000; i++) {
      const name = `${names[i % names.length]} ${'é'.repeat(i % 7)}`;
      const city = i % 3 === 0 ? 'Aix, Provence' : 'Köln';
      expected.push({
        id: `CUS-${String(i).padStart(6, '0')}`,
        name,
        email: `c${i}@x.fr`,
        city,
        country: 'FR',
      });
      lines.push(
        `CUS-${String(i).padStart(6, '0')},${name},c${i}@x.fr,${i % 3 === 0 ? `"${city}"` : city},FR`,
      );
    }
    const { rows, bad } = await customersOf(`${lines.join('\n')}\n`);
    expect(bad).toEqual([]);
    expect(rows.length).toBe(expected.length);
    expect(rows).toEqual(expected);
  });
});

describe('readOrders', () => {
  it('gives the same rows one at a time as in chunks, bad ones with their line', async () => {
    const seed = await mkdtemp(join(dir, 'orders-'));
    const lines = ['id,product_id,customer_id,quantity,unit_price,sold_at'];
    for (let i = 1; i <= 5_000; i++)
      lines.push(
        i % 1000 === 0
          ? `ORD-${i},PRD-00001,CUS-000001,zero,1.00,2026-01-01T00:00:00Z`
          : `ORD-${i},PRD-00001,CUS-000001,${1 + (i % 3)},19.99,2026-01-01T00:00:00.000Z`,
      );
    await writeFile(join(seed, 'orders.csv'), lines.join('\n'));
    const single = [];
    for await (const r of readOrders(seed)) single.push(r);
    const chunked = [];
    for await (const rows of readOrderChunks(seed)) chunked.push(...rows);
    expect(chunked).toEqual(single);
    expect(single.filter((r) => r.ok).length).toBe(4_995);
    expect(single.filter((r) => !r.ok).map((r) => r.line)).toEqual([1001, 2001, 3001, 4001, 5001]);
    const first = single[0]!;
    expect(first.ok && first.row).toEqual({
      id: 'ORD-1',
      product_id: 'PRD-00001',
      customer_id: 'CUS-000001',
      quantity: 2,
      unit_price_cents: 1999,
      sold_at: '2026-01-01T00:00:00.000Z',
    });
  });
});

describe('one definition of a valid order (domain/order-rules.ts)', () => {
  const tomorrowPlus = new Date(Date.now() + 3 * 86_400_000).toISOString();
  const good = {
    id: 'ORD-00000001',
    product_id: 'PRD-00001',
    customer_id: 'CUS-000001',
    quantity: '2',
    unit_price: '19.99',
    sold_at: '2025-03-14T09:26:53.000Z',
  };
  // Each case changes one field, as text (CSV) and as the JSON a producer would send.
  const cases: [string, Partial<typeof good>, unknown][] = [
    ['a valid order', {}, undefined],
    [
      'an impossible date (Date.parse rolls it over to March 2)',
      { sold_at: '2025-02-30T10:00:00.000Z' },
      undefined,
    ],
    ['a date with an offset', { sold_at: '2025-03-14T10:26:53+01:00' }, undefined],
    ['a date far in the future', { sold_at: tomorrowPlus }, undefined],
    ['a leap day', { sold_at: '2024-02-29T12:00:00Z' }, undefined],
    ['a negative quantity', { quantity: '-2' }, -2],
    ['a zero quantity', { quantity: '0' }, 0],
    ['a fractional quantity', { quantity: '1.5' }, 1.5],
    ['a quantity beyond the cap', { quantity: '2147483648' }, 2_147_483_648],
    ['the largest quantity', { quantity: '2147483647' }, 2_147_483_647],
    ['a price that is not a number', { unit_price: 'abc' }, undefined],
    ['a negative price', { unit_price: '-1.00' }, undefined],
    ['a price with 3 decimals', { unit_price: '1.999' }, undefined],
    ['a price beyond the cap', { unit_price: '10000000000.00' }, undefined],
    ['a malformed customer id', { customer_id: 'C1' }, undefined],
  ];

  it('the CSV reader and the bus decoder give the same verdict and reason for each order', async () => {
    const { decodeOrderEvent } = await import('../domain/event-decoding.ts');
    const seed = await mkdtemp(join(dir, 'agree-'));
    const rows = cases.map(([, patch]) => ({ ...good, ...patch }));
    await writeFile(
      join(seed, 'orders.csv'),
      `id,product_id,customer_id,quantity,unit_price,sold_at\n${rows.map((r) => Object.values(r).join(',')).join('\n')}\n`,
    );
    const fromCsv: { ok: boolean; reason?: string }[] = [];
    for await (const r of readOrders(seed))
      fromCsv.push(r.ok ? { ok: true } : { ok: false, reason: r.reason });
    const fromBus = rows.map((r, i) => {
      const json = cases[i]![2];
      const decoded = decodeOrderEvent(
        JSON.stringify({
          event_id: 'e',
          event_type: 'order_created',
          schema_version: 1,
          timestamp: '2026-01-01T00:00:00.000Z',
          order: { ...r, quantity: json ?? Number(r.quantity), unit_price: r.unit_price },
        }),
      );
      return decoded.ok ? { ok: true } : { ok: false, reason: decoded.reason };
    });
    const label = (v: { ok: boolean; reason?: string }[]) =>
      v.map((x, i) => `${cases[i]![0]}: ${x.ok ? 'accepted' : x.reason}`);
    expect(label(fromCsv)).toEqual(label(fromBus));
    // Both verdicts occur, and the CSV reader no longer takes 2025-02-30 (issue 16).
    expect(fromCsv.filter((v) => v.ok)).toHaveLength(3);
    expect(fromCsv[1]).toEqual({ ok: false, reason: 'invalid_value' });
  });
});

describe('readProducts: supplier and cost columns', () => {
  const OLD_HEADER = 'id,product_name,category,price,stock_quantity';
  const NEW_HEADER = `${OLD_HEADER},supplier_id,supplier_name,supplier_country,supplier_shipping_days,supplier_cost,shipping_cost`;

  async function productsOf(text: string): Promise<{ rows: Product[]; bad: BadRow[] }> {
    const seed = await mkdtemp(join(dir, 'inventory-'));
    await writeFile(join(seed, 'inventory.csv'), text);
    const rows: Product[] = [];
    const bad: BadRow[] = [];
    for await (const p of readProducts(seed, (b) => bad.push(b))) rows.push(p);
    return { rows, bad };
  }

  it('reads back what the generator writes, suppliers and costs included', async () => {
    const generated = [...generateProducts(300, 7)];
    const { rows, bad } = await productsOf(NEW_HEADER + '\n' + generated.map(productCsv).join(''));
    expect(bad).toEqual([]);
    expect(rows).toEqual(generated);
    expect(rows.every((p) => p.supply)).toBe(true);
  });

  it('loads an inventory file from before costs existed: costs unknown (null), the rest as before', async () => {
    const { rows, bad } = await productsOf(
      `${OLD_HEADER}\nPRD-00001,Classic Tee - Black,T-Shirts,19.99,12\n`,
    );
    expect(bad).toEqual([]);
    expect(rows).toEqual([
      {
        id: 'PRD-00001',
        product_name: 'Classic Tee - Black',
        category: 'T-Shirts',
        price_cents: 1999,
        stock_quantity: 12,
        supply: null,
      },
    ]);
  });

  it('takes a row with every supply field empty as unknown costs; a half-filled or bad one is a bad row', async () => {
    const { rows, bad } = await productsOf(
      `${NEW_HEADER}\n` +
        'PRD-00001,Tee,T-Shirts,19.99,12,,,,,,\n' +
        'PRD-00002,Tee,T-Shirts,19.99,12,SUP-001,Guangzhou Apparel Co.,China,12,,3.10\n' +
        'PRD-00003,Tee,T-Shirts,19.99,12,SUP-001,Guangzhou Apparel Co.,China,12,5.2.1,3.10\n' +
        'PRD-00004,Tee,T-Shirts,19.99,12,SUP-001,"Guangzhou Apparel Co.",China,12,5.20,3.10\n',
    );
    expect(rows.map((p) => [p.id, p.supply?.supplier_cost_cents ?? null])).toEqual([
      ['PRD-00001', null],
      ['PRD-00004', 520],
    ]);
    expect(bad.map((b) => [b.line, b.problem])).toEqual([
      [3, 'supplier_cost "" is not an amount like 7.45'],
      [4, 'supplier_cost "5.2.1" is not an amount like 7.45'],
    ]);
  });

  it('refuses a header with only some of the supply columns, naming them', async () => {
    const read = productsOf(
      `${OLD_HEADER},supplier_id,supplier_cost\nPRD-00001,T,T,1.00,1,SUP-001,1\n`,
    );
    await expect(read).rejects.toThrow(PipelineError);
    await expect(read).rejects.toThrow(
      /line 1: after .* expected all of supplier_id,supplier_name/,
    );
  });
});

describe('buildManifestFromFiles: margin totals', () => {
  it('equals the generator’s to the cent; with an inventory file from before costs, claims no margin', async () => {
    const seed = await mkdtemp(join(dir, 'manifest-'));
    const { manifest: generated } = await generateSeedFiles({
      customers: 50,
      products: 40,
      orders: 3_000,
      seed: 11,
      start: new Date('2025-01-01T00:00:00Z'),
      end: new Date('2025-03-31T00:00:00Z'),
      outputDir: seed,
    });
    expect(generated.totals.margin).toMatchObject({
      supplier_cost_cents: expect.any(Number),
      gross_margin_cents:
        generated.totals.revenue_cents -
        generated.totals.margin!.supplier_cost_cents -
        generated.totals.margin!.shipping_cost_cents,
    });
    expect(generated.totals.margin!.supplier_cost_cents).toBeGreaterThan(0);
    const built = await buildManifestFromFiles(seed, () => undefined);
    // The user's own files are the three CSVs, without lifecycle steps: the gross margin is
    // the generator's to the cent, and no net margin is claimed.
    const {
      net_margin: _net,
      net_margin_cents: _netCents,
      returned_shipping_cost: _returned,
      returned_shipping_cost_cents: _returnedCents,
      ...gross
    } = generated.totals.margin!;
    expect(_netCents).toBeTypeOf('number');
    expect(built.totals.margin).toEqual(gross);

    // The same catalogue without its supply columns: revenue unchanged, margin unknown.
    const path = join(seed, 'inventory.csv');
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    await writeFile(path, lines.map((l) => l.split(',').slice(0, 5).join(',')).join('\n') + '\n');
    const old = await buildManifestFromFiles(seed, () => undefined);
    expect(old.totals.revenue_cents).toBe(generated.totals.revenue_cents);
    expect(old.totals.margin).toBeNull();
  });
});

describe('replayedLifecycleChunks', () => {
  it('places each bad record among the steps at its `after`, across the reader’s chunks', async () => {
    const seed = await mkdtemp(join(dir, 'lifecycle-'));
    const steps = 5000; // ~250 KB: several 64 KB chunks of the CSV reader
    const rows = ['order_id,event_type,at,supplier_id,tracking_id,reason'];
    for (let i = 1; i <= steps; i++)
      rows.push(`ORD-${String(i).padStart(8, '0')},order_paid,2025-03-01T10:00:00.000Z,,,`);
    await writeFile(join(seed, 'order_events.csv'), rows.join('\n') + '\n');
    // Before the first step, two at one place, one at every 997th step, one after the last.
    const afters = [0, 7, 7, ...Array.from({ length: 5 }, (_, k) => (k + 1) * 997), steps];
    const bad = afters.map((after, n) => ({
      after,
      key: `ORD-BAD-${n}`,
      value: 'not json',
      kind: 'not_json',
      reason: 'invalid_json',
      stage: 'ingest',
    }));
    await writeFile(join(seed, 'bad_events.jsonl'), bad.map((b) => JSON.stringify(b)).join('\n'));
    const published: string[] = [];
    for await (const chunk of replayedLifecycleChunks(seed))
      for (const r of chunk)
        published.push(isBadEvent(r) ? r.key : r.ok ? r.row.order_id : `bad row ${r.line}`);
    // The definition: a bad record goes out once `after` steps are out.
    const expected: string[] = [];
    for (let i = 0; i <= steps; i++) {
      bad.filter((b) => b.after === i).forEach((b) => expected.push(b.key));
      if (i < steps) expected.push(`ORD-${String(i + 1).padStart(8, '0')}`);
    }
    expect(published).toEqual(expected);
    expect(published.indexOf('ORD-BAD-3')).toBe(997 + 3);
  });
});
