import { expect, it } from 'vitest';
import { nodeAtLeast } from './doctor.ts';

it('compares Node versions part by part against the minimum', () => {
  const min = [20, 19, 4];
  const cases: [number[], boolean][] = [
    [[20, 19, 4], true],
    [[20, 19, 3], false],
    [[20, 20, 0], true],
    [[22, 0, 0], true],
    [[19, 99, 99], false],
    [[20, 19], false],
    [[20, 9, 10], false],
  ];
  for (const [version, expected] of cases)
    expect(nodeAtLeast(version, min), version.join('.')).toBe(expected);
});
