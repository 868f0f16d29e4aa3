import { createHash } from 'node:crypto';
import { invalidOption } from '../errors';
import { migrateSql, sqlStore, tableName, type SqlClient, type SqlTableOptions } from './sql';
import type { IdempotencyStore } from './types';

/** The result the store reads of a query. */
export interface PgResult {
  /** The rows the query returned. */
  rows: unknown[];
  /** How many rows it wrote (or returned); `null` where the driver does not say. */
  rowCount: number | null;
}

/** What the store needs of a `pg` Pool (a `pg.Pool` or `pg.Client` fits). */
export interface PgQueryable {
  /** A query with its parameters (`$1`, `$2` ...). */
  query(text: string, values?: unknown[]): Promise<PgResult>;
  /** A named (prepared) statement; used unless `prepare` is false. */
  query(config: { name: string; text: string; values: unknown[] }): Promise<PgResult>;
}

/** Options of {@link postgresStore}. */
export interface PostgresStoreOptions extends SqlTableOptions {
  /** A `pg` Pool connected to the primary (never a read replica); the caller ends it. */
  pool: PgQueryable;
  /**
   * Send the store's statements as named (prepared) statements, parsed and
   * planned once per connection. Default `true`. Set `false` behind a pooler
   * in transaction mode that does not track prepared statements (PgBouncer
   * before 1.21, or with `max_prepared_statements = 0`).
   */
  prepare?: boolean | undefined;
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
  if (options.prepare !== undefined && typeof options.prepare != 'boolean') invalidOption('prepare', 'must be a boolean');
  const prepare = options.prepare ?? true;
  const client: SqlClient = {
    async query<Row>(text: string, params: readonly unknown[]) {
      const values = [...params];
      const r = await (prepare ? pool.query({ name: statementName(text), text, values }) : pool.query(text, values));
      return { rows: r.rows as Row[], count: r.rowCount ?? 0 };
    },
    async exec(text) {
      await pool.query(text);
    },
  };
  // The pool is the caller's: closing the store leaves it open.
  return { ...sqlStore(client, table, async () => {}), migrate: () => migrateSql(client, table) };
}

/** Names already made: the store sends a handful of texts, each on every order. */
const names = new Map<string, string>();

/**
 * A statement's name, from its text: two stores on one pool (other tables)
 * never share a name, and `pg` refuses one name for two texts.
 */
function statementName(text: string): string {
  let name = names.get(text);
  if (!name) names.set(text, (name = `steadycart_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`));
  return name;
}
