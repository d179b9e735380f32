import type { Command } from 'commander';
import { runPipeline } from '../../pipeline/run.ts';
import { badRowWarning } from '../../pipeline/seed-files.ts';
import { formatDuration, Progress } from '../progress.ts';
import { formatCount } from '../../domain/values.ts';
import { command, ExitCode } from '../run-command.ts';
import { describeRun } from './common.ts';
import { fromSetting } from '../help.ts';

export function registerRun(program: Command): void {
  program
    .command('run')
    .description(
      'everything in one process: generate if missing, setup, replay, ingest, task on schedule, dashboard (what `npm start` runs)',
    )
    .option(
      '--once',
      'replay the whole file unthrottled, wait until PROD has caught up, print a summary and exit',
    )
    .option(
      '--rate <n>',
      `events per second while replaying and streaming${fromSetting('RUN_RATE')}`,
    )
    .option(
      '--time-scale <n>',
      `shop seconds per wall second of the stream after the replay${fromSetting('PRODUCE_TIME_SCALE')}`,
    )
    .option('--port <n>', `dashboard port${fromSetting('DASHBOARD_PORT')}`)
    .option('--host <host>', `dashboard address${fromSetting('DASHBOARD_HOST')}`)
    .option('--no-dashboard', 'do not serve the dashboard')
    .action(
      command(
        async (
          ctx,
          flags: {
            once?: boolean;
            rate?: string;
            timeScale?: string;
            port?: string;
            host?: string;
            dashboard: boolean;
          },
        ) => {
          const { config } = ctx.config({
            RUN_RATE: flags.rate,
            PRODUCE_TIME_SCALE: flags.timeScale,
            DASHBOARD_PORT: flags.port,
            DASHBOARD_HOST: flags.host,
          });
          const progress = new Progress({ label: 'run', unit: 'events' });
          const merged = { runs: 0, rows: 0, since: Date.now() };
          const startDashboard = flags.dashboard ? await loadDashboard() : undefined;
          const summary = await runPipeline({
            config,
            once: Boolean(flags.once),
            rate: config.runRate,
            signal: ctx.signal,
            log: (m) => {
              progress.done();
              ctx.log(m);
            },
            onProgress: ({ published, total }) => progress.update(published, total ?? undefined),
            onBadRow: (b) => {
              progress.done();
              ctx.log(`warning: ${badRowWarning(b)}`);
            },
            onTaskRun: (run) => {
              if (flags.once) return;
              // The task runs every few seconds: say when it fails, otherwise sum up twice a minute.
              if (run.state === 'FAILED') {
                progress.done();
                ctx.log(describeRun(run));
                return;
              }
              merged.runs += run.state === 'SUCCEEDED' ? 1 : 0;
              merged.rows += (run.rowsInserted ?? 0) + (run.rowsUpdated ?? 0);
              if (Date.now() - merged.since >= 30_000 && merged.runs > 0) {
                progress.done();
                ctx.log(
                  `task: ${merged.runs} runs merged ${formatCount(merged.rows)} orders into PROD in the last ${formatDuration(Date.now() - merged.since)} (latest: ${describeRun(run)})`,
                );
                merged.runs = 0;
                merged.rows = 0;
                merged.since = Date.now();
              }
            },
            ...(startDashboard
              ? { startDashboard: (deps) => startDashboard({ ...deps, config }) }
              : {}),
          });
          progress.done();
          const line = [
            `events read ${formatCount(summary.eventsRead)}`,
            `published ${formatCount(summary.published)}`,
            `RAW rows ${formatCount(summary.rawRows)}`,
            `PROD orders ${formatCount(summary.prodOrders)}`,
            `quarantined ${formatCount(summary.quarantined)}`,
            `bad CSV rows ${formatCount(summary.badRows)}`,
            `duration ${formatDuration(summary.durationMs)}`,
          ].join(', ');
          ctx.log(`${summary.interrupted ? 'stopped' : 'done'}: ${line}`);
          if (!summary.caughtUp)
            ctx.log(
              'warning: stopped before PROD caught up with everything published; run again to finish',
            );
          if (summary.interrupted) return ExitCode.ok;
          return summary.caughtUp ? ExitCode.ok : ExitCode.failed;
        },
      ),
    );
}

/** The dashboard is optional in `run`; it is loaded only when it exists and is wanted. */
async function loadDashboard() {
  try {
    const mod =
      (await import('../../dashboard/server.ts')) as typeof import('../../dashboard/server.ts');
    return mod.startDashboard;
  } catch {
    return undefined;
  }
}
