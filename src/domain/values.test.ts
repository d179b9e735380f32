/**
 * The one definition of values read from the warehouse and shown to people: a table per
 * function, with the shapes both drivers give (DuckDB strings, Snowflake numbers and Dates).
 * The dashboard's API and validation both read through these; the old copies disagreed
 * (the dashboard turned unreadable values into 0 and rounded money in floating point:
 * 1.005 → 1.00; validation read them exactly).
 */
import { describe, expect, it } from 'vitest';
import {
  cents,
  count,
  euros,
  formatCount,
  humanDuration,
  isoDay,
  isoTimestamp,
  money,
  plural,
  roundedCents,
} from './values.ts';

/** Runs `fn` over a table: a value → the expected result, or an Error whose message it must match. */
function table<T>(fn: (v: unknown) => T, rows: [unknown, T | RegExp][]) {
  for (const [input, expected] of rows) {
    const label =
      typeof input === 'bigint' ? `${input}n` : (JSON.stringify(input) ?? String(input));
    if (expected instanceof RegExp) expect(() => fn(input), label).toThrow(expected);
    else expect(fn(input), label).toEqual(expected);
  }
}

describe('reading warehouse values', () => {
  it('count', () => {
    table(count, [
      ['42', 42],
      [42, 42],
      [42n, 42],
      [null, 0],
      [undefined, 0],
      ['abc', /expected a number from the warehouse, got "abc"/],
      [Number.NaN, /expected a number/],
    ]);
  });

  it('cents: exact, more than 2 places refused', () => {
    table(cents, [
      ['340897.94', 34089794n],
      ['12.3400', 1234n],
      ['-0.5', -50n],
      [12, 1200n],
      [19.99, 1999n],
      [null, 0n],
      ['12.345', /more than 2 decimal places/],
      ['12,34', /expected a decimal amount from the warehouse, got "12,34"/],
    ]);
  });

  it('roundedCents and euros: half away from zero, in decimal', () => {
    table(roundedCents, [
      ['68.175', 6818n],
      ['68.17499', 6817n],
      ['-0.005', -1n],
      ['-0.004', 0n],
      [1.005, 101n],
      [68.17959183673469, 6818n],
      [1e-7, 0n],
      [null, 0n],
    ]);
    table(euros, [
      ['340897.94', 340897.94],
      [1.005, 1.01],
      ['0.125', 0.13],
      [null, 0],
      ['n/a', /expected a decimal amount/],
    ]);
  });

  it('isoTimestamp: UTC whatever the driver gives', () => {
    table(isoTimestamp, [
      ['2025-03-14 09:26:53', '2025-03-14T09:26:53.000Z'],
      ['2025-03-14 09:26:53.123456', '2025-03-14T09:26:53.123Z'],
      ['2025-03-14T09:26:53.1Z', '2025-03-14T09:26:53.100Z'],
      ['2025-03-14 10:26:53+01:00', '2025-03-14T09:26:53.000Z'],
      [new Date('2025-03-14T09:26:53.000Z'), '2025-03-14T09:26:53.000Z'],
      [null, null],
      ['', null],
      ['yesterday', /expected a timestamp from the warehouse, got "yesterday"/],
    ]);
  });

  it('isoDay', () => {
    table(isoDay, [
      ['2025-03-14', '2025-03-14'],
      ['2025-03-14 00:00:00', '2025-03-14'],
      [new Date('2025-03-14T00:00:00.000Z'), '2025-03-14'],
      ['14/03/2025', /expected a date from the warehouse/],
    ]);
  });
});

describe('writing values for people', () => {
  it('money', () => {
    const rows: [bigint, string][] = [
      [1234n, '12.34'],
      [-5n, '-0.05'],
      [0n, '0.00'],
      [34089794n, '340897.94'],
    ];
    for (const [amount, text] of rows) expect(money(amount)).toBe(text);
  });

  it('formatCount groups thousands with commas and rounds to a whole count', () => {
    const rows: [number, string][] = [
      [0, '0'],
      [999, '999'],
      [1000, '1,000'],
      [12345, '12,345'],
      [1234567, '1,234,567'],
      [-4500, '-4,500'],
      [1234.6, '1,235'],
      [0.12345, '0'],
    ];
    for (const [n, text] of rows) expect(formatCount(n), String(n)).toBe(text);
    expect(plural(12345, 'null')).toBe('12,345 nulls');
    expect(plural(1, 'null')).toBe('1 null');
  });

  it('humanDuration', () => {
    const rows: [number, string][] = [
      [250, '250 ms'],
      [93_000, '1 min 33 s'],
      [3_600_000, '1 h'],
      [90_061_000, '1 d 1 h'],
      [-5000, '-5 s'],
    ];
    for (const [ms, text] of rows) expect(humanDuration(ms), String(ms)).toBe(text);
  });
});
