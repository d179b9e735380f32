/**
 * Messy data on purpose (`generate --late-ratio --duplicate-ratio --bad-ratio`): applied to
 * the rows the generator has already drawn, so the orders and their lifecycles are those of
 * the same seed without knobs, and only their delivery changes. Drawn from a random stream of
 * its own: with every knob at 0 nothing here runs and the files are what they always were.
 *
 * - late: a lifecycle step that a later step of its order follows (paid, shipped, a delivered
 *   that is returned, a paid that is cancelled) is, with probability `late`, held back and
 *   written after that later step, 1 to LATE_MAX_DISTANCE rows of order_events.csv further
 *   (after the later step's own place). Never before its order_created: a replay publishes
 *   every creation before the first step (a step before its creation is quarantined as
 *   unknown_order, which is not lateness but a lost order).
 * - duplicate: a row of orders.csv or order_events.csv is, with probability `duplicate`,
 *   written a second time, 1 to DUPLICATE_MAX_DISTANCE rows after the first: the same event
 *   id and the same order or step (a creation's envelope timestamp is its publication time,
 *   like every replayed creation's).
 * - bad: after each order, with probability `bad`, one invalid record of the bad-input kinds
 *   (test/fixtures/bad-input/bus.json) goes to bad_events.jsonl, to be published among the
 *   lifecycle steps (BadEventLine.after). All but one kind are refused by the ingest (never in
 *   RAW); a step of an unknown order is stored in RAW and quarantined by the task.
 */
import type { RejectReason } from '../domain/order-rules.ts';
import { eventIdFor } from '../domain/event.ts';
import { MinHeap } from './min-heap.ts';
import { Random } from './random.ts';
import { RandomStreams } from './reference-data.ts';

export interface MessyKnobs {
  late: number;
  duplicate: number;
  bad: number;
}

export const NO_MESS: MessyKnobs = { late: 0, duplicate: 0, bad: 0 };

/** Each knob is a probability in [0, MAX_RATIO]: above half, the data would be mostly mess. */
export const MAX_RATIO = 0.5;
/** How far (rows of order_events.csv) a late step lands after the step that overtakes it. */
export const LATE_MAX_DISTANCE = 5_000;
/** How far (rows of the same file) a duplicate lands after its first copy. */
export const DUPLICATE_MAX_DISTANCE = 5_000;

export function hasMess(k: MessyKnobs): boolean {
  return k.late > 0 || k.duplicate > 0 || k.bad > 0;
}

/**
 * One line of bad_events.jsonl: the record to publish (`key`, `value` exactly as text, which
 * need not be JSON), where (`after`: once that many rows of order_events.csv are published),
 * and what it is (`kind`, and the dead letter's `reason` and `stage` it must end as).
 */
export interface BadEventLine {
  after: number;
  key: string;
  value: string;
  kind: string;
  reason: RejectReason;
  stage: 'ingest' | 'task';
}

/** A row waiting to be written: after the row of ordinal `at` (ties: in order of arrival). */
interface Held {
  at: number;
  seq: number;
  text: string;
}

/**
 * Rows of one file, some written later than their place (a binary heap by `at`): memory is
 * bounded by the rows in flight, ratio × distance, never the file.
 */
class HeldRows {
  private readonly heap = new MinHeap<Held>(before);
  private seq = 0;

  get size(): number {
    return this.heap.size;
  }

  hold(at: number, text: string): void {
    this.heap.push({ at, seq: this.seq++, text });
  }

  /** The held rows due before the row of ordinal `ordinal` (all with Infinity), in order. */
  due(ordinal: number): string[] {
    const out: string[] = [];
    for (
      let top = this.heap.peek();
      top !== undefined && top.at < ordinal;
      top = this.heap.peek()
    ) {
      out.push(top.text);
      this.heap.pop();
    }
    return out;
  }
}

function before(a: Held, b: Held): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Text and row count to append to a file. */
export interface RowsOut {
  text: string;
  rows: number;
}

