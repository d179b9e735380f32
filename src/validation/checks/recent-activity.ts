/**
 * recent_activity: is data still arriving? The age of the last event ingested into RAW is
 * compared with FRESHNESS_THRESHOLD. Stale or empty RAW is a WARN (a pipeline may be
 * legitimately idle), not a FAIL. The moment of evaluation is a bound parameter.
 */
import { count, formatCount, humanDuration, isoTimestamp } from '../../domain/values.ts';
import { result, type Check } from './types.ts';

const NAME = 'recent_activity';

export const recentActivity: Check = {
  name: NAME,
  description:
    'age of the last event ingested into RAW vs FRESHNESS_THRESHOLD (WARN when stale or empty)',
  async run({ warehouse, config, now }) {
    const threshold = config.freshnessThresholdMs;
    const since = new Date(now.getTime() - threshold);
    const row = await warehouse.reads.recentActivity(since);
    const last = isoTimestamp(row.last_ingested_at);
    const m = {
      raw_rows: count(row.raw_rows),
      last_ingested_at: last,
      evaluated_at: now.toISOString(),
      age_ms: last === null ? null : now.getTime() - Date.parse(last),
      threshold_ms: threshold,
      rows_within_threshold: count(row.rows_within_threshold),
    };
    if (m.raw_rows === 0 || last === null || m.age_ms === null) {
      return result(
        NAME,
        'WARN',
        'RAW is empty: nothing has been ingested yet (start `dropship run`, or `produce` and `consume`)',
        m,
      );
    }
    const age = `last event ingested ${humanDuration(Math.max(0, m.age_ms))} ago (${last})`;
    if (m.rows_within_threshold === 0) {
      return result(
        NAME,
        'WARN',
        `stale: ${age}, older than the ${humanDuration(threshold)} threshold (FRESHNESS_THRESHOLD); is the consumer running?`,
        m,
      );
    }
    return result(
      NAME,
      'PASS',
      `${age}, within the ${humanDuration(threshold)} threshold; ${formatCount(m.rows_within_threshold)} events in that window`,
      m,
    );
  },
};
