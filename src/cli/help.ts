/**
 * The `[env NAME, default VALUE]` of an option's help, read from the settings table: help
 * texts and the loader share one source, so they cannot disagree (a test walks every option).
 */
import { settingDefault, type SettingName } from '../config/settings.ts';

/** ` [env NAME, default VALUE]`, or ` [env NAME; note]` / ` [env NAME]` for settings without a default. */
export function fromSetting(env: SettingName, note?: string): string {
  const value = settingDefault(env);
  if (value !== undefined) return ` [env ${env}, default ${value}]`;
  return note ? ` [env ${env}; ${note}]` : ` [env ${env}]`;
}
