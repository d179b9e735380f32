import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PipelineError } from '../errors.ts';
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

  it('warns about .env keys that look like settings but are none (a typo), and only those', async () => {
    const cwd = await cwdWithDotenv(
      'KAFKA_BOOTSTRAP_SERVER=127.0.0.1:9092\nSNOW_PASWORD=x\nKAFKA_TIMEOUT=3\nNODE_OPTIONS=--x\nRUN_RATE=5\n',
    );
    const { config, warnings } = loadConfig({ cwd, env: {} });
    // The typo leaves the in-process bus selected: that is why it must be said.
    expect(config.bus.kind).toBe('memory');
    expect(warnings).toEqual([
      expect.stringMatching(
        /^\.env: KAFKA_BOOTSTRAP_SERVER is not a dropship setting \(did you mean KAFKA_BOOTSTRAP_SERVERS\?\); it is ignored/,
      ),
      expect.stringMatching(
        /^\.env: SNOW_PASWORD is not a dropship setting \(did you mean SNOW_PASSWORD\?\)/,
      ),
      expect.stringMatching(/^\.env: KAFKA_TIMEOUT is not a dropship setting; it is ignored/),
    ]);
  });

  it('never shows the Snowflake password, not even in an error', async () => {
    const cwd = await cwdWithDotenv('SNOW_PASSWORD=hunter2-secret\n');
    const env = { WAREHOUSE: 'snowflake', SNOW_ACCOUNT: 'acme', SNOW_USER: 'etl' };
    const { config } = loadConfig({ cwd, env });
    expect(config.warehouse).toMatchObject({
      auth: { method: 'password', password: 'hunter2-secret' },
    });
    expect(JSON.stringify(publicConfig(config))).not.toContain('hunter2-secret');
    expect(() => loadConfig({ cwd, env: { ...env, DASHBOARD_PORT: 'x' } })).toThrow(
      /DASHBOARD_PORT/,
    );
  });

  describe('Snowflake', () => {
    const base = { WAREHOUSE: 'snowflake', SNOW_ACCOUNT: 'myorg-acme', SNOW_USER: 'etl' };
    const passphrase = 'correct-horse-battery';
    async function keyFiles() {
      const cwd = await cwdWithDotenv();
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const files = {
        plain: privateKey.export({ type: 'pkcs8', format: 'pem' }),
        encrypted: privateKey.export({
          type: 'pkcs8',
          format: 'pem',
          cipher: 'aes-256-cbc',
          passphrase,
        }),
        public: publicKey.export({ type: 'spki', format: 'pem' }),
      };
      for (const [name, pem] of Object.entries(files))
        await writeFile(join(cwd, `${name}.p8`), pem);
      return cwd;
    }
    /** The error loadConfig throws, as the user sees it: message and hint. */
    function failure(cwd: string, env: Record<string, string>): string {
      try {
        loadConfig({ cwd, env: { ...base, ...env } });
      } catch (error) {
        const e = error as PipelineError;
        expect(e.code).toBe('BAD_CONFIG');
        return `${e.message} | ${e.hint}`;
      }
      throw new Error('loadConfig accepted the configuration');
    }

    it('needs a password or a private key, and says which settings give them', async () => {
      const cwd = await cwdWithDotenv();
      expect(failure(cwd, {})).toMatch(
        /^SNOW_PASSWORD or SNOW_PRIVATE_KEY_PATH: one is required when WAREHOUSE=snowflake .*\| set SNOW_PASSWORD, or SNOW_PRIVATE_KEY_PATH/,
      );
      expect(failure(cwd, { SNOW_PASSWORD: 'p', SNOW_USER: '' })).toMatch(
        /^SNOW_USER: is required/,
      );
    });

    it('reads a key pair from SNOW_PRIVATE_KEY_PATH, relative to the current directory', async () => {
      const cwd = await keyFiles();
      const { config } = loadConfig({
        cwd,
        env: { ...base, SNOW_PRIVATE_KEY_PATH: 'plain.p8', SNOW_PASSWORD: 'ignored' },
      });
      expect(config.warehouse).toMatchObject({
        auth: { method: 'key-pair', privateKeyPath: join(cwd, 'plain.p8') },
      });
      const encrypted = loadConfig({
        cwd,
        env: {
          ...base,
          SNOW_PRIVATE_KEY_PATH: 'encrypted.p8',
          SNOW_PRIVATE_KEY_PASSPHRASE: passphrase,
        },
      }).config;
      expect(encrypted.warehouse).toMatchObject({
        auth: { method: 'key-pair', privateKeyPassphrase: passphrase },
      });
      const shown = JSON.stringify(publicConfig(encrypted));
      expect(shown).not.toContain(passphrase);
      expect(shown).not.toContain('encrypted.p8');
      expect(shown).toContain('"method":"key-pair"');
    });

    it('checks the key file up front: missing, not a private key, encrypted, wrong passphrase', async () => {
      const cwd = await keyFiles();
      expect(failure(cwd, { SNOW_PRIVATE_KEY_PATH: 'missing.p8' })).toMatch(
        /^SNOW_PRIVATE_KEY_PATH: cannot read the private key file .*missing\.p8 \(ENOENT\)/,
      );
      expect(failure(cwd, { SNOW_PRIVATE_KEY_PATH: 'public.p8' })).toMatch(
        /^SNOW_PRIVATE_KEY_PATH: .*public\.p8 is not a PEM private key .*not the public key/,
      );
      expect(failure(cwd, { SNOW_PRIVATE_KEY_PATH: 'encrypted.p8' })).toMatch(
        /^SNOW_PRIVATE_KEY_PASSPHRASE: the private key .* cannot be read without a passphrase/,
      );
      const wrong = failure(cwd, {
        SNOW_PRIVATE_KEY_PATH: 'encrypted.p8',
        SNOW_PRIVATE_KEY_PASSPHRASE: 'not-the-passphrase-42',
      });
      expect(wrong).toMatch(/^SNOW_PRIVATE_KEY_PASSPHRASE: does not decrypt the private key/);
      expect(wrong).not.toContain('not-the-passphrase-42');
    });

    it('takes SNOW_ACCESS_URL as an endpoint URL and refuses anything else', async () => {
      const cwd = await cwdWithDotenv('SNOW_PASSWORD=pw-in-dotenv\n');
      const url = (SNOW_ACCESS_URL: string) =>
        loadConfig({ cwd, env: { ...base, SNOW_ACCESS_URL } }).config.warehouse;
      expect(url('http://127.0.0.1:8085/')).toMatchObject({ accessUrl: 'http://127.0.0.1:8085' });
      expect(url('https://myorg-acme.privatelink.snowflakecomputing.com')).toMatchObject({
        accessUrl: 'https://myorg-acme.privatelink.snowflakecomputing.com',
      });
      expect(loadConfig({ cwd, env: base }).config.warehouse).not.toHaveProperty('accessUrl');
      expect(failure(cwd, { SNOW_ACCESS_URL: '127.0.0.1:8085' })).toMatch(
        /^SNOW_ACCESS_URL: must (be a URL|start with https:\/\/ or http:\/\/)/,
      );
      expect(failure(cwd, { SNOW_ACCESS_URL: 'not a url' })).toMatch(
        /^SNOW_ACCESS_URL: must be a URL such as https:\/\//,
      );
      expect(failure(cwd, { SNOW_ACCESS_URL: 'ftp://host' })).toMatch(
        /^SNOW_ACCESS_URL: must start with https:\/\/ or http:\/\//,
      );
      expect(failure(cwd, { SNOW_ACCESS_URL: 'https://host/console?x=1' })).toMatch(
        /^SNOW_ACCESS_URL: must be the account endpoint alone/,
      );
      const withSecret = failure(cwd, { SNOW_ACCESS_URL: 'https://etl:s3cr3t-pw@host' });
      expect(withSecret).toMatch(/^SNOW_ACCESS_URL: must not hold a user or password/);
      expect(withSecret).not.toContain('s3cr3t-pw');
    });

    it('refuses names that are not Snowflake identifiers, and an account given as a URL', async () => {
      const cwd = await cwdWithDotenv('SNOW_PASSWORD=pw\n');
      expect(failure(cwd, { SNOW_DATABASE: 'my-db' })).toMatch(
        /^SNOW_DATABASE: must be a Snowflake identifier/,
      );
      expect(failure(cwd, { SNOW_SCHEMA: 'raw; DROP DATABASE x' })).toMatch(
        /^SNOW_SCHEMA: must be a Snowflake identifier/,
      );
      expect(failure(cwd, { SNOW_WAREHOUSE: '1wh' })).toMatch(/^SNOW_WAREHOUSE: must be/);
      const { config } = loadConfig({
        cwd,
        env: { ...base, SNOW_DATABASE: 'Shop_DB$2', SNOW_SCHEMA: '_raw' },
      });
      expect(config.warehouse).toMatchObject({ database: 'Shop_DB$2', schema: '_raw' });
      expect(failure(cwd, { SNOW_ACCOUNT: 'https://myorg-acme.snowflakecomputing.com' })).toMatch(
        /^SNOW_ACCOUNT: must be the account identifier .*SNOW_ACCESS_URL/,
      );
    });
  });

  it('parses durations the way TASK_SCHEDULE is written', () => {
    expect(parseDuration('5 seconds')).toBe(5000);
    expect(parseDuration('1 minute')).toBe(60_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('soon')).toBeNaN();
  });
});
