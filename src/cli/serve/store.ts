/**
 * Opens the store named by `--store`. The PostgreSQL and Redis drivers and
 * PGlite are optional peer dependencies: each is imported only when asked
 * for, so `--store memory` runs without any of them.
 */
import { mkdir } from 'node:fs/promises';
import { memoryStore, pgliteStore, postgresStore, redisStore, type IdempotencyStore } from '../../server/index';
import { CliError } from '../errors';
import { describeStore, type StoreSpec } from './options';

/** A store and how to let go of it (and of the connections opened for it). */
export interface OpenStore {
  store: IdempotencyStore;
  close(): Promise<void>;
}

/** Redis tries this many times before the first connection counts as failed; later it retries for ever. */
const FIRST_CONNECT_TRIES = 5;
/**
 * How long a PostgreSQL connection, or a wait for a free one, may take. Without it a database host
 * that does not answer holds the start for minutes and every checkout request for as long; with it
 * the start fails with a message and a request gets 503 store_unavailable (the SDK may fail over).
 */
const PG_CONNECT_TIMEOUT_MS = 10_000;

/** Opens (and for SQL, migrates) the store; a `CliError` with code `STORE` when it cannot. */
export async function openStore(spec: StoreSpec): Promise<OpenStore> {
  try {
    const opened = await open(spec);
    // Ready means answering: the first request must not wait for the store's warm-up.
    await opened.store.ping().catch(async (err: unknown) => {
      await opened.close().catch(() => {});
      throw err;
    });
    return opened;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const driver = e.code === 'ERR_MODULE_NOT_FOUND' ? ` (install the optional dependency: npm i ${driverOf(spec)})` : '';
    throw new CliError('STORE', `cannot open the store ${describeStore(spec)}: ${e.message}${driver}`);
  }
}

function driverOf(spec: StoreSpec): string {
  return spec.kind === 'pglite' ? '@electric-sql/pglite' : spec.kind === 'postgres' ? 'pg' : 'redis';
}

async function open(spec: StoreSpec): Promise<OpenStore> {
  switch (spec.kind) {
    case 'memory': {
      const store = memoryStore();
      return { store, close: () => store.close() };
    }
    case 'pglite': {
      await mkdir(spec.dataDir, { recursive: true });
      const store = await pgliteStore({ dataDir: spec.dataDir });
      return { store, close: () => store.close() };
    }
    case 'postgres': {
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({ connectionString: spec.url, connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS });
      // An idle client losing its connection must not end the process: the next query reconnects.
      pool.on('error', () => {});
      try {
        const store = postgresStore({ pool });
        // Creates the table; safe when several processes start at once.
        await store.migrate();
        return { store, close: () => store.close().finally(() => pool.end()) };
      } catch (err) {
        await pool.end().catch(() => {});
        throw err;
      }
    }
    case 'redis': {
      const { createClient } = await import('redis');
      let connected = false;
      const client = createClient({
        url: spec.url,
        socket: { reconnectStrategy: (tries, cause) => (!connected && tries >= FIRST_CONNECT_TRIES ? cause : Math.min(100 * 2 ** tries, 2000)) },
        // While Redis is away a command fails at once (503 store_unavailable: the SDK may fail over)
        // rather than wait in the client's queue, and the checkout request with it, until Redis is back.
        disableOfflineQueue: true,
      });
      // Seen as a failing health route and failing requests; the client reconnects by itself.
      client.on('error', () => {});
      await client.connect();
      connected = true;
      await warnOfForgetfulRedis((config) => client.configGet(config));
      const store = redisStore({ client });
      // A client still reconnecting has nothing to finish: let it go at once (close() would wait for Redis).
      return { store, close: () => store.close().finally(() => (client.isReady ? client.close() : client.destroy())) };
    }
  }
}

/**
 * The Redis settings docs/server.md says the guarantee needs: a Redis that
 * forgets keys (no append-only file, an eviction policy) runs a charged
 * order again after a restart, or answers its lookup 404 and lets it go to
 * another domain. Each one amiss is said on standard error at start; a
 * Redis that refuses CONFIG (a managed one may) is not judged.
 */
async function warnOfForgetfulRedis(configGet: (parameters: string[]) => Promise<Record<string, unknown>>): Promise<void> {
  const warn = (line: string) => void process.stderr.write(`steadycart serve: warning: ${line}\n`);
  let config: Record<string, unknown>;
  try {
    config = await configGet(['appendonly', 'maxmemory-policy']);
  } catch {
    return;
  }
  if (config.appendonly == 'no') warn('Redis has appendonly no: a restart forgets every key, and orders charged before it may be charged again (docs/server.md, Redis)');
  const policy = config['maxmemory-policy'];
  if (typeof policy == 'string' && policy != 'noeviction') warn(`Redis has maxmemory-policy ${policy}: an evicted key is a forgotten order, which may be charged again; set noeviction (docs/server.md, Redis)`);
}
