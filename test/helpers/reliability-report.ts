/**
 * docs/RELIABILITY.md is written by the suites that measure it: the fault suite and the
 * bad-input corpus each own one section, between `<!-- BEGIN name -->` and `<!-- END name -->`,
 * and replace only their own, so either suite can run alone. Sections are written only when
 * RELIABILITY_REPORT=1 (set by `npm run test:faults`), so `npm test` leaves the tree clean.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RELIABILITY_PATH = fileURLToPath(
  new URL('../../docs/RELIABILITY.md', import.meta.url),
);

const HEADER = `# Reliability

Written by the suites that measure it (\`npm run test:faults\`); do not edit by hand.
Each section shows the figures of its suite's last run.
`;

/** Whether this run writes docs/RELIABILITY.md. */
export function writesReliabilityReport(): boolean {
  return process.env.RELIABILITY_REPORT === '1';
}

/** Replaces (or appends) section `name` of docs/RELIABILITY.md with `markdown`. */
export function writeReliabilitySection(name: string, markdown: string): void {
  if (!writesReliabilityReport()) return;
  const begin = `<!-- BEGIN ${name} -->`;
  const end = `<!-- END ${name} -->`;
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  const current = existsSync(RELIABILITY_PATH) ? readFileSync(RELIABILITY_PATH, 'utf8') : HEADER;
  const from = current.indexOf(begin);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from
      ? current.slice(0, from) + block + current.slice(to + end.length)
      : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(RELIABILITY_PATH, next.endsWith('\n') ? next : `${next}\n`);
}
