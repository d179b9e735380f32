/**
 * dead_letters: events that could not become PROD rows (unreadable, wrong shape, bad values,
 * unknown customer or product) are kept in quarantine with their reason. They are accounted
 * for, not lost, so any is a WARN that lists the most frequent reasons.
 */
import { Tables as T } from '../../domain/tables.ts';
import { count, formatCount, plural } from '../../domain/values.ts';
import { expectedDeadLetters, sameReasons } from './messy-data.ts';
import { result, type Check } from './types.ts';

const NAME = 'dead_letters';
const TOP = 5;

export const deadLetters: Check = {
  name: NAME,
  description:
    'events in quarantine, with the top 5 reasons (WARN when any: accounted for, not lost)',
  async run({ warehouse, manifest }) {
    const byReason = await warehouse.reads.deadLettersByReason(TOP);
    const byStage = await warehouse.reads.deadLettersByStage();
    const stages = Object.fromEntries(byStage.map((r) => [String(r.stage), count(r.n)]));
    const total = Object.values(stages).reduce((a, b) => a + b, 0);
    const m = {
      quarantined: total,
      by_stage: stages,
      top_reasons: byReason.map((r) => ({ reason: String(r.reason), count: count(r.n) })),
    };
    if (total === 0) return result(NAME, 'PASS', 'no events in quarantine', m);
    const injected = expectedDeadLetters(manifest);
    if (Object.keys(injected).length > 0) {
      // Every reason, not the top 5: the bad records of the manifest must be all there is.
      const all = await warehouse.reads.deadLettersByReason(1000);
      const seen = Object.fromEntries(all.map((r) => [String(r.reason), count(r.n)]));
      if (sameReasons(seen, injected))
        return result(
          NAME,
          'PASS',
          `${plural(total, 'event')} in quarantine, exactly the bad records the manifest injected (--bad-ratio, see messy_data), reason by reason`,
          { ...m, manifest_dead_letters: injected },
        );
    }
    const reasons = m.top_reasons.map((r) => `${r.reason} ${formatCount(r.count)}`).join(', ');
    return result(
      NAME,
      'WARN',
      `${plural(total, 'event')} in quarantine (${reasons}): accounted for with their reason, not lost; inspect ${T.quarantine}, fix the source and send them again`,
      m,
    );
  },
};
