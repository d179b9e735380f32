import { describe, expect, it } from 'vitest';
import { Random, WeightedPicker, zipfWeights } from './random.ts';

function draws(random: Random, n: number): number[] {
  return Array.from({ length: n }, () => random.uint32());
}

/** Pearson's chi-square statistic of observed counts against expected probabilities. */
function chiSquare(counts: readonly number[], probabilities: readonly number[], n: number): number {
  let x2 = 0;
  probabilities.forEach((p, i) => {
    const expected = p * n;
    x2 += (counts[i]! - expected) ** 2 / expected;
  });
  return x2;
}

describe('Random', () => {
  it('gives the same sequence for the same seed and stream', () => {
    expect(draws(new Random(42, 3), 1000)).toEqual(draws(new Random(42, 3), 1000));
  });

  it('gives different sequences for another seed or another stream', () => {
    const base = draws(new Random(42, 0), 100);
    expect(draws(new Random(43, 0), 100)).not.toEqual(base);
    expect(draws(new Random(42, 1), 100)).not.toEqual(base);
    // Streams are not shifted copies of each other either.
    const other = draws(new Random(42, 1), 100);
    const overlap = base.filter((v) => other.includes(v)).length;
    expect(overlap).toBeLessThan(3);
  });

  it('produces 32-bit unsigned integers and uniform floats in [0, 1)', () => {
    const random = new Random(7);
    let sum = 0;
    let min = 1;
    let max = 0;
    const n = 100_000;
    let badInts = 0;
    for (let i = 0; i < n; i++) {
      const u = random.uint32();
      if (!(Number.isInteger(u) && u >= 0 && u <= 0xffffffff)) badInts += 1;
      const x = random.next();
      sum += x;
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    expect(badInts).toBe(0);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / n).toBeCloseTo(0.5, 2);
  });

  it('int(min, max) is inclusive at both ends and never outside', () => {
    const random = new Random(1);
    const seen = new Map<number, number>();
    for (let i = 0; i < 20_000; i++) {
      const v = random.int(4, 9);
      seen.set(v, (seen.get(v) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual([4, 5, 6, 7, 8, 9]);
    for (const count of seen.values()) expect(count).toBeGreaterThan(20_000 / 6 / 1.2);
  });

  it('pick reaches every item and shuffle returns a deterministic permutation', () => {
    const random = new Random(5);
    const items = ['a', 'b', 'c', 'd'] as const;
    const picked = new Set(Array.from({ length: 200 }, () => random.pick(items)));
    expect([...picked].sort()).toEqual([...items]);

    const shuffled = new Random(9).shuffle(Array.from({ length: 50 }, (_, i) => i));
    expect([...shuffled].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(shuffled).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(new Random(9).shuffle(Array.from({ length: 50 }, (_, i) => i))).toEqual(shuffled);
  });
});

describe('WeightedPicker', () => {
  it('is deterministic for a given Random', () => {
    const picker = new WeightedPicker([5, 1, 3, 0.5]);
    const run = (seed: number) => {
      const random = new Random(seed);
      return Array.from({ length: 500 }, () => picker.pick(random));
    };
    expect(run(11)).toEqual(run(11));
    expect(run(12)).not.toEqual(run(11));
  });

  it('draws with frequencies that follow the weights (chi-square, 4 degrees of freedom)', () => {
    const weights = [1, 2, 3, 4, 10];
    const total = weights.reduce((a, b) => a + b, 0);
    const picker = new WeightedPicker(weights);
    const random = new Random(2024);
    const n = 200_000;
    const counts = new Array<number>(weights.length).fill(0);
    for (let i = 0; i < n; i++) counts[picker.pick(random)]! += 1;
    const x2 = chiSquare(
      counts,
      weights.map((w) => w / total),
      n,
    );
    // 4 degrees of freedom: P(X² > 23.5) ≈ 1e-4. A uniform picker scores in the tens of thousands.
    expect(x2).toBeLessThan(23.5);
  });

  it('follows a long Zipf tail over many entries', () => {
    const weights = zipfWeights(1000, 1.05);
    const total = weights.reduce((a, b) => a + b, 0);
    const picker = new WeightedPicker(weights);
    const random = new Random(3);
    const n = 300_000;
    const counts = new Array<number>(weights.length).fill(0);
    for (let i = 0; i < n; i++) counts[picker.pick(random)]! += 1;
    for (const rank of [0, 1, 2, 9, 99]) {
      const expected = (weights[rank]! / total) * n;
      // Within 5 standard deviations of the binomial count.
      expect(Math.abs(counts[rank]! - expected)).toBeLessThan(5 * Math.sqrt(expected));
    }
  });

  it('never draws a zero-weight entry, wherever it sits', () => {
    const weights = [0, 3, 0, 0, 1, 0, 2, 0];
    const picker = new WeightedPicker(weights);
    const random = new Random(99);
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) seen.add(picker.pick(random));
    expect([...seen].sort()).toEqual([1, 4, 6]);
  });

  it('always draws the only positive entry', () => {
    const picker = new WeightedPicker([0, 0, 7, 0]);
    const random = new Random(1);
    for (let i = 0; i < 1000; i++) expect(picker.pick(random)).toBe(2);
  });

  it('rejects weights with no positive entry', () => {
    expect(() => new WeightedPicker([])).toThrow(/positive weight/);
    expect(() => new WeightedPicker([0, 0])).toThrow(/positive weight/);
  });
});

describe('zipfWeights', () => {
  it('is 1/rank^s, strictly decreasing', () => {
    const w = zipfWeights(5, 2);
    expect([...w]).toEqual([1, 1 / 4, 1 / 9, 1 / 16, 1 / 25]);
    const long = zipfWeights(100, 1.05);
    for (let i = 1; i < long.length; i++) expect(long[i]!).toBeLessThan(long[i - 1]!);
  });
});
