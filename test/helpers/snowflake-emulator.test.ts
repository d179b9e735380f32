import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { serviceUnavailable } from './service-rule.ts';
import { emulatorAnswers, snowflakeEmulator, uniqueIdentifier } from './snowflake-emulator.ts';

const emulator = await snowflakeEmulator();

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

describe('the rule for missing test services', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('fails under CI=true and only warns elsewhere', () => {
    vi.stubEnv('CI', 'true');
    expect(() => serviceUnavailable('a thing', 'it is off')).toThrow(
      'CI=true requires a thing: it is off',
    );
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(() => serviceUnavailable('a thing', 'it is off')).not.toThrow();
    expect(warn).toHaveBeenCalledWith('skipping the tests that need a thing: it is off');
    warn.mockRestore();
  });
});

describe('the Snowflake emulator probe', () => {
  it('says why when nothing listens, or something else answers', async () => {
    const closed = createServer();
    const url = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    expect(await emulatorAnswers(url)).toBe('ECONNREFUSED');

    const other = createServer((_, response) => response.end('{"hello": "world"}'));
    const otherUrl = await listen(other);
    try {
      expect(await emulatorAnswers(otherUrl)).toBe('it answers, but not as the emulator does');
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it.skipIf(!emulator.available)('finds the running emulator', async () => {
    expect(await emulatorAnswers(emulator.accessUrl)).toBeNull();
  });

  it('makes identifiers unique to the run and valid unquoted', () => {
    const a = uniqueIdentifier('conn-test');
    expect(a).toMatch(/^T_CONN_TEST_[0-9A-F]{8}$/);
    expect(uniqueIdentifier('conn-test')).not.toBe(a);
  });
});
