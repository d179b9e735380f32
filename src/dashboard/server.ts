/**
 * The live dashboard: a small read-only HTTP server (Node's own `http`), a JSON API over the
 * warehouse, /metrics for Prometheus, and a static page that polls the API every 2 seconds.
 *
 * `dropship run` starts it with the pipeline's live counters (stats, bus, consumer);
 * `dropship monitor` starts it with the warehouse alone. It only ever answers GET and HEAD,
 * serves files from a fixed list (no path from the request reaches the file system), and
 * listens on 127.0.0.1 unless told otherwise.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Bus, BusConsumer } from '../bus/types.ts';
import type { Config } from '../config/config.ts';
import { PipelineError, errorMessage } from '../errors.ts';
import type { RunningDashboard } from '../pipeline/run.ts';
import type { PipelineStats } from '../pipeline/stats.ts';
import type { Warehouse } from '../warehouse/types.ts';
import { RateRing } from './ingest-rate.ts';
import { createMetrics } from './metrics.ts';
import { loadSnapshot, SnapshotCache, type Snapshot } from './snapshot.ts';

export interface DashboardDeps {
  config: Config;
  warehouse: Warehouse;
  stats?: PipelineStats;
  bus?: Bus;
  consumer?: BusConsumer;
}

/** Every response carries these: the page loads only its own files and is never framed. */
export const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

const requireFromHere = createRequire(import.meta.url);
const staticFile = (name: string) => fileURLToPath(new URL(`./static/${name}`, import.meta.url));

