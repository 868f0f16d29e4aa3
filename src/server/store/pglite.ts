import { resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { invalidOption } from '../errors';
import { lockFile } from './lock-file';
import { migrateSql, sqlStore, tableName, type SqlClient, type SqlTableOptions } from './sql';
import type { IdempotencyStore } from './types';

/** Options of {@link pgliteStore}. */
export interface PgliteStoreOptions extends SqlTableOptions {
  /** Folder of the embedded database; created when missing. */
  dataDir: string;
}

/**
 * The embedded default: a real PostgreSQL (`@electric-sql/pglite`, an optional
 * peer dependency) in this process, its data in `dataDir`. One process only:
 * a lock file beside the folder (`<dataDir>.lock`) makes a second process
 * refuse to start (`STORE_LOCKED`) instead of corrupting the database. For
 * several processes or regions use `postgresStore` or `redisStore`.
 *
 * @example
 * ```ts
 * const store = await pgliteStore({ dataDir: './data/idempotency' });
 * ```
 */
export async function pgliteStore(options: PgliteStoreOptions): Promise<IdempotencyStore> {
  if (typeof options?.dataDir != 'string' || !options.dataDir) invalidOption('dataDir', 'must be a folder path');
  const table = tableName(options);
  const dir = resolve(options.dataDir);
  // The optional dependency first: without it, nothing is created on disk. Its error comes as thrown, saying what to install.
  const { PGlite } = await import('@electric-sql/pglite').catch((e: NodeJS.ErrnoException) => {
    if (e?.code == 'ERR_MODULE_NOT_FOUND') e.message += ' (pgliteStore needs the optional dependency: npm i @electric-sql/pglite)';
    throw e;
  });
  mkdirSync(dir, { recursive: true });
  const lock = lockFile(`${dir}.lock`, `the PGlite data directory ${dir}`);
  let db: import('@electric-sql/pglite').PGlite | undefined;
  try {
    const opened = await PGlite.create(dir);
    db = opened;
    const client: SqlClient = {
      async query<Row>(text: string, params: readonly unknown[]) {
        const r = await opened.query<Row>(text, params as unknown[]);
        return { rows: r.rows, count: r.affectedRows ?? r.rows.length };
      },
      async exec(text) {
        await opened.exec(text);
      },
    };
    await migrateSql(client, table);
    return sqlStore(client, table, async () => {
      try {
        if (!opened.closed) await opened.close();
      } finally {
        lock.release();
      }
    });
  } catch (err) {
    // A database that opened but could not be migrated is closed too, not left running in this process.
    await db?.close().catch(() => {});
    lock.release();
    throw err;
  }
}
