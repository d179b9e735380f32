/**
 * dead_letters: events that could not become PROD rows (unreadable, wrong shape, bad values,
 * unknown customer or product) are kept in quarantine with their reason. They are accounted
 * for, not lost, so any is a WARN that lists the most frequent reasons.
 */
import { Tables as T } from '../../domain/tables.ts';
import { count, formatCount, plural } from '../../domain/values.ts';
import { result, type Check } from './types.ts';

const NAME = 'dead_letters';
const TOP = 5;

export const deadLetters: Check = {
  name: NAME,
  description:
    'events in quarantine, with the top 5 reasons (WARN when any: accounted for, not lost)',
  async run({ warehouse }) {
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
    const reasons = m.top_reasons.map((r) => `${r.reason} ${formatCount(r.count)}`).join(', ');
    return result(
      NAME,
      'WARN',
      `${plural(total, 'event')} in quarantine (${reasons}): accounted for with their reason, not lost; inspect ${T.quarantine}, fix the source and send them again`,
      m,
    );
  },
};
