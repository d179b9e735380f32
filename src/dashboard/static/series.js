// @ts-check
// What the charts draw, computed from the API's figures: pure functions, no DOM, so the unit
// test (series.test.ts) runs them in Node and the page imports the same code.

export const DAY_S = 86_400;
/** Days drawn at most by the per-day chart (the most recent ones): ten years. */
export const MAX_DAYS = 3_660;

/**
 * Axis steps that are whole numbers (1, 2, 5, 10, 20, 50, …): a count never gets a 0.5 tick,
 * which the integer formatting would print as a second "1".
 * @type {number[]}
 */
export const INTEGER_INCRS = [1, 2, 5]
  .flatMap((m) => Array.from({ length: 10 }, (_, e) => m * 10 ** e))
  .sort((a, b) => a - b);

/** Steps of the per-day chart's time axis, in seconds: whole days, weeks, months, years. */
export const DAY_INCRS = [1, 2, 7, 14, 28, 56, 91, 182, 364, 728, 1820].map((d) => d * DAY_S);

/**
 * One point per calendar day from the first day with sales to the last: a day without sales
 * is a 0, so neither the bars nor the revenue line run across it as if it had sales. At most
 * MAX_DAYS (the latest ones), so the arrays stay bounded whatever the dates in PROD.
 * @param {import('../snapshot.ts').Timeseries['daily']} days days with sales, in order
 * @returns {[number[], number[], number[]]} [day start in epoch s (UTC), orders, revenue]
 */
export function dailySeries(days) {
  /** @type {[number[], number[], number[]]} */
  const series = [[], [], []];
  const first = days[0];
  const last = days.at(-1);
  if (!first || !last) return series;
  const epoch = (/** @type {string} */ day) => Date.parse(`${day}T00:00:00Z`) / 1000;
  const byDay = new Map(days.map((d) => [epoch(d.day), d]));
  const end = epoch(last.day);
  const start = Math.max(epoch(first.day), end - (MAX_DAYS - 1) * DAY_S);
  for (let t = start; t <= end; t += DAY_S) {
    const d = byDay.get(t);
    series[0].push(t);
    series[1].push(d ? d.orders : 0);
    series[2].push(d ? d.revenue : 0);
  }
  return series;
}
