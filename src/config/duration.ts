/** Parses `500ms`, `5s`, `5 seconds`, `1 minute`, `2 hours` into milliseconds (NaN if not). */
export function parseDuration(text: string): number {
  const match =
    /^\s*(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hours?)?\s*$/i.exec(
      text,
    );
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  const unit = (match[2] ?? 's').toLowerCase();
  if (unit.startsWith('ms') || unit.startsWith('milli')) return value;
  if (unit.startsWith('s')) return value * 1000;
  if (unit.startsWith('m')) return value * 60_000;
  return value * 3_600_000;
}
