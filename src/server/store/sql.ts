import { createHash, randomUUID } from 'node:crypto';
import { invalidOption, SteadyCartServerError } from '../errors';
import type { IdempotencyStore, KeyRecord, Reservation } from './types';

/**
 * The one SQL behind `pgliteStore` and `postgresStore`: PostgreSQL's own
 * clock (`now()`) decides every lease and expiry, one statement per write,
 * every write after the reservation fenced by the owner token.
 */

/** What the SQL stores need of a driver: parameterised queries and a multi-statement script. */
export interface SqlClient {
  query<Row>(text: string, params: readonly unknown[]): Promise<{ rows: Row[]; count: number }>;
  exec(text: string): Promise<void>;
}

/** Table options shared by the SQL stores. */
export interface SqlTableOptions {
  /** Table name (lower-case; a reserved word such as `order` too), optionally schema-qualified. Default `steadycart_idempotency`. */
  table?: string | undefined;
}

/** `ms` as an SQL interval parameter. */
const MS = (n: number) => `($${n}::float8 * interval '1 millisecond')`;

/**
 * `table` (checked by {@link tableName}) as SQL writes it: each part quoted, so that a reserved word
 * (`order`, `user`) is a name too. Its parts are lower-case: quoted, they name the same table as bare.
 */
const quoted = (table: string) => table.split('.').map((part) => `"${part}"`).join('.');

/** The table, never UNLOGGED: an outcome must survive a crash of the database. */
function schema(table: string): string {
  // PostgreSQL cuts a name at 63 bytes: two long tables of one schema would share a cut index name (the second
  // index then never made, IF NOT EXISTS), so a longer one ends with a digest of the whole name instead.
  const name = `${table.replace('.', '_')}_expires_at`;
  const index = `"${name.length <= 63 ? name : `${name.slice(0, 50)}_${createHash('sha256').update(table).digest('hex').slice(0, 12)}`}"`;
  // The advisory lock serialises two processes migrating one empty database at
  // once (CREATE ... IF NOT EXISTS alone can still collide on the catalog).
  return `
    SELECT pg_advisory_xact_lock(hashtext('steadycart:migrate:${table}'));
    CREATE TABLE IF NOT EXISTS ${quoted(table)} (
      key          text PRIMARY KEY,
      fingerprint  text NOT NULL,
      state        text NOT NULL CHECK (state IN ('running', 'done')),
      owner        text,
      lease_until  timestamptz,
      attempt      integer NOT NULL,
      status       integer,
      body         text,
      expires_at   timestamptz NOT NULL
    );
    CREATE INDEX IF NOT EXISTS ${index} ON ${quoted(table)} (expires_at);`;
}

/** The statements, for one table. */
function statements(t: string) {
  return {
    reserve: `
      INSERT INTO ${t} AS r (key, fingerprint, state, owner, lease_until, attempt, expires_at)
      VALUES ($1, $2, 'running', $3, now() + ${MS(4)}, 1, now() + ${MS(5)})
      ON CONFLICT (key) DO UPDATE SET
        fingerprint = excluded.fingerprint, state = 'running', owner = excluded.owner,
        lease_until = excluded.lease_until, status = NULL, body = NULL,
        attempt = CASE WHEN r.expires_at <= now() THEN 1 ELSE r.attempt + 1 END,
        expires_at = excluded.expires_at
      WHERE r.expires_at <= now()
         OR (r.fingerprint = excluded.fingerprint AND r.state = 'running'
             AND (r.owner IS NULL OR r.lease_until <= now()))
      RETURNING r.attempt`,
    classify: `
      SELECT fingerprint, state, status, body, owner IS NOT NULL AND lease_until > now() AS live,
             greatest(0, extract(epoch FROM lease_until - now()) * 1000)::float8 AS left_ms
      FROM ${t} WHERE key = $1 AND expires_at > now()`,
    read: `
      SELECT key, fingerprint, state, owner, attempt, status, body,
             coalesce(extract(epoch FROM lease_until) * 1000, 0)::float8 AS lease_until,
             coalesce(greatest(0, extract(epoch FROM lease_until - now()) * 1000), 0)::float8 AS lease_left_ms,
             (extract(epoch FROM expires_at) * 1000)::float8 AS expires_at
      FROM ${t} WHERE key = $1 AND expires_at > now()`,
    heartbeat: `
      UPDATE ${t} SET lease_until = now() + ${MS(3)}
      WHERE key = $1 AND owner = $2 AND state = 'running' AND expires_at > now()`,
    complete: `
      UPDATE ${t} SET state = 'done', status = $3, body = $4, owner = NULL, lease_until = NULL,
                      expires_at = now() + ${MS(5)}
      WHERE key = $1 AND owner = $2 AND state = 'running' AND expires_at > now()`,
    forget: `DELETE FROM ${t} WHERE key = $1 AND owner = $2 AND state = 'running'`,
    keep: `
      UPDATE ${t} SET owner = NULL, lease_until = NULL
      WHERE key = $1 AND owner = $2 AND state = 'running' AND expires_at > now()`,
    sweep: `DELETE FROM ${t} WHERE expires_at <= now()`,
  };
}

