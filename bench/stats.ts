/** Small helpers shared by the benchmark sections. */

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A whole number with thousands separators (1,234,567). */
export const count = (n: number) => new Intl.NumberFormat('en-US').format(Math.round(n));
