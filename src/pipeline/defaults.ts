/**
 * The seed's `make generate-data`: the defaults of `dropship generate`, and what `dropship run`
 * generates when data/seed is empty. Dates are UTC days (YYYY-MM-DD), both inclusive.
 */

/**
 * The default period: the year that ends yesterday (UTC). It ends at the present so a fresh
 * `npm start` has sales in the dashboard's "sold in the last 24 h"; it ends with the last
 * whole day so no order is sold in the future. The manifest records the days used, and the
 * same `--start`/`--end` always give the same bytes.
 */
export function defaultPeriod(now: Date = new Date()): { start: string; end: string } {
  const end = new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - DAY_MS,
  );
  return { start: dayOf(yearEndingOn(end)), end: dayOf(end) };
}

/** The first day of the year that ends on `end` (both days included): 2025-12-31 → 2025-01-01. */
export function yearEndingOn(end: Date): Date {
  // One calendar year back from the day after: 2024-02-29 → 2023-03-01.
  const next = new Date(end.getTime() + DAY_MS);
  return new Date(Date.UTC(next.getUTCFullYear() - 1, next.getUTCMonth(), next.getUTCDate()));
}

const DAY_MS = 86_400_000;
const dayOf = (date: Date) => date.toISOString().slice(0, 10);

export const SEED_DEFAULTS = {
  customers: 1000,
  products: 200,
  orders: 5000,
  seed: 42,
  ...defaultPeriod(),
} as const;

/** `2025-01-01` → that day at 00:00 UTC. */
export function utcDay(day: string): Date {
  return new Date(`${day}T00:00:00.000Z`);
}
