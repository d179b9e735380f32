import { describe, expect, it } from 'vitest';
import { formatCount, plural } from './values.ts';

describe('formatCount (the one count formatter: CLI progress and validation)', () => {
  it('groups thousands with commas and rounds to a whole count', () => {
    const table: [number, string][] = [
      [0, '0'],
      [999, '999'],
      [1000, '1,000'],
      [12345, '12,345'],
      [1234567, '1,234,567'],
      [-4500, '-4,500'],
      [1234.6, '1,235'],
      [0.12345, '0'],
    ];
    for (const [n, text] of table) expect(formatCount(n), String(n)).toBe(text);
  });

  it('is what plural() counts with', () => {
    expect(plural(12345, 'null')).toBe('12,345 nulls');
    expect(plural(1, 'null')).toBe('1 null');
  });
});
