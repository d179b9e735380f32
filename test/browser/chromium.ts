/**
 * The browser the dashboard is tested in (DESIGN.md §7): Debian's chromium driven by
 * playwright-core, with the flags that keep it quiet and off the network. Shared by every
 * browser test; without it they are skipped with the reason, except in CI where they fail.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { it } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
/** Screenshots go here (git-ignored). */
export const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
export const hasChromium = existsSync(CHROMIUM);
/** The describe title: says why the tests are skipped when they are. */
export const browserSuiteTitle = (title: string) =>
  hasChromium
    ? title
    : `${title} (skipped: ${CHROMIUM} not found; install it with apt-get install -y chromium)`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** In CI a missing browser is a failure, not a skip: registers a test that says so. */
export function failWithoutChromiumInCi(): void {
  if (hasChromium || process.env.CI !== 'true') return;
  it('has a browser for the dashboard test', () => {
    throw new Error(
      `${CHROMIUM} is missing: CI must install Debian's chromium (apt-get install -y chromium) so the dashboard is tested in a real browser`,
    );
  });
}

/** The digits of a figure on the page, as a number ("€1,234.50" → 123450). */
export const digits = (text: string | null) => Number((text ?? '').replace(/[^\d]/g, ''));