/** What the knobs did, for the manifest (counted as the rows are written). */
export interface MessyCounts {
  lateEvents: number;
  duplicateCreations: number;
  duplicateSteps: number;
  badEvents: number;
  badByReason: Partial<Record<RejectReason, number>>;
  /** Bad events the ingest stores in RAW (the task quarantines them). */
  badInRaw: number;
}

/** The bad kinds generated, each the same fault as a kind of the bad-input corpus. */
type BadKind = (id: string, at: string) => Omit<BadEventLine, 'after'>;

function createdJson(id: string, at: string, order: Record<string, unknown> = {}): string {
  return JSON.stringify({
    event_id: eventIdFor('order_created', id),
    event_type: 'order_created',
    schema_version: 1,
    timestamp: at,
    order: {
      id,
      product_id: 'PRD-00001',
      customer_id: 'CUS-000001',
      quantity: 1,
      unit_price: 19.99,
      sold_at: at,
      ...order,
    },
  });
}

/** A kind refused by the ingest (stage `ingest`), keyed by its order id unless said. */
const refused =
  (
    kind: string,
    reason: RejectReason,
    value: (id: string, at: string) => string,
    key = (id: string) => id,
  ): BadKind =>
  (id, at) => ({ kind, key: key(id), value: value(id, at), reason, stage: 'ingest' });

function stepJson(
  type: string,
  id: string,
  at: string,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    event_id: eventIdFor(type, id),
    event_type: type,
    schema_version: 1,
    timestamp: at,
    order: { id },
    ...extra,
  });
}

function withoutCustomer(id: string, at: string): string {
  const event = JSON.parse(createdJson(id, at)) as { order: Record<string, unknown> };
  delete event.order.customer_id;
  return JSON.stringify(event);
}

const BAD_KINDS: readonly BadKind[] = [
  refused('not JSON', 'invalid_json', (id) => `{"order": "${id}", oops`),
  refused('empty value', 'invalid_json', () => ''),
  refused('JSON array', 'invalid_shape', (id) => `["${id}", 1, 2]`),
  refused('missing field (customer_id)', 'invalid_shape', withoutCustomer),
  refused('wrong type (quantity "2")', 'invalid_shape', (id, at) =>
    createdJson(id, at, { quantity: '2' }),
  ),
  refused('negative quantity', 'invalid_value', (id, at) => createdJson(id, at, { quantity: -2 })),
  refused('impossible date (2025-02-30)', 'invalid_value', (id, at) =>
    createdJson(id, at, { sold_at: '2025-02-30T10:00:00.000Z' }),
  ),
  refused('unknown event type', 'unknown_event_type', (id, at) =>
    createdJson(id, at).replace('"order_created"', '"order_deleted"'),
  ),
  refused('future schema version (2)', 'unsupported_schema_version', (id, at) =>
    createdJson(id, at).replace('"schema_version":1', '"schema_version":2'),
  ),
  refused('key ≠ order id', 'key_mismatch', createdJson, (id) => `${id}-K`),
  refused('return without a valid reason', 'invalid_value', (id, at) =>
    stepJson('order_returned', id, at, { reason: 'changed_mind' }),
  ),
  // Valid at the ingest (stored in RAW); the task finds no such order in PROD.
  (id, at) => ({
    kind: 'step of an unknown order',
    key: id,
    value: stepJson('order_paid', id, at),
    reason: 'unknown_order',
    stage: 'task',
  }),
];

/** The number of bad kinds (each bad event is one of them, drawn uniformly). */
export const BAD_KIND_COUNT = BAD_KINDS.length;

/** Order ids of the bad events: never those of a generated order (`ORD-` + 8 digits) nor live (`ORD-L…`). */
export const BAD_ORDER_PREFIX = 'ORD-BAD-';

