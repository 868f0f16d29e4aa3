// @ts-check
/**
 * Connections to the test PostgreSQL and Redis for the server tests: the
 * servers of STEADYCART_TEST_POSTGRES_URL / STEADYCART_TEST_REDIS_URL, or
 * throwaway ones started by test/runner/services.mjs. `close()` ends the
 * client and stops a server it started.
 */
import pg from 'pg';
import { createClient } from 'redis';
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
