// @ts-check
/**
 * Connections to the test PostgreSQL and Redis for the server tests: the
 * servers of STEADYCART_TEST_POSTGRES_URL / STEADYCART_TEST_REDIS_URL, or
 * throwaway ones started by test/runner/services.mjs. `close()` ends the
 * client and stops a server it started.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createClient } from 'redis';
import { postgresStore, redisStore } from '../../dist/server.mjs';
import { postgresUrl, redisUrl } from '../runner/services.mjs';

/** A pg Pool on the test PostgreSQL. */
export async function openPostgres() {
  const server = await postgresUrl();
  const pool = new pg.Pool({ connectionString: server.url, max: 20 });
  pool.on('error', () => {});
  return { url: server.url, pool, close: async () => (await pool.end(), await server.stop()) };
}

/** A connected node-redis client on the test Redis. */
export async function openRedis() {
  const server = await redisUrl();
  const client = createClient({ url: server.url });
  client.on('error', () => {});
  await client.connect();
  return { url: server.url, client, close: async () => (client.destroy(), await server.stop()) };
}

/**
 * A migrated PostgreSQL store on a table of its own (`{name}_xxxxxxxx`), so
 * that test files sharing one database never meet.
 * @param {string} name
 * @param {{ prepare?: boolean }} [options]
 */
export async function openPostgresStore(name, options = {}) {
  const pg = await openPostgres();
  const store = postgresStore({ pool: pg.pool, table: `${name}_${randomUUID().slice(0, 8)}`, ...options });
  await store.migrate();
  return { store, close: () => pg.close() };
}

/**
 * A Redis store under a key prefix of its own.
 * @param {string} name
 */
export async function openRedisStore(name) {
  const redis = await openRedis();
  return { store: redisStore({ client: redis.client, prefix: `${name}:${randomUUID().slice(0, 8)}:` }), close: () => redis.close() };
}

/**
 * A gate a merchant handler waits on: the handler calls `enter()` and awaits
 * `opened`; the test awaits `entered`, looks, then calls `open()`.
 */
export function gate() {
  /** @type {() => void} */
  let open = () => {};
  const opened = new Promise((r) => (open = () => r(undefined)));
  /** @type {() => void} */
  let enter = () => {};
  const entered = new Promise((r) => (enter = () => r(undefined)));
  return { open, opened, enter, entered };
}
