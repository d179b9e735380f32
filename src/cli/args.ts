/** Argument parsers for commander: each rejects bad input with one line naming the flag. */
import { InvalidArgumentError } from 'commander';

/**
 * A parser for an integer option of at least `min` (and at most `max`): every numeric flag
 * that is not a setting goes through it, so each refuses "abc", 0 or -1 the same way.
 */
export function intAtLeast(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    const text = value.trim();
    if (!/^-?\d+$/.test(text))
      throw new InvalidArgumentError(`must be an integer ≥ ${min} (got "${value}")`);
    const n = Number(text);
    if (n < min) throw new InvalidArgumentError(`must be ≥ ${min} (got "${value}")`);
    if (!Number.isSafeInteger(n) || n > max)
      throw new InvalidArgumentError(`must be ≤ ${max.toLocaleString('en')} (got "${value}")`);
    return n;
  };
}

export const nonNegativeInt = intAtLeast(0);

/** A parser for a share in [0, max], written as a decimal (`0.05`, `0`, `.5`). */
export function ratioUpTo(max: number): (value: string) => number {
  return (value: string) => {
    const text = value.trim();
    const n = /^(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : Number.NaN;
    if (!(n >= 0 && n <= max))
      throw new InvalidArgumentError(
        `must be a share between 0 and ${max}, like 0.05 (got "${value}")`,
      );
    return n;
  };
}

export function integer(value: string): number {
  if (!/^-?\d+$/.test(value.trim()))
    throw new InvalidArgumentError(`must be an integer (got "${value}")`);
  return Number(value);
}

export function isoDate(value: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  const date = match
    ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])))
    : null;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value.trim()) {
    throw new InvalidArgumentError(`must be a date YYYY-MM-DD (got "${value}")`);
  }
  return date;
}
