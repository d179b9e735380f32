/**
 * The one definition of how values are read from the warehouse and written for people:
 * counts, money, timestamps and days, for the dashboard's API, validation, and the CLI.
 *
 * Reading: drivers disagree on types (DuckDB's JSON rows give BIGINT and DECIMAL as strings
 * and TIMESTAMP as `2025-03-14 09:26:53.123`, UTC without a zone; Snowflake gives numbers,
 * Dates and upper-case column names). A value that is none of the expected shapes is an
 * error naming it, never a silent 0 or null: a wrong figure on the dashboard or in a report
 * is worse than a clear failure. Money stays exact (integer cents, bigint) until it is shown.
 *
 * The dashboard's page (src/dashboard/static/format.js) only presents what the API gives
 * (euros rounded to the cent, ISO-8601 UTC) in the reader's locale and time zone.
 */

/** Row keys in lower case (Snowflake upper-cases unquoted aliases). */
export function lowerKeys(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) out[key.toLowerCase()] = value;
  return out;
}

/** A count or other integer from a row (`'42'`, `42`, `42n`, null → 0). */
export function count(value: unknown): number {
  if (value === null || value === undefined) return 0;
  const n = Number(value);
  if (!Number.isFinite(n))
    throw new Error(`expected a number from the warehouse, got ${JSON.stringify(value)}`);
  return n;
}

/** A decimal amount's sign, whole part and fraction digits (`'-12.345'` → `-`, 12, `345`). */
function decimalParts(value: unknown): { negative: boolean; whole: bigint; fraction: string } {
  // A JS number is read from its shortest round-trip text (68.17959183673469), and without
  // an exponent when it has one (1e-7 → 0.0000001…).
  let text = typeof value === 'string' ? value.trim() : String(value);
  if (typeof value === 'number' && /e-/.test(text)) text = value.toFixed(20);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match)
    throw new Error(`expected a decimal amount from the warehouse, got ${JSON.stringify(value)}`);
  return { negative: match[1] === '-', whole: BigInt(match[2]!), fraction: match[3] ?? '' };
}

/** An exact decimal (`'340897.94'`, `'-0.5'`, `12`) as integer cents; null → 0. Rejects more than 2 places unless they are zeros. */
export function cents(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  const { negative, whole, fraction } = decimalParts(value);
  if (/[1-9]/.test(fraction.slice(2)))
    throw new Error(`amount ${String(value).trim()} has more than 2 decimal places`);
  const abs = whole * 100n + BigInt(fraction.slice(0, 2).padEnd(2, '0'));
  return negative ? -abs : abs;
}

/**
 * An amount rounded to the cent, half away from zero (`'68.175'` → 6818n), for figures that
 * are not sums of prices (an average); null → 0.
 */
export function roundedCents(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  const { negative, whole, fraction } = decimalParts(value);
  const up = /^[5-9]/.test(fraction.slice(2)) ? 1n : 0n;
  const abs = whole * 100n + BigInt(fraction.slice(0, 2).padEnd(2, '0')) + up;
  return negative && abs !== 0n ? -abs : abs;
}

/** Money as a JSON number of euros, rounded to the cent (the dashboard's API). */
export function euros(value: unknown): number {
  return Number(roundedCents(value)) / 100;
}

/** `1234n` → `"12.34"`, `-5n` → `"-0.05"`. */
export function money(amount: bigint): string {
  const sign = amount < 0n ? '-' : '';
  const abs = amount < 0n ? -amount : amount;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** A warehouse TIMESTAMP holding UTC as an ISO-8601 string; null (or empty) stays null. */
export function isoTimestamp(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  const text = String(value).trim();
  if (text === '') return null;
  // `2025-03-14 09:26:53[.123456]` (no zone: the warehouse stores UTC).
  const match =
    /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(text);
  if (!match)
    throw new Error(`expected a timestamp from the warehouse, got ${JSON.stringify(value)}`);
  const ms = (match[3] ?? '').slice(0, 3).padEnd(3, '0');
  const zone = match[4] && match[4] !== 'Z' ? match[4] : 'Z';
  return new Date(`${match[1]}T${match[2]}.${ms}${zone}`).toISOString();
}

/** A warehouse DATE (or a timestamp's day) → `YYYY-MM-DD`. */
export function isoDay(value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  const match = /^\d{4}-\d{2}-\d{2}/.exec(String(value).trim());
  if (!match) throw new Error(`expected a date from the warehouse, got ${JSON.stringify(value)}`);
  return match[0];
}

/** Text from a row; null stays null. */
export function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** `93_000` → `"1 min 33 s"`: ages and thresholds for one-line explanations. */
export function humanDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)} ms`;
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['min', 60_000],
    ['s', 1000],
  ];
  const parts: string[] = [];
  let rest = Math.round(abs / 1000) * 1000;
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n} ${unit}`);
    rest -= n * size;
    if (parts.length === 2) break;
  }
  return (ms < 0 ? '-' : '') + parts.join(' ');
}

const COUNT_FORMAT = new Intl.NumberFormat('en-US');

/**
 * `12345` → `"12,345"`, rounded to a whole count (a rate such as 1234.6 events/s → `"1,235"`);
 * en-US whatever the machine's locale, so explanations and progress lines read the same
 * everywhere. The one count formatter: validation explanations and the CLI progress line.
 */
export function formatCount(n: number): string {
  return COUNT_FORMAT.format(Math.round(n));
}

/** `"3 nulls"` / `"1 null"`. */
export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : pluralWord}`;
}
