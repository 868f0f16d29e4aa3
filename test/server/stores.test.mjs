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
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryStore, pgliteStore, postgresStore, redisStore } from '../../dist/server.mjs';
import { openPostgres, openRedis } from './fixtures.mjs';
import { storeContract } from './store-contract.mjs';

storeContract('memory', async () => ({ store: memoryStore(), cleanup: async () => {} }), { sweeps: true });

storeContract(
  'pglite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steadycart-pglite-'));
    const store = await pgliteStore({ dataDir: join(dir, 'db') });
    return { store, cleanup: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
  },
  { sweeps: true },
);

storeContract(
  'postgres',
  async () => {
    const pg = await openPostgres();
    const store = postgresStore({ pool: pg.pool, table: `contract_${randomUUID().slice(0, 8)}` });
    await store.migrate();
    return { store, cleanup: () => pg.close() };
  },
  { sweeps: true },
);

storeContract(
  'redis',
  async () => {
    const redis = await openRedis();
    const store = redisStore({ client: redis.client, prefix: `contract:${randomUUID().slice(0, 8)}:` });
    return { store, cleanup: () => redis.close() };
  },
  { sweeps: false },
);
