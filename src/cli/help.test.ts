import type { Command, Option } from 'commander';
import { expect, it } from 'vitest';
import { SETTINGS, settingDefault, type SettingName } from '../config/settings.ts';
import { buildProgram } from './program.ts';

function* commandsOf(command: Command, path: string[] = []): Generator<[string, Command]> {
  yield [path.join(' '), command];
  for (const sub of command.commands) yield* commandsOf(sub, [...path, sub.name()]);
}

const program = await buildProgram();
const all = [...commandsOf(program)];

it("every option's help names its setting's real default", () => {
  let checked = 0;
  for (const [name, command] of all)
    for (const option of command.options as Option[]) {
      const m = /\[env (\w+)(?:, default ([^\]]+))?(?:; [^\]]*)?\]/.exec(option.description);
      if (!m) continue;
      checked++;
      const env = m[1] as SettingName;
      expect(
        SETTINGS.some((s) => s.env === env),
        `${name} ${option.long}: unknown ${env}`,
      ).toBe(true);
      expect(m[2], `${name || 'dropship'} ${option.long} (${env})`).toBe(settingDefault(env));
    }
  expect(checked).toBeGreaterThanOrEqual(15);
});

it('every flag the settings table names is an option whose help names that setting', () => {
  for (const setting of SETTINGS) {
    if (!('flag' in setting) || setting.flag.includes(':')) continue;
    const m = /^(--[\w-]+)(?: \(([\w ]+)\))?$/.exec(setting.flag);
    expect(m, setting.flag).not.toBeNull();
    const [, long, where] = m!;
    const holders = all.filter(
      ([name, c]) =>
        (where === undefined ? true : name === where) && c.options.some((o) => o.long === long),
    );
    expect(holders.length, `${setting.flag} has no option`).toBeGreaterThan(0);
    for (const [name, c] of holders) {
      const option = c.options.find((o) => o.long === long)!;
      expect(option.description, `${name} ${long}`).toContain(`[env ${setting.env}`);
    }
  }
});
