/**
 * The producer's partitioner (@platformatic/kafka's compatibilityPartitioner, then modulo the
 * partition count) must put every key where Kafka's Java clients and kafkajs put it: checked
 * against Kafka's own test vectors (UtilsTest) and kafkajs's implementation. On a real broker,
 * test/kafka-bus.test.ts checks the partitions the records land on.
 */
import { createRequire } from 'node:module';
import { compatibilityPartitioner } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';

/** The partitioner's value for a key: Java's murmur2 with the sign bit cleared. */
const positiveHash = (key: Buffer) => compatibilityPartitioner({ topic: 't' }, key);

const kafkajsMurmur2 = createRequire(import.meta.url)(
  'kafkajs/src/producer/partitioners/default/murmur2.js',
) as (key: string | Buffer) => number;

/** A deterministic mix of order ids, random bytes, non-ASCII text and long keys. */
function* keys(n: number): Generator<string | Buffer> {
  let s = 12345;
  const next = (max: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s % max;
  };
  const alphabet = 'abcXYZ0123-_éß€😀中';
  for (let i = 0; i < n; i++) {
    if (i % 4 === 0) yield `ORD-${String(next(1e8)).padStart(8, '0')}`;
    else if (i % 4 === 1) yield Buffer.from(Array.from({ length: next(40) }, () => next(256)));
    else if (i % 4 === 2)
      yield Array.from({ length: next(30) }, () => [...alphabet][next(alphabet.length - 2)]).join(
        '',
      );
    else yield Array.from({ length: next(300) }, () => String.fromCharCode(32 + next(95))).join('');
  }
}

describe('Kafka key partitioning', () => {
  it("gives Kafka's murmur2 values (org.apache.kafka.common.utils.UtilsTest)", () => {
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of vectors)
      expect(positiveHash(Buffer.from(key))).toBe(hash & 0x7fffffff);
  });

  it('agrees with kafkajs on hashes and partitions for 20,000 varied keys', () => {
    let checked = 0;
    for (const key of keys(20_000)) {
      const hash = kafkajsMurmur2(key);
      const ours = positiveHash(typeof key === 'string' ? Buffer.from(key) : key);
      for (const partitions of [1, 3, 7, 12])
        expect(ours % partitions).toBe((hash & 0x7fffffff) % partitions);
      checked++;
    }
    expect(checked).toBe(20_000);
  });
});
