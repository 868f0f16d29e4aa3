// @ts-check
/**
 * The store contract (store-contract.mjs) on all four stores: memory, PGlite
 * in a temporary folder, PostgreSQL through a pg Pool and Redis through a
 * node-redis client (STEADYCART_TEST_POSTGRES_URL / STEADYCART_TEST_REDIS_URL,
 * or throwaway servers from test/runner/services.mjs). Each run uses its own
 * table and key prefix, so runs sharing a database do not meet.
 *
 *   npm run build && node --test test/server/stores.test.mjs
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { isSteadyCartServerError, memoryStore, pgliteStore, postgresStore } from '../../dist/server.mjs';
import { openPostgres, openPostgresStore, openRedisStore } from './fixtures.mjs';
import { storeContract } from './store-contract.mjs';

const execFileAsync = promisify(execFile);

storeContract('memory', async () => ({ store: memoryStore(), close: async () => {} }), { sweeps: true });

storeContract(
  'pglite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steadycart-pglite-'));
    const store = await pgliteStore({ dataDir: join(dir, 'db') });
    return { store, close: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
  },
  { sweeps: true },
);

storeContract('postgres', () => openPostgresStore('contract'), { sweeps: true });
storeContract('postgres, unprepared', () => openPostgresStore('contract', { prepare: false }), { sweeps: true });
// Redis expires records by TTL: sweep() has nothing to delete.
storeContract('redis', () => openRedisStore('contract'), { sweeps: false });

describe('postgresStore options', () => {
  it('without a pool (or with something that is not one) is INVALID_OPTIONS naming pool, at once rather than at migrate', () => {
    const invalid = (/** @type {unknown} */ err) => isSteadyCartServerError(err) && err.code == 'INVALID_OPTIONS' && err.option == 'pool';
    for (const options of [undefined, {}, { pool: {} }, { pool: { query: 'SELECT 1' } }]) {
      assert.throws(() => postgresStore(/** @type {any} */ (options)), invalid);
    }
  });

  it('prepare that is not a boolean is INVALID_OPTIONS naming prepare', () => {
    const pool = { query: async () => ({ rows: [], rowCount: 0 }) };
    for (const prepare of ['false', 0, null]) {
      assert.throws(
        () => postgresStore(/** @type {any} */ ({ pool, prepare })),
        (/** @type {unknown} */ err) => isSteadyCartServerError(err) && err.code == 'INVALID_OPTIONS' && err.option == 'prepare',
      );
    }
  });

  it('sends its statements prepared by default, as plain text with prepare: false, and two tables on one pool never share a name', async () => {
    const pgs = await openPostgres();
    // One connection, so that its prepared statements are the ones pg_prepared_statements shows.
    const pool = new pg.Pool({ connectionString: pgs.url, max: 1 });
    pool.on('error', () => {});
    const suffix = randomUUID().slice(0, 8);
    const prepared = async () =>
      (await pool.query("SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'steadycart\\_%'")).rows.map((r) => ({ name: r.name, table: /steadycart_\w+/.exec(r.statement)?.[0] }));
    try {
      const plain = postgresStore({ pool, table: `plain_${suffix}`, prepare: false });
      await plain.migrate();
      assert.equal((await plain.reserve('k1', 'fp', { leaseMs: 1000, retentionMs: 86_400_000 })).kind, 'acquired');
      assert.deepEqual(await prepared(), [], 'prepare: false prepares nothing');

      const a = postgresStore({ pool, table: `steadycart_a_${suffix}` });
      const b = postgresStore({ pool, table: `steadycart_b_${suffix}` });
      await Promise.all([a.migrate(), b.migrate()]);
      for (const store of [a, b]) {
        const r = await store.reserve('k1', 'fp', { leaseMs: 1000, retentionMs: 86_400_000 });
        assert.equal(r.kind, 'acquired');
        if (r.kind == 'acquired') assert.equal(await store.complete('k1', r.owner, { status: 201, body: '{}' }, 86_400_000), true);
        assert.equal((await store.reserve('k1', 'fp', { leaseMs: 1000, retentionMs: 86_400_000 })).kind, 'done');
      }
      const rows = await prepared();
      const tables = new Set(rows.map((r) => r.table));
      assert.deepEqual([...tables].sort(), [`steadycart_a_${suffix}`, `steadycart_b_${suffix}`], 'each table has its own statements');
      assert.equal(new Set(rows.map((r) => r.name)).size, rows.length, 'no name twice');
      assert.ok(rows.length >= 6, `reserve, classify and complete of both tables were prepared (${rows.length})`);
    } finally {
      await pool.end();
      await pgs.close();
    }
  });
});

