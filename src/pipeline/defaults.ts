/** What `dropship run` generates when data/seed is empty: the seed's `make generate-data`. */
export const GENERATE_DEFAULTS_FOR_RUN = {
  customers: 1000,
  products: 200,
  orders: 5000,
  seed: 42,
  start: new Date(Date.UTC(2025, 0, 1)),
  end: new Date(Date.UTC(2025, 11, 31)),
} as const;
