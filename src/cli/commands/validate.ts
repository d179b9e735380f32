import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { PipelineError } from '../../errors.ts';
import { ensureReportsDir, writeReport } from '../../validation/report.ts';
import { runValidation, type ValidationReport } from '../../validation/validate.ts';
import { openWarehouse } from '../../warehouse/index.ts';
import { command, ExitCode } from '../run-command.ts';
import { fromSetting } from '../help.ts';

export function formatSummary(report: ValidationReport, path: string): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const { evaluated, passed, warned, failed } = report.summary;
  const lines = [
    `validation ${report.status}: ${evaluated} checks, ${passed} passed, ${warned} warned, ${failed} failed`,
    ...(report.manifest_note ? [`note: ${report.manifest_note}`] : []),
    ...report.checks.map((c) => `${c.status.padEnd(4)}  ${c.name.padEnd(width)}  ${c.explanation}`),
    `report: ${path}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(
      'check RAW ⇄ PROD ⇄ manifest (orders, revenue, supplier cost and margin), duplicates, data quality, freshness, task status and dead letters; write reports/validate_report_<UTC>.json; exit 0 PASS/WARN, 1 FAIL or cannot run, 2 bad arguments',
    )
    .option(
      '--manifest <path>',
      'manifest to reconcile against [default: the one stored in the warehouse when its data was loaded, else <SEED_DIR>/manifest.json]',
    )
    .option('--output-dir <dir>', `folder of the JSON reports${fromSetting('REPORTS_DIR')}`)
    .action(
      command(async (ctx, flags: { manifest?: string; outputDir?: string }) => {
        const { config } = ctx.config({ REPORTS_DIR: flags.outputDir });
        // A folder the report cannot be written to fails now, not after the checks have run.
        await ensureReportsDir(
          config.reportsDir,
          flags.outputDir === undefined ? 'REPORTS_DIR' : '--output-dir',
        );
        if (flags.manifest && !existsSync(resolve(flags.manifest)))
          throw new PipelineError(
            'BAD_ARGUMENT',
            `--manifest ${resolve(flags.manifest)} does not exist`,
            {
              hint: 'pass the manifest.json of the data loaded into the warehouse, or leave --manifest out',
            },
          );
        if (config.warehouse.kind === 'duckdb' && !existsSync(config.warehouse.path)) {
          // Opening would create an empty file; validation only reads.
          throw new PipelineError(
            'NOT_SET_UP',
            `there is no warehouse at ${config.warehouse.path}`,
            {
              hint: 'run `npx dropship setup` (or `npx dropship run`) first, or point DUCKDB_PATH at the warehouse file',
            },
          );
        }
        const warehouse = await openWarehouse(config.warehouse);
        let report: ValidationReport;
        try {
          report = await runValidation(warehouse, {
            config,
            ...(flags.manifest ? { manifestPath: resolve(flags.manifest) } : {}),
          });
        } finally {
          await warehouse.close();
        }
        const path = await writeReport(report, config.reportsDir);
        process.stdout.write(formatSummary(report, path));
        return report.status === 'FAIL' ? ExitCode.failed : ExitCode.ok;
      }),
    );
}
