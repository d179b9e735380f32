/**
 * duplicates: PROD must hold each order once (FAIL otherwise). RAW may hold an order's event
 * more than once (the producer replayed the file, the bus redelivered): that is expected and
 * the task dedupes it, so it is counted and reported as a WARN. The same bus record
 * (topic, partition, offset) stored twice would mean the ingest's offset bookkeeping failed.
 */
import { count, formatCount, plural } from '../../domain/values.ts';
import { expectedDuplicates } from './messy-data.ts';
import { result, type Check } from './types.ts';

const NAME = 'duplicates';

export const duplicates: Check = {
  name: NAME,
  description:
    'PROD order ids are unique (FAIL); redelivered or replayed events in RAW are counted (WARN, the task dedupes them)',
  async run({ warehouse, manifest }) {
    const row = await warehouse.reads.duplicateCounts();
    const m = {
      prod_duplicate_ids: count(row.prod_duplicate_ids),
      prod_extra_rows: count(row.prod_extra_rows),
      raw_rows: count(row.raw_rows),
      raw_duplicate_event_ids: count(row.raw_duplicate_event_ids),
      raw_redundant_rows: count(row.raw_redundant_rows),
      raw_duplicate_bus_records: count(row.raw_duplicate_bus_records),
    };
    const rawNote =
      m.raw_redundant_rows > 0
        ? `RAW holds ${plural(m.raw_redundant_rows, 'redelivered or replayed event')} (${plural(m.raw_duplicate_event_ids, 'event id')} seen more than once${m.raw_duplicate_bus_records > 0 ? `, ${plural(m.raw_duplicate_bus_records, 'bus record')} stored twice` : ''})`
        : '';
    if (m.prod_duplicate_ids > 0) {
      return result(
        NAME,
        'FAIL',
        `PROD holds ${plural(m.prod_duplicate_ids, 'order id')} more than once (${formatCount(m.prod_extra_rows)} extra rows)${rawNote ? `; ${rawNote}` : ''}`,
        m,
      );
    }
    const injected = expectedDuplicates(manifest);
    if (
      m.raw_redundant_rows > 0 &&
      m.raw_redundant_rows === injected &&
      m.raw_duplicate_bus_records === 0
    )
      return result(
        NAME,
        'PASS',
        `PROD holds each order once; RAW holds ${plural(m.raw_redundant_rows, 'duplicated event')}, exactly those the manifest injected (--duplicate-ratio, see messy_data), which the task absorbs`,
        { ...m, manifest_duplicates: injected },
      );
    if (m.raw_redundant_rows > 0) {
      return result(
        NAME,
        'WARN',
        `${rawNote}; the task dedupes them, PROD holds each order once`,
        m,
      );
    }
    return result(
      NAME,
      'PASS',
      `PROD holds each order once; RAW holds each event once (${plural(m.raw_rows, 'row')})`,
      m,
    );
  },
};
