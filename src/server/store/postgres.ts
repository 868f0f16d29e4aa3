import { invalidOption } from '../errors';
import { migrateSql, sqlStore, tableName, type SqlClient, type SqlTableOptions } from './sql';
import type { IdempotencyStore } from './types';

/** What the store needs of a `pg` Pool (a `pg.Pool` or `pg.Client` fits). */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** Options of {@link postgresStore}. */
export interface PostgresStoreOptions extends SqlTableOptions {
  /** A `pg` Pool connected to the primary (never a read replica); the caller ends it. */
  pool: PgQueryable;
}

/** A PostgreSQL store, and the call that creates its table. */
export interface PostgresStore extends IdempotencyStore {
  /** Creates the table when missing (never UNLOGGED); safe when several processes call it at once. */
  migrate(): Promise<void>;
}

/**
 * The idempotency store on a PostgreSQL server through a `pg` Pool (an
 * optional peer dependency) the merchant passes in: the same SQL as
 * `pgliteStore`. Every region of one idempotency domain uses the same
 * database primary. Run with `synchronous_commit = on` (the default).
 *
 * @example
 * ```ts
 * const store = postgresStore({ pool: new pg.Pool({ connectionString }) });
 * await store.migrate();
 * ```
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  const pool = options?.pool;
  // Checked here, not at the first query, so that a missing pool fails where it is passed.
  if (!pool || typeof pool.query != 'function') invalidOption('pool', 'must be a pg Pool (or Client)');
  const table = tableName(options);
  const client: SqlClient = {
    async query<Row>(text: string, params: readonly unknown[]) {
      const r = await pool.query(text, [...params]);
      return { rows: r.rows as Row[], count: r.rowCount ?? 0 };
    },
    async exec(text) {
      await pool.query(text);
    },
  };
  // The pool is the caller's: closing the store leaves it open.
  return { ...sqlStore(client, table, async () => {}), migrate: () => migrateSql(client, table) };
}