describe('postgresStore under a stricter default isolation', () => {
  it('with default_transaction_isolation repeatable read or serializable, one of 24 concurrent first requests of a key holds it and the rest are told busy, never refused; a completion meeting heartbeats stores its outcome', { timeout: 60_000 }, async () => {
    const pgs = await openPostgres();
    try {
      for (const level of ['repeatable read', 'serializable']) {
        // A database or role configured so: every statement the store sends runs at that level.
        const pool = new pg.Pool({ connectionString: pgs.url, max: 24, options: `-c default_transaction_isolation=${level.replace(' ', '\\ ')}` });
        pool.on('error', () => {});
        try {
          assert.equal((await pool.query('SHOW default_transaction_isolation')).rows[0].default_transaction_isolation, level);
          const store = postgresStore({ pool, table: `iso_${randomUUID().slice(0, 8)}` });
          await store.migrate();
          // Each round races 24 reservations, then a completion against 8 heartbeats: at these levels, several
          // statements of a round meet a concurrent write (40001) in most runs.
          for (let round = 0; round < 8; round++) {
            const key = randomUUID();
            const reserved = await Promise.allSettled(Array.from({ length: 24 }, () => store.reserve(key, 'fp', { leaseMs: 5000, retentionMs: 86_400_000 })));
            const kinds = reserved.map((r) => (r.status == 'fulfilled' ? r.value.kind : `refused: ${r.reason?.code ?? r.reason}`));
            assert.deepEqual([kinds.filter((k) => k == 'acquired').length, kinds.filter((k) => k == 'busy').length], [1, 23], `${level}: ${kinds.join(', ')}`);
            const { owner } = /** @type {{ owner: string }} */ (/** @type {PromiseFulfilledResult<any>} */ (reserved.find((r) => r.status == 'fulfilled' && r.value.kind == 'acquired')).value);
            const [completed, ...beats] = await Promise.allSettled([store.complete(key, owner, { status: 201, body: '{}' }, 86_400_000), ...Array.from({ length: 8 }, () => store.heartbeat(key, owner, 5000))]);
            assert.deepEqual(completed, { status: 'fulfilled', value: true }, `${level}: the completion`);
            assert.deepEqual(beats.filter((b) => b.status == 'rejected').map((b) => b.reason?.code), [], `${level}: the heartbeats`);
            assert.equal((await store.reserve(key, 'fp', { leaseMs: 5000, retentionMs: 86_400_000 })).kind, 'done');
          }
        } finally {
          await pool.end();
        }
      }
    } finally {
      await pgs.close();
    }
  });
});

describe('postgresStore.migrate', () => {
  it('takes a reserved word for a table (order, user), and gives two long table names of one schema an index each', async () => {
    const pgs = await openPostgres();
    const pool = new pg.Pool({ connectionString: pgs.url, max: 2 });
    pool.on('error', () => {});
    const schema = `s_${randomUUID().slice(0, 8)}`;
    // 60 characters alike, then one that differs: cut at 63, their index names would be one.
    const long = (n) => `${'t'.repeat(58)}_${n}`;
    try {
      await pool.query(`CREATE SCHEMA ${schema}`);
      // Unqualified, a reserved word is a syntax error unless quoted (after a schema's dot, it is a name).
      for (const table of ['order', 'user', `${schema}.${long(1)}`, `${schema}.${long(2)}`]) {
        const store = postgresStore({ pool, table });
        await store.migrate();
        const key = randomUUID();
        const r = await store.reserve(key, 'fp', { leaseMs: 1000, retentionMs: 86_400_000 });
        assert.equal(r.kind, 'acquired', table);
        if (r.kind == 'acquired') assert.equal(await store.complete(key, r.owner, { status: 201, body: '{}' }, 86_400_000), true, table);
        assert.equal((await store.reserve(key, 'fp', { leaseMs: 1000, retentionMs: 86_400_000 })).kind, 'done', table);
      }
      const indexed = async (s) => (await pool.query('SELECT tablename FROM pg_indexes WHERE schemaname = $1 AND indexdef LIKE $2', [s, '%(expires_at)%'])).rows.map((r) => r.tablename);
      assert.deepEqual((await indexed(schema)).sort(), [long(1), long(2)], 'an expiry index on each long table');
      assert.deepEqual((await indexed('public')).filter((t) => t == 'order' || t == 'user').sort(), ['order', 'user']);
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP TABLE IF EXISTS "order", "user"`).catch(() => {});
      await pool.end();
      await pgs.close();
    }
  });

  it('creates a logged table, also when four processes migrate one empty database at once', async () => {
    const pgs = await openPostgres();
    const table = `migrate_${randomUUID().slice(0, 8)}`;
    // Four pools: four connections racing, as four processes starting together would.
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: pgs.url, max: 1 }));
    // pool.end() resolves before the server has seen the connection go: the server's
    // shutdown in pgs.close() can still reach it as an error, which must not be uncaught.
    for (const pool of pools) pool.on('error', () => {});
    try {
      await Promise.all(pools.map((pool) => postgresStore({ pool, table }).migrate()));
      await postgresStore({ pool: pgs.pool, table }).migrate();
      const { rows } = await pgs.pool.query('SELECT relpersistence FROM pg_class WHERE relname = $1', [table]);
      assert.deepEqual(rows, [{ relpersistence: 'p' }], 'permanent (never UNLOGGED)');
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      await pgs.close();
    }
  });
});

describe('pgliteStore without its optional dependency', () => {
  it('rejects with the resolver error, saying what to install, and creates nothing on disk', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steadycart-nopglite-'));
    try {
      // A resolver that finds no @electric-sql/pglite, as in a project that did not install it.
      const hooks = `export async function resolve(s, c, next) { if (s.startsWith('@electric-sql/pglite')) { const e = new Error('Cannot find package ' + s); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; } return next(s, c); }`;
      const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
      const server = new URL('../../dist/server.mjs', import.meta.url).href;
      const script = `import { pgliteStore } from ${JSON.stringify(server)}; pgliteStore({ dataDir: ${JSON.stringify(join(dir, 'db'))} }).then(() => console.log('opened'), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })));`;
      const { stdout } = await execFileAsync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', script], { timeout: 20_000 });
      const error = JSON.parse(stdout);
      assert.equal(error.code, 'ERR_MODULE_NOT_FOUND');
      assert.match(error.message, /Cannot find package @electric-sql\/pglite/);
      assert.match(error.message, /npm i @electric-sql\/pglite/);
      assert.deepEqual(readdirSync(dir), [], 'no data directory, no lock file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
