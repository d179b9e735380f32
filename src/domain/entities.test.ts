import { describe, expect, it } from 'vitest';
import { centsToDecimal, decimalToCents, entityId, ID_PATTERN } from './entities.ts';

describe('centsToDecimal', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [50, '0.50'],
    [100, '1.00'],
    [1234, '12.34'],
    [123456789, '1234567.89'],
    [-5, '-0.05'],
    [-1234, '-12.34'],
  ])('%i cents → "%s"', (cents, text) => {
    expect(centsToDecimal(cents)).toBe(text);
  });
});

describe('decimalToCents', () => {
  it.each([
    ['12.34', 1234],
    ['0.5', 50],
    ['0.05', 5],
    ['12', 1200],
    ['12.3', 1230],
    [' 7.10 ', 710],
    ['-0.05', -5],
    ['-12.34', -1234],
    [12.34, 1234],
    [0.5, 50],
    [54.99, 5499],
    [7, 700],
  ] as const)('%j → %i cents', (value, cents) => {
    expect(decimalToCents(value)).toBe(cents);
  });

  it.each(['1.234', 'abc', '', '1.', '.5', '1,50', '1e3', '12.34 EUR', '--1'])(
    'rejects %j with NaN',
    (value) => {
      expect(decimalToCents(value)).toBeNaN();
    },
  );

  it('rejects numbers with more than 2 decimals', () => {
    expect(decimalToCents(1.234)).toBeNaN();
  });

  it('round-trips every cent amount, negatives included', () => {
    let failures = 0;
    for (let cents = -100_000; cents <= 100_000; cents += 7) {
      const text = centsToDecimal(cents);
      if (!/^-?\d+\.\d\d$/.test(text) || decimalToCents(text) !== cents) failures += 1;
      // Through a JSON number too, the way events carry prices.
      if (cents !== 0 && decimalToCents(Number(text)) !== cents) failures += 1;
    }
    expect(failures).toBe(0);
    expect(decimalToCents(centsToDecimal(99_999_999_99))).toBe(99_999_999_99);
  });
});

describe('entityId', () => {
  it('prefixes and zero-pads each kind', () => {
    expect(entityId('customer', 1)).toBe('CUS-000001');
    expect(entityId('product', 42)).toBe('PRD-00042');
    expect(entityId('order', 123)).toBe('ORD-00000123');
  });

  it('keeps growing past the padding width instead of truncating', () => {
    expect(entityId('product', 1_234_567)).toBe('PRD-1234567');
  });

  it('produces ids that match ID_PATTERN, which rejects the other kinds', () => {
    expect(entityId('customer', 7)).toMatch(ID_PATTERN.customer);
    expect(entityId('product', 7)).toMatch(ID_PATTERN.product);
    expect(entityId('order', 7)).toMatch(ID_PATTERN.order);
    expect(entityId('product', 7)).not.toMatch(ID_PATTERN.customer);
    expect(entityId('customer', 7)).not.toMatch(ID_PATTERN.product);
    expect('CUS-12').not.toMatch(ID_PATTERN.customer);
    expect('ord-00000001').not.toMatch(ID_PATTERN.order);
  });
});
