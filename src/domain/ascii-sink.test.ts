import { describe, expect, it } from 'vitest';
import { AsciiSink } from './ascii-sink.ts';
import { centsToDecimal } from './entities.ts';

function written(write: (s: AsciiSink) => void): string {
  const sink = new AsciiSink(new Uint8Array(256));
  write(sink);
  return sink.textSince();
}

describe('AsciiSink', () => {
  it('writes integers as String() does', () => {
    for (const n of [0, 7, 9, 10, 99, 100, 12345, 100_000_000, 2 ** 40])
      expect(written((s) => s.int(n))).toBe(String(n));
  });

  it('writes cents as centsToDecimal does, negative ones included', () => {
    for (const c of [0, 5, 10, 99, 100, 1234, 1_000_000_07, -5, -1234])
      expect(written((s) => s.cents(c))).toBe(centsToDecimal(c));
  });

  it('writes timestamps as toISOString does, across days and years', () => {
    const times = [
      0,
      999,
      86_399_999,
      Date.UTC(2024, 1, 29, 23, 59, 59, 7),
      Date.UTC(2025, 11, 31, 12, 0, 0, 450),
    ];
    for (const ms of times) expect(written((s) => s.iso(ms))).toBe(new Date(ms).toISOString());
  });

  it('gives back what was written since a position', () => {
    const sink = new AsciiSink(new Uint8Array(64));
    sink.text('ORD-1,');
    const from = sink.pos;
    sink.text('PRD-2');
    sink.byte(10);
    expect(sink.textSince(from)).toBe('PRD-2\n');
    expect(sink.textSince()).toBe('ORD-1,PRD-2\n');
  });
});