interface ClassifyRow {
  fingerprint: string;
  state: string;
  status: number | null;
  body: string | null;
  live: boolean;
  left_ms: number;
}

interface ReadRow {
  key: string;
  fingerprint: string;
  state: string;
  owner: string | null;
  attempt: number;
  status: number | null;
  body: string | null;
  lease_until: number;
  lease_left_ms: number;
  expires_at: number;
}

/** @internal A checked table name. */
export function tableName(options: SqlTableOptions): string {
  const table = options.table ?? 'steadycart_idempotency';
  if (!/^([a-z_][a-z0-9_]{0,62}\.)?[a-z_][a-z0-9_]{0,62}$/.test(table)) {
    invalidOption('table', 'must be a lower-case SQL identifier, optionally schema-qualified');
  }
  return table;
}

/** @internal Creates the table when missing; safe when several processes run it at once. */
export const migrateSql = (client: SqlClient, table: string): Promise<void> => client.exec(schema(table));

/**
 * What PostgreSQL answers a statement that met a concurrent write its isolation level cannot read past
 * (40001: a database or role whose `default_transaction_isolation` is repeatable read or serializable), or a
 * deadlock (40P01).
 */
const CONCURRENT_WRITE = ['40001', '40P01'];

/** @internal The store over `client`; `close` closes what the caller opened for it. */
export function sqlStore(client: SqlClient, table: string, close: () => Promise<void>): IdempotencyStore {
  const sql = statements(quoted(table));
  /**
   * `client.query`, sent again when it met a concurrent write: every statement runs alone, so it changed nothing,
   * and sent again it reads what the other one committed, as it would at read committed (the default, where a
   * first request meeting another one of its key is told busy, not refused; a completion meeting a heartbeat
   * stores its outcome).
   */
  const query = async <Row>(text: string, params: readonly unknown[]) => {
    for (let tries = 1; ; tries++) {
      try {
        return await client.query<Row>(text, params);
      } catch (err) {
        if (tries >= 10 || !CONCURRENT_WRITE.includes((err as { code?: string } | null)?.code!)) throw err;
      }
    }
  };
  const corrupt = (key: string) => new SteadyCartServerError('STORE_CORRUPT', `record ${key} is done without an outcome`);

  return {
    async reserve(key, fingerprint, { leaseMs, retentionMs }): Promise<Reservation> {
      // A row that changes between the two statements (taken over, expired) is classified again.
      for (let round = 0; round < 5; round++) {
        const owner = randomUUID();
        const won = await query<{ attempt: number }>(sql.reserve, [key, fingerprint, owner, leaseMs, retentionMs]);
        if (won.rows[0]) return { kind: 'acquired', owner, attempt: won.rows[0].attempt };
        const row = (await query<ClassifyRow>(sql.classify, [key])).rows[0];
        if (!row) continue;
        if (row.fingerprint != fingerprint) return { kind: 'mismatch' };
        if (row.state == 'done') {
          if (row.status == null || row.body == null) throw corrupt(key);
          return { kind: 'done', outcome: { status: row.status, body: row.body } };
        }
        if (row.live) return { kind: 'busy', retryAfterMs: row.left_ms };
      }
      return { kind: 'busy', retryAfterMs: 1000 };
    },
    async read(key): Promise<KeyRecord | null> {
      const row = (await query<ReadRow>(sql.read, [key])).rows[0];
      if (!row) return null;
      const record: KeyRecord = {
        key: row.key,
        fingerprint: row.fingerprint,
        state: row.state == 'done' ? 'done' : 'running',
        owner: row.owner,
        leaseUntil: row.lease_until,
        leaseLeftMs: row.lease_left_ms,
        attempt: row.attempt,
        expiresAt: row.expires_at,
      };
      if (record.state == 'done') {
        if (row.status == null || row.body == null) throw corrupt(key);
        record.outcome = { status: row.status, body: row.body };
      }
      return record;
    },
    async heartbeat(key, owner, leaseMs) {
      return (await query(sql.heartbeat, [key, owner, leaseMs])).count == 1;
    },
    async complete(key, owner, outcome, retentionMs) {
      return (await query(sql.complete, [key, owner, outcome.status, outcome.body, retentionMs])).count == 1;
    },
    async release(key, owner, { forget }) {
      return (await query(forget ? sql.forget : sql.keep, [key, owner])).count == 1;
    },
    async sweep() {
      return (await query(sql.sweep, [])).count;
    },
    async ping() {
      await query('SELECT 1', []);
    },
    close,
  };
}
