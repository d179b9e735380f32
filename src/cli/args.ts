/** Argument parsers for commander: each rejects bad input with one line naming the flag. */
import { InvalidArgumentError } from 'commander';

export function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value.trim()))
    throw new InvalidArgumentError(`must be a non-negative integer (got "${value}")`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`is too large (got "${value}")`);
  return n;
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