/** Applies the knobs to the generator's rows, file by file, in the order they are generated. */
export class MessyData {
  private readonly random: Random;
  private readonly heldOrders = new HeldRows();
  private readonly heldSteps = new HeldRows();
  private orderOrdinal = 0;
  private stepOrdinal = 0;
  readonly counts: MessyCounts = {
    lateEvents: 0,
    duplicateCreations: 0,
    duplicateSteps: 0,
    badEvents: 0,
    badByReason: {},
    badInRaw: 0,
  };

  constructor(
    seed: number,
    readonly knobs: MessyKnobs,
  ) {
    this.random = new Random(seed, RandomStreams.messyData);
  }

  /** orders.csv: the row of the next order (one line, its newline included), and held rows due. */
  orderRows(line: string): RowsOut {
    const o = this.orderOrdinal++;
    const due = this.heldOrders.due(o);
    if (this.knobs.duplicate > 0 && this.random.next() < this.knobs.duplicate) {
      this.heldOrders.hold(o + this.random.int(1, DUPLICATE_MAX_DISTANCE), line);
      this.counts.duplicateCreations++;
    }
    return { text: due.join('') + line, rows: due.length + 1 };
  }

  /**
   * order_events.csv: the steps of the next order (its rows in time order, each ending with a
   * newline, as LifecycleSimulator writes them), and held rows due.
   */
  stepRows(steps: string, count: number): RowsOut {
    const lines = count === 0 ? [] : steps.slice(0, -1).split('\n');
    const n = lines.length;
    const first = this.stepOrdinal;
    this.stepOrdinal += n;
    // From the last step back: a late step lands after the (possibly late) step that follows it.
    const at = new Array<number>(n);
    for (let i = n - 1; i >= 0; i--) {
      at[i] = first + i;
      if (i < n - 1 && this.knobs.late > 0 && this.random.next() < this.knobs.late) {
        at[i] = at[i + 1]! + this.random.int(1, LATE_MAX_DISTANCE);
        this.counts.lateEvents++;
      }
    }
    let text = '';
    let rows = 0;
    for (let i = 0; i < n; i++) {
      const line = `${lines[i]}\n`;
      const due = this.heldSteps.due(first + i);
      text += due.join('');
      rows += due.length;
      if (at[i] === first + i) {
        text += line;
        rows++;
      } else this.heldSteps.hold(at[i]!, line);
      if (this.knobs.duplicate > 0 && this.random.next() < this.knobs.duplicate) {
        this.heldSteps.hold(at[i]! + this.random.int(1, DUPLICATE_MAX_DISTANCE), line);
        this.counts.duplicateSteps++;
      }
    }
    return { text, rows };
  }

  /** A bad event after this order, or null; `after`: rows of order_events.csv written so far. */
  badEvent(soldAt: string, after: number): BadEventLine | null {
    if (this.knobs.bad === 0 || this.random.next() >= this.knobs.bad) return null;
    const n = ++this.counts.badEvents;
    const id = `${BAD_ORDER_PREFIX}${String(n).padStart(8, '0')}`;
    const bad = {
      after,
      ...BAD_KINDS[Math.floor(this.random.next() * BAD_KINDS.length)]!(id, soldAt),
    };
    this.counts.badByReason[bad.reason] = (this.counts.badByReason[bad.reason] ?? 0) + 1;
    if (bad.stage === 'task') this.counts.badInRaw++;
    return bad;
  }

  /** The rows still held at the end of the files, in order. */
  remainingOrders(): RowsOut {
    const due = this.heldOrders.due(Number.POSITIVE_INFINITY);
    return { text: due.join(''), rows: due.length };
  }

  remainingSteps(): RowsOut {
    const due = this.heldSteps.due(Number.POSITIVE_INFINITY);
    return { text: due.join(''), rows: due.length };
  }
}

/** One line of bad_events.jsonl (the file's format: README, Data). */
export function badEventJsonl(line: BadEventLine): string {
  return JSON.stringify(line) + '\n';
}