/** The only files served: URL path → file on disk and its type. */
const STATIC_FILES: Record<string, { path: () => string; type: string }> = {
  '/': { path: () => staticFile('index.html'), type: 'text/html; charset=utf-8' },
  '/index.html': { path: () => staticFile('index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { path: () => staticFile('app.js'), type: 'text/javascript; charset=utf-8' },
  '/format.js': { path: () => staticFile('format.js'), type: 'text/javascript; charset=utf-8' },
  '/series.js': { path: () => staticFile('series.js'), type: 'text/javascript; charset=utf-8' },
  '/style.css': { path: () => staticFile('style.css'), type: 'text/css; charset=utf-8' },
  '/favicon.svg': { path: () => staticFile('favicon.svg'), type: 'image/svg+xml' },
  '/vendor/uPlot.iife.min.js': {
    path: () => requireFromHere.resolve('uplot/dist/uPlot.iife.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/vendor/uPlot.min.css': {
    path: () => requireFromHere.resolve('uplot/dist/uPlot.min.css'),
    type: 'text/css; charset=utf-8',
  },
};

/** API path → the part of the snapshot it returns. */
const API: Record<string, (s: Snapshot) => unknown> = {
  '/api/snapshot': (s) => s,
  '/api/kpis': (s) => ({ generated_at: s.generated_at, ...s.kpis }),
  '/api/top-products': (s) => ({ generated_at: s.generated_at, ...s.top_products }),
  '/api/recent-orders': (s) => ({ generated_at: s.generated_at, orders: s.recent_orders }),
  '/api/timeseries': (s) => ({ generated_at: s.generated_at, ...s.timeseries }),
  '/api/categories': (s) => ({ generated_at: s.generated_at, categories: s.categories }),
  '/api/suppliers': (s) => ({ generated_at: s.generated_at, suppliers: s.suppliers }),
  '/api/funnel': (s) => ({ generated_at: s.generated_at, ...s.funnel }),
  '/api/returns': (s) => ({ generated_at: s.generated_at, ...s.returns }),
  '/api/delivery': (s) => ({ generated_at: s.generated_at, suppliers: s.delivery }),
  '/api/stock': (s) => ({ generated_at: s.generated_at, ...s.stock }),
  '/api/health': (s) => ({ generated_at: s.generated_at, ...s.health }),
};

export interface DashboardOptions {
  /** How long a snapshot is reused (ms). */
  cacheMs?: number;
}

export async function startDashboard(
  deps: DashboardDeps,
  options: DashboardOptions = {},
): Promise<RunningDashboard> {
  const { config, warehouse, stats } = deps;
  const lag = consumerLag(config, deps);
  const rates = stats ? new RateRing(stats) : undefined;
  const snapshots = new SnapshotCache(
    () =>
      loadSnapshot({
        warehouse,
        reportsDir: config.reportsDir,
        freshnessThresholdMs: config.freshnessThresholdMs,
        ...(stats ? { stats } : {}),
        ...(rates ? { rates } : {}),
        ...(lag ? { lag } : {}),
      }),
    options.cacheMs ?? 1_000,
  );
  const metrics = createMetrics(stats);
  const files = new Map<string, Buffer>();

  const send = (
    res: ServerResponse,
    req: IncomingMessage,
    status: number,
    type: string,
    body: string | Buffer,
    extra: Record<string, string> = {},
  ) => {
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(body),
      ...extra,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const sendJson = (res: ServerResponse, req: IncomingMessage, status: number, value: unknown) =>
    send(res, req, status, 'application/json; charset=utf-8', JSON.stringify(value), {
      'Cache-Control': 'no-store',
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, req, 405, {
        error: `${req.method} is not allowed: the dashboard is read-only (GET, HEAD)`,
      });
      return;
    }
    const path = new URL(req.url ?? '/', 'http://dashboard.local').pathname;

    const api = API[path];
    if (api) {
      try {
        sendJson(res, req, 200, api(await snapshots.get()));
      } catch (error) {
        const notSetUp = error instanceof PipelineError && error.code === 'NOT_SET_UP';
        sendJson(res, req, 503, {
          error: errorMessage(error),
          ...(error instanceof PipelineError
            ? { code: error.code, ...(error.hint ? { hint: error.hint } : {}) }
            : {}),
          ...(notSetUp ? { empty: true } : {}),
        });
      }
      return;
    }
    if (path === '/metrics') {
      const snapshot = await snapshots.get().catch(() => null);
      send(res, req, 200, metrics.registry.contentType, await metrics.render(snapshot), {
        'Cache-Control': 'no-store',
      });
      return;
    }
    const file = STATIC_FILES[path];
    if (file) {
      let body = files.get(path);
      if (!body) {
        body = await readFile(file.path());
        files.set(path, body);
      }
      send(res, req, 200, file.type, body, { 'Cache-Control': 'no-cache' });
      return;
    }
    sendJson(res, req, 404, { error: `not found: ${path}` });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, req, 500, { error: errorMessage(error) });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;

  const { host, port } = config.dashboard;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(listenError(error, host, port));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
  rates?.start();

  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}/`;
  await warehouse.recordDashboardUrl(url);
  return {
    url,
    close: async () => {
      rates?.stop();
      await warehouse.recordDashboardUrl(null).catch(() => undefined);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * Where the consumer lag comes from: this process's consumer, else the pipeline's last
 * reading, else the broker itself (`monitor` with Kafka: the group's committed offsets
 * against the topic's end offsets). Nothing when there is no way to tell.
 */
function consumerLag(
  config: Config,
  { stats, consumer, bus }: DashboardDeps,
): (() => Promise<number | null>) | undefined {
  if (consumer) return () => consumer.lag();
  if (stats) return async () => stats.lag;
  if (bus && config.bus.kind === 'kafka') {
    const groupId = config.bus.groupId;
    return () => answerWithin(bus.consumerLag(groupId, config.topic), BROKER_LAG_WAIT_MS);
  }
  return undefined;
}

/**
 * How long a refresh waits for the broker's lag. kafkajs retries an unreachable broker for
 * about 10 s; the rest of the page must not wait with it (the lag shows n/a meanwhile).
 */
const BROKER_LAG_WAIT_MS = 2_000;

/** The value, or null when it takes longer than `ms` or fails. */
function answerWithin(value: Promise<number | null>, ms: number): Promise<number | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    value.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      () => {
        clearTimeout(timer);
        resolve(null);
      },
    );
  });
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): PipelineError {
  if (error.code === 'EADDRINUSE') {
    return new PipelineError(
      'BAD_CONFIG',
      `dashboard port ${port} on ${host} is already in use; choose another with --port <n> or DASHBOARD_PORT=<n>`,
      {
        hint: `if \`dropship run\` or \`dropship monitor\` is already running, open http://${host}:${port}/ instead`,
        cause: error,
      },
    );
  }
  if (error.code === 'EACCES') {
    return new PipelineError(
      'BAD_CONFIG',
      `not allowed to listen on ${host}:${port}; choose a port above 1024 with --port <n> or DASHBOARD_PORT=<n>`,
      { cause: error },
    );
  }
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
    return new PipelineError(
      'BAD_CONFIG',
      `cannot listen on ${host}: no such address on this machine; set --host or DASHBOARD_HOST (default 127.0.0.1)`,
      { cause: error },
    );
  }
  return new PipelineError(
    'IO',
    `the dashboard cannot listen on ${host}:${port}: ${error.message}`,
    { cause: error },
  );
}
