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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { isSteadyCartServerError, memoryStore, pgliteStore, postgresStore } from '../../dist/server.mjs';
import { openPostgres, openPostgresStore, openRedisStore } from './fixtures.mjs';
import { storeContract } from './store-contract.mjs';

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
// Redis expires records by TTL: sweep() has nothing to delete.
storeContract('redis', () => openRedisStore('contract'), { sweeps: false });

describe('postgresStore options', () => {
  it('without a pool (or with something that is not one) is INVALID_OPTIONS naming pool, at once rather than at migrate', () => {
    const invalid = (/** @type {unknown} */ err) => isSteadyCartServerError(err) && err.code == 'INVALID_OPTIONS' && err.option == 'pool';
    for (const options of [undefined, {}, { pool: {} }, { pool: { query: 'SELECT 1' } }]) {
      assert.throws(() => postgresStore(/** @type {any} */ (options)), invalid);
    }
  });
});

describe('postgresStore.migrate', () => {
  it('creates a logged table, also when four processes migrate one empty database at once', async () => {
    const pgs = await openPostgres();
    const table = `migrate_${randomUUID().slice(0, 8)}`;
    // Four pools: four connections racing, as four processes starting together would.
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: pgs.url, max: 1 }));
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
