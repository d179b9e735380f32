/**
 * The `dropship` CLI: one file per command under ./commands. This folder is the only place
 * that prints to the terminal or sets the exit code.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerGenerate } from './commands/generate.ts';
import { ExitCode } from './run-command.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('dropship')
  .description('Real-time data pipeline for a dropshipping clothing shop')
  .version(pkg.version)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerGenerate(program);

for (const register of (await import('./commands/index.ts')).commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version are successes; everything else is a usage error (exit 2).
    process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  } else {
    throw error;
  }
}
