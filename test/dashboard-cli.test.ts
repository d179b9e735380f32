/** `dropship monitor` as a user runs it: serves the dashboard until stopped, clear errors otherwise. */
import { connect, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardUrl, runCli, startCli } from './helpers/cli.ts';
import { openFixture, type WarehouseFixture } from './browser/fixture.ts';

let fixture: WarehouseFixture;
let env: Record<string, string>;

beforeAll(async () => {
  fixture = await openFixture({
    customers: [
      {
        id: 'CUS-000001',
        name: 'Camille Martin',
        email: 'c@example.fr',
        city: 'Paris',
        country: 'France',
      },
    ],
    products: [
      {
        id: 'PRD-00001',
        product_name: 'Classic Tee - Black',
        category: 'T-Shirts',
        price_cents: 2000,
        stock_quantity: 5,
      },
    ],
  });
  await fixture.ingest([
    {
      id: 'ORD-00000001',
      product_id: 'PRD-00001',
      customer_id: 'CUS-000001',
      quantity: 2,
      unit_price_cents: 2000,
      sold_at: '2025-01-10T10:00:00.000Z',
    },
  ]);
  await fixture.warehouse.runTask();
  await fixture.warehouse.close(); // DuckDB: one process per file; the CLI opens it next
  env = { DUCKDB_PATH: `${fixture.dir}/warehouse.duckdb`, REPORTS_DIR: `${fixture.dir}/reports` };
});

afterAll(async () => {
  await fixture?.close();
});

describe('dropship monitor', () => {
  it('serves the dashboard on the port given, then stops cleanly on SIGTERM', async () => {
    const monitor = startCli(['monitor', '--port', '0'], { env, cwd: fixture.dir });
    try {
      const url = await dashboardUrl(monitor);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const kpis = await (await fetch(new URL('/api/kpis', url))).json();
      expect(kpis).toMatchObject({ total_orders: 1, total_revenue: 40 });

      // A second process on the same DuckDB file is told what to use instead: the address the
      // owner really serves (a port of its own, not the default), and no other warehouse.
      expect(new URL(url).port).not.toBe('8501');
      const second = await runCli(['monitor', '--port', '0'], { env, cwd: fixture.dir });
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(
        new RegExp(
          `in use by another process \\(PID ${monitor.child.pid}: dropship monitor --port 0\\)`,
        ),
      );
      expect(second.stderr).toContain(`or read its dashboard/API at ${url} while it runs`);
      expect(second.stderr).toContain('use another DUCKDB_PATH');
      expect(second.stderr).not.toMatch(/8501|WAREHOUSE=snowflake/);
    } finally {
      monitor.child.kill('SIGTERM');
    }
    const result = await monitor.result;
    expect(result.code).toBe(143); // 128 + SIGTERM, after a clean stop
    expect(result.stderr).toMatch(/dashboard stopped/);
  });

  it('a process that holds the file without a dashboard is named as serving none', async () => {
    const holder = startCli(['task', 'run', '--every', '1 hour'], { env, cwd: fixture.dir });
    try {
      await new Promise<void>((resolve, reject) => {
        let seen = '';
        holder.child.stderr!.on('data', (chunk: Buffer | string) => {
          seen += String(chunk);
          if (/running the task every/.test(seen)) resolve();
        });
        holder.result.then(
          (r) => reject(new Error(`task run exited (${r.code}): ${r.stderr}`)),
          reject,
        );
      });
      const second = await runCli(['task', 'history'], { env, cwd: fixture.dir });
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(
        `(PID ${holder.child.pid}: dropship task run --every 1 hour)`,
      );
      expect(second.stderr).toContain('(it serves no dashboard)');
      expect(second.stderr).not.toMatch(/http:\/\/|WAREHOUSE=snowflake/);
    } finally {
      holder.child.kill('SIGINT');
    }
    expect((await holder.result).code).toBe(130);
  });

  it('says which port is taken and how to choose another', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const result = await runCli(['monitor'], {
        env: { ...env, DASHBOARD_PORT: String(port) },
        cwd: fixture.dir,
      });
      expect(result.code).toBe(2);
      const first = result.stderr.split('\n')[0]!;
      expect(first).toMatch(
        new RegExp(
          `^error: dashboard port ${port} on 127\\.0\\.0\\.1 is already in use; choose another with --port <n> or DASHBOARD_PORT=<n>$`,
        ),
      );
    } finally {
      busy.close();
    }
  });
});

/**
 * Whether something accepts a TCP connection on host:port. 127.0.0.2 is loopback too (Linux
 * routes all of 127/8 to lo), but a socket bound to 127.0.0.1 does not accept it: that tells
 * the bind address apart without a second network interface.
 */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('the address the dashboard listens on', () => {
  /** Starts monitor with `args`/`extraEnv`, hands its URL's port to `body`, stops it. */
  async function serving(
    args: string[],
    extraEnv: Record<string, string>,
    body: (url: URL) => Promise<void>,
  ): Promise<void> {
    const monitor = startCli(['monitor', '--port', '0', ...args], {
      env: { ...env, ...extraEnv },
      cwd: fixture.dir,
    });
    try {
      await body(new URL(await dashboardUrl(monitor)));
    } finally {
      monitor.child.kill('SIGTERM');
      await monitor.result;
    }
  }

  it('is 127.0.0.1 by default: nothing else is accepted', async () => {
    await serving([], {}, async (url) => {
      expect(url.hostname).toBe('127.0.0.1');
      const port = Number(url.port);
      expect(await accepts('127.0.0.1', port)).toBe(true);
      expect(await accepts('127.0.0.2', port)).toBe(false);
    });
  });

  it('is what DASHBOARD_HOST or --host says', async () => {
    await serving([], { DASHBOARD_HOST: '0.0.0.0' }, async (url) => {
      expect(url.hostname).toBe('0.0.0.0');
      expect(await accepts('127.0.0.2', Number(url.port))).toBe(true);
    });
    // The flag wins over the variable.
    await serving(['--host', '127.0.0.2'], { DASHBOARD_HOST: '0.0.0.0' }, async (url) => {
      expect(url.hostname).toBe('127.0.0.2');
      expect(await accepts('127.0.0.2', Number(url.port))).toBe(true);
      expect(await accepts('127.0.0.1', Number(url.port))).toBe(false);
    });
  });
});
