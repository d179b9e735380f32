import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { checkNode, SUPPORTED_NODE } from './doctor.ts';

describe('the node check', () => {
  it("passes on Node 22 and 24 LTS from package.json's minimum on, fails on Node 20 and older 22s", () => {
    const min = semver.minVersion(SUPPORTED_NODE)!;
    const justBelow =
      min.patch > 0
        ? `${min.major}.${min.minor}.${min.patch - 1}`
        : `${min.major}.${min.minor - 1}.99`;
    const cases: [string, 'ok' | 'fail'][] = [
      [min.version, 'ok'],
      ['22.23.5', 'ok'],
      ['24.0.0', 'ok'],
      ['24.22.3', 'ok'],
      ['26.1.0', 'ok'],
      ['22.0.0', 'fail'],
      [justBelow, 'fail'],
      ['20.20.2', 'fail'],
      ['18.20.0', 'fail'],
    ];
    for (const [version, expected] of cases)
      expect(checkNode(version).status, version).toBe(expected);
  });

  it('says which range is supported and how to get a supported Node', () => {
    const check = checkNode('20.20.2');
    expect(check.detail).toContain(SUPPORTED_NODE);
    expect(check.fix).toContain('scripts/node-versions.sh');
  });
});

it("accepts no Node that one of the installed packages' engines refuses (no EBADENGINE on npm install)", () => {
  const lock = JSON.parse(
    readFileSync(new URL('../../../package-lock.json', import.meta.url), 'utf8'),
  ) as {
    packages: Record<string, { engines?: { node?: string } | string[] }>;
  };
  const min = semver.minVersion(SUPPORTED_NODE)!.version;
  const refused: string[] = [];
  for (const [path, pkg] of Object.entries(lock.packages)) {
    const range = !Array.isArray(pkg.engines) ? pkg.engines?.node : undefined;
    if (path === '' || range === undefined) continue;
    // Every entry counts, optional binaries for other platforms too: someone installs them.
    for (const version of [min, '24.0.0'])
      if (!semver.satisfies(version, range)) refused.push(`${path} (${range}) refuses ${version}`);
  }
  expect(refused).toEqual([]);
});
