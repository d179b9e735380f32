/**
 * Warehouse rows → JSON values. Drivers disagree on types (DuckDB gives BIGINT and DECIMAL as
 * strings and TIMESTAMP as "2025-03-14 09:26:53"; Snowflake gives numbers, Dates and upper-case
 * column names), so every value read by the dashboard goes through these.
 */

/** Row keys in lower case (Snowflake upper-cases unquoted aliases). */
export function lowerKeys(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) out[key.toLowerCase()] = value;
  return out;
}

export function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  const n = typeof value === 'bigint' ? Number(value) : Number(value);
  return Number.isFinite(n) ? n : 0;
}

/** Money: a JSON number rounded to the cent. */
export function toMoney(value: unknown): number {
  return Math.round(toNumber(value) * 100) / 100;
}

/** A warehouse timestamp (UTC, without zone) → ISO-8601 with `Z`, or null. */
export function toIso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  const text = String(value).trim();
  if (text === '') return null;
  const zoned = /[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text.replace(' ', 'T')}Z`;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** A warehouse DATE → `YYYY-MM-DD`. */
export function toDay(value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value).slice(0, 10);
}

export function toText(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
