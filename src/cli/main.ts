/**
 * The `dropship` CLI: one file per command under ./commands. This folder is the only place
 * that prints to the terminal or sets the exit code.
 */
import { CommanderError } from 'commander';
import { buildProgram } from './program.ts';
import { ExitCode } from './run-command.ts';

const program = await buildProgram();

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
