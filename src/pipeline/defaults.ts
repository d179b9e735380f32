/**
 * The seed's `make generate-data`: the defaults of `dropship generate`, and what `dropship run`
 * generates when data/seed is empty. Dates are UTC days (YYYY-MM-DD), both inclusive.
 */
export const SEED_DEFAULTS = {
  customers: 1000,
  products: 200,
  orders: 5000,
  seed: 42,
  start: '2025-01-01',
  end: '2025-12-31',
} as const;

/** `2025-01-01` → that day at 00:00 UTC. */
export function utcDay(day: string): Date {
  return new Date(`${day}T00:00:00.000Z`);
}
