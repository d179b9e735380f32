import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, publicConfig } from './config.ts';
import { parseDuration } from './duration.ts';
import { SETTINGS, settingDefault, type SettingName } from './settings.ts';

const dirs: string[] = [];
async function cwdWithDotenv(content?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dropship-config-'));
  dirs.push(dir);
  if (content !== undefined) await writeFile(join(dir, '.env'), content);
  return dir;
}
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true });
});

describe('configuration', () => {
  it('.env.example lists every setting, and only those', async () => {
    const example = await readFile(new URL('../../.env.example', import.meta.url), 'utf8');
    const listed = [...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(new Set(listed)).toEqual(new Set(SETTINGS.map((s) => s.env)));
    // Each active line shows the default the code uses, so the file never lies.
    for (const [, env, value] of example.matchAll(/^([A-Z][A-Z0-9_]+)=(.*)$/gm))
      expect({ env, value }).toEqual({ env, value: settingDefault(env as SettingName) });
  });

  it('takes flags over the environment over .env over defaults', async () => {
    const cwd = await cwdWithDotenv(
      'PRODUCE_RATE=3\nKAFKA_TOPIC=from_dotenv\nDASHBOARD_PORT=9000\n',
    );
    const { config, sources } = loadConfig({
      cwd,
      env: { KAFKA_TOPIC: 'from_env', DASHBOARD_PORT: '9100' },
      flags: { DASHBOARD_PORT: 9200 },
    });
    expect(config.dashboard.port).toBe(9200);
    expect(config.topic).toBe('from_env');
    expect(config.produceRate).toBe(3);
    expect(config.bus).toEqual({ kind: 'memory', partitions: 3 });
    expect(sources).toMatchObject({
      DASHBOARD_PORT: 'flag',
      KAFKA_TOPIC: 'env',
      PRODUCE_RATE: '.env',
      KAFKA_GROUP_ID: 'default',
      KAFKA_BOOTSTRAP_SERVERS: 'unset',
    });
  });

  it('selects Kafka when KAFKA_BOOTSTRAP_SERVERS is set, with the seed names as defaults', async () => {
    const cwd = await cwdWithDotenv();
    const { config } = loadConfig({
      cwd,
      env: { KAFKA_BOOTSTRAP_SERVERS: '127.0.0.1:9092, broker2:9093' },
    });
    expect(config.bus).toMatchObject({
      kind: 'kafka',
      brokers: ['127.0.0.1:9092', 'broker2:9093'],
      groupId: 'snowflake-consumer-group',
      dlqTopic: 'orders_topic.dlq',
    });
    expect(config.topic).toBe('orders_topic');
  });

  it('names the variable (and its flag) in errors', async () => {
    const cwd = await cwdWithDotenv();
    expect(() => loadConfig({ cwd, env: { KAFKA_BOOTSTRAP_SERVERS: 'nohostport' } })).toThrow(
      /KAFKA_BOOTSTRAP_SERVERS \(--bootstrap-servers\): must be host:port/,
    );
    expect(() => loadConfig({ cwd, env: { TASK_SCHEDULE: 'soon' } })).toThrow(
      /TASK_SCHEDULE .*duration like "5 seconds"/,
    );
    expect(() => loadConfig({ cwd, env: { DASHBOARD_PORT: '70000' } })).toThrow(
      /DASHBOARD_PORT .*65535/,
    );
    expect(() => loadConfig({ cwd, env: { WAREHOUSE: 'oracle' } })).toThrow(
      /WAREHOUSE .*"duckdb" or "snowflake"/,
    );
    expect(() => loadConfig({ cwd, env: { WAREHOUSE: 'snowflake' } })).toThrow(
      /SNOW_ACCOUNT: is required when WAREHOUSE=snowflake/,
    );
  });

  it('never shows the Snowflake password, not even in an error', async () => {
    const cwd = await cwdWithDotenv('SNOW_PASSWORD=hunter2-secret\n');
    const env = { WAREHOUSE: 'snowflake', SNOW_ACCOUNT: 'acme', SNOW_USER: 'etl' };
    const { config } = loadConfig({ cwd, env });
    expect(JSON.stringify(publicConfig(config))).not.toContain('hunter2-secret');
    expect(() => loadConfig({ cwd, env: { ...env, DASHBOARD_PORT: 'x' } })).toThrow(
      /DASHBOARD_PORT/,
    );
  });

  it('parses durations the way TASK_SCHEDULE is written', () => {
    expect(parseDuration('5 seconds')).toBe(5000);
    expect(parseDuration('1 minute')).toBe(60_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('soon')).toBeNaN();
  });
});
