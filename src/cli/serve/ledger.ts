/**
 * The `--ledger FILE`: one JSON line per handler execution, appended and
 * flushed to disk before the handler answers, so that an observer outside
 * the process can count executions and charges per key, even across a
 * `kill -9`.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { CliError } from '../errors';

/** One handler execution, as written to the ledger. */
export interface LedgerEntry {
  key: string;
  attempt: number;
  region: string;
  /** True only when the PSP charged on this execution (false for a decline or a key it saw before). */
  charged: boolean;
}

/** Where executions are recorded. */
export interface Ledger {
  append(entry: LedgerEntry): Promise<void>;
  close(): Promise<void>;
}

/** A ledger that records nothing (no `--ledger`). */
export const noLedger: Ledger = { append: async () => {}, close: async () => {} };

/** Opens (creates) FILE for appending; a usage error when it cannot. */
export async function openLedger(file: string): Promise<Ledger> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'a');
  } catch (err) {
    throw new CliError('USAGE', `--ledger ${file}: ${(err as Error).message}`);
  }
  return {
    async append(entry) {
      // O_APPEND and one write(2) per line: concurrent executions never interleave.
      const line = Buffer.from(`${JSON.stringify({ key: entry.key, attempt: entry.attempt, region: entry.region, charged: entry.charged })}\n`);
      const { bytesWritten } = await handle.write(line);
      if (bytesWritten !== line.length) throw new Error(`ledger: short write (${bytesWritten} of ${line.length} bytes)`);
      await handle.datasync();
    },
    close: () => handle.close(),
  };
}
