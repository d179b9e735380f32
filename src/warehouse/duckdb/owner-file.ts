/**
 * `<file>.duckdb.owner.json`: which process owns a DuckDB file and where it serves the
 * dashboard, written by the owner next to the file. DuckDB lets one process open a file; the
 * lock error a second process gets names the owner's PID only, so this file is how it learns
 * the owner's real dashboard address (or that it serves none) instead of guessing one.
 *
 * Best effort on both sides: an owner that cannot write it still runs, and a record is
 * trusted only when its PID is the one DuckDB names (a record left by a killed process is
 * ignored).
 */
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { z } from 'zod';

const OwnerSchema = z.object({
  pid: z.number().int(),
  /** The owner's command line (`dropship run`), for the message. */
  command: z.string(),
  /** Where it serves the dashboard over this file; null: nowhere. */
  dashboard: z.string().nullable(),
});

export type WarehouseOwner = z.infer<typeof OwnerSchema>;

export function ownerFilePath(duckdbPath: string): string {
  return `${duckdbPath}.owner.json`;
}

/** This process's command as a user typed it: `dropship monitor --port 8600`. */
function thisCommand(): string {
  const args = process.argv.slice(2);
  return ['dropship', ...args].join(' ');
}

export async function writeOwner(duckdbPath: string, dashboard: string | null): Promise<void> {
  const record: WarehouseOwner = { pid: process.pid, command: thisCommand(), dashboard };
  await writeFile(ownerFilePath(duckdbPath), `${JSON.stringify(record)}\n`).catch(() => undefined);
}

/** Removes the record when it is this process's (a later owner's is left alone). */
export async function removeOwner(duckdbPath: string): Promise<void> {
  if (readOwner(duckdbPath, process.pid) === null) return;
  await rm(ownerFilePath(duckdbPath), { force: true }).catch(() => undefined);
}

/** The owner record of `duckdbPath` when it is the one of process `pid`; null otherwise. */
export function readOwner(duckdbPath: string, pid: number): WarehouseOwner | null {
  try {
    const parsed = OwnerSchema.safeParse(
      JSON.parse(readFileSync(ownerFilePath(duckdbPath), 'utf8')),
    );
    return parsed.success && parsed.data.pid === pid ? parsed.data : null;
  } catch {
    return null;
  }
}
