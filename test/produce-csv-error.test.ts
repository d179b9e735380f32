/**
 * `dropship produce` stopped by a CSV error midway, on the real broker: the error says how many
 * events were sent (exactly what the topic holds) and up to which line, besides the CSV's own
 * cause, and how to go on.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { kafkaBroker, uniqueName } from './helpers/kafka-broker.ts';

const broker = await kafkaBroker();

/** Records in the topic, over its partitions. */
async function recordsIn(topic: string): Promise<number> {
  const admin = new Kafka({
    clientId: 'dropship-tests',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

describe.skipIf(!broker.available)(`produce stopped by a CSV error (${broker.bootstrap})`, () => {
  let dir: string;
  let seedDir: string;
  const BROKEN_LINE = 2501;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dropship-produce-csv-'));
    seedDir = join(dir, 'seed');
    const generated = await runCli(
      ['generate', '--orders', '4000', '--customers', '50', '--products', '20'],
      { cwd: dir, env: { SEED_DIR: seedDir } },
    );
    expect(generated.code, generated.stderr).toBe(0);
    // A quote with text after it in the middle of the file: the reader stops there.
    const path = join(seedDir, 'orders.csv');
    const lines = (await readFile(path, 'utf8')).split('\n');
    const fields = lines[BROKEN_LINE - 1]!.split(',');
    fields[1] = `"${fields[1]}"x`;
    lines[BROKEN_LINE - 1] = fields.join(',');
    await writeFile(path, lines.join('\n'));
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('says how many events were sent, up to which line, and how to go on', async () => {
    const topic = uniqueName('produce-csv');
    const result = await runCli(['produce', '--mode', 'replay', '--rate', '0'], {
      cwd: dir,
      env: { SEED_DIR: seedDir, KAFKA_BOOTSTRAP_SERVERS: broker.bootstrap, KAFKA_TOPIC: topic },
      timeoutMs: 120_000,
    });
    expect(result.code, result.stderr).toBe(1);
    const path = join(seedDir, 'orders.csv');
    expect(result.stderr).toContain(`${path} line ${BROKEN_LINE}: a quoted field is malformed`);
    const m = new RegExp(
      `; ([\\d,]+) events were sent to ${topic} before it stopped \\(the rows up to line (\\d+), order (ORD-\\d+)\\)`,
    ).exec(result.stderr);
    expect(m, result.stderr).not.toBeNull();
    const sent = Number(m![1]!.replace(/,/g, ''));
    const line = Number(m![2]);
    // Exactly what the topic holds: the rows from line 2 to that line, none after it.
    expect(sent).toBeGreaterThan(0);
    expect(await recordsIn(topic)).toBe(sent);
    expect(line).toBe(sent + 1);
    expect(line).toBeLessThan(BROKEN_LINE);
    const text = (await readFile(path, 'utf8')).split('\n');
    expect(text[line - 1]!.startsWith(`${m![3]},`)).toBe(true);
    expect(result.stderr).toMatch(/fix: correct the quotes on that line/);
    expect(result.stderr).toContain(
      `then run the same command again: it replays ${path} from its first row, so those ${m![1]} orders are sent again with the same event ids`,
    );
  });
});
