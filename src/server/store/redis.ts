import { createHash, randomUUID } from 'node:crypto';
import { invalidOption, SteadyCartServerError } from '../errors';
import { COMPLETE, HEARTBEAT, READ, RELEASE, RESERVE } from './redis-scripts';
import type { IdempotencyStore, KeyRecord, Reservation } from './types';

/** Keys and arguments of a script call, as node-redis takes them. */
export interface RedisScriptOptions {
  /** The Redis keys the script touches. */
  keys: string[];
  /** Its other arguments, as strings. */
  arguments: string[];
}

/** What the store needs of a node-redis client (`createClient()`, connected). */
export interface RedisScriptClient {
  /** Runs a Lua script (`EVAL`). */
  eval(script: string, options: RedisScriptOptions): Promise<unknown>;
  /** Runs a script Redis has cached, by its SHA-1 (`EVALSHA`). */
  evalSha(sha1: string, options: RedisScriptOptions): Promise<unknown>;
  /** `PING`: whether the server answers (the health route). */
  ping(): Promise<unknown>;
}

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** A connected node-redis client (an optional peer dependency); the caller closes it. */
  client: RedisScriptClient;
  /** Prefix of the store's keys. Default `steadycart:idem:`. */
  prefix?: string | undefined;
}

/** A script sent by SHA1, and in full the first time Redis does not know it. */
function script(client: RedisScriptClient, source: string) {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (options: RedisScriptOptions): Promise<unknown> => {
    try {
      return await client.evalSha(sha, options);
    } catch (err) {
      if (!String((err as Error)?.message).startsWith('NOSCRIPT')) throw err;
      return client.eval(source, options);
    }
  };
}

/**
 * The idempotency store on Redis through a node-redis client the merchant
 * passes in. Reservation and every fenced write are single Lua scripts; the
 * lease is a key with the lease as its TTL (`SET NX PX`), and records expire
 * by TTL after the retention, so nothing needs sweeping. The guarantee needs
 * `appendonly yes` (`appendfsync always`, or accept losing up to a second of
 * outcomes on a crash) and `maxmemory-policy noeviction`: see docs/server.md.
 *
 * @example
 * ```ts
 * const client = await createClient({ url }).connect();
 * const store = redisStore({ client });
 * ```
 */
export function redisStore(options: RedisStoreOptions): IdempotencyStore {
  const client = options?.client;
  if (!client || typeof client.evalSha != 'function') invalidOption('client', 'must be a connected node-redis client');
  const prefix = options.prefix ?? 'steadycart:idem:';
  // The hash tag keeps a record and its lease in one cluster slot.
  const keys = (key: string) => [`${prefix}{${key}}`, `${prefix}{${key}}:lease`];
  const run = {
    reserve: script(client, RESERVE),
    heartbeat: script(client, HEARTBEAT),
    complete: script(client, COMPLETE),
    release: script(client, RELEASE),
    read: script(client, READ),
  };
  const ms = (n: number) => String(Math.max(1, Math.ceil(n)));
  const corrupt = (key: string, what: string) => new SteadyCartServerError('STORE_CORRUPT', `record ${key}: ${what}`);

  return {
    async reserve(key, fingerprint, { leaseMs, retentionMs }): Promise<Reservation> {
      const owner = randomUUID();
      const r = (await run.reserve({ keys: keys(key), arguments: [fingerprint, owner, ms(leaseMs), ms(retentionMs)] })) as unknown[];
      switch (r[0]) {
        case 'acquired':
          return { kind: 'acquired', owner, attempt: Number(r[1]) };
        case 'mismatch':
          return { kind: 'mismatch' };
        case 'done':
          return { kind: 'done', outcome: { status: Number(r[1]), body: String(r[2]) } };
        case 'busy':
          return { kind: 'busy', retryAfterMs: Math.max(0, Number(r[1])) };
      }
      throw corrupt(key, `unexpected reservation answer ${String(r[0])}`);
    },
    async read(key): Promise<KeyRecord | null> {
      const r = (await run.read({ keys: keys(key), arguments: [] })) as string[] | null;
      if (!r) return null;
      const [fingerprint, state, owner, attempt, status, body, now, leaseTtl, recordTtl] = r as [string, ...string[]];
      const clock = Number(now);
      const record: KeyRecord = {
        key,
        fingerprint,
        state: state == 'done' ? 'done' : 'running',
        owner: owner || null,
        leaseUntil: Number(leaseTtl) > 0 ? clock + Number(leaseTtl) : 0,
        leaseLeftMs: Math.max(0, Number(leaseTtl)),
        attempt: Number(attempt),
        expiresAt: Number(recordTtl) > 0 ? clock + Number(recordTtl) : Number.MAX_SAFE_INTEGER,
      };
      if (record.state == 'done') {
        if (!status || body === undefined) throw corrupt(key, 'done without an outcome');
        record.outcome = { status: Number(status), body };
      }
      return record;
    },
    async heartbeat(key, owner, leaseMs) {
      return Number(await run.heartbeat({ keys: keys(key), arguments: [owner, ms(leaseMs)] })) == 1;
    },
    async complete(key, owner, outcome, retentionMs) {
      const args = [owner, String(outcome.status), outcome.body, ms(retentionMs)];
      return Number(await run.complete({ keys: keys(key), arguments: args })) == 1;
    },
    async release(key, owner, { forget }) {
      return Number(await run.release({ keys: keys(key), arguments: [owner, forget ? '1' : '0'] })) == 1;
    },
    async sweep() {
      // Records expire by TTL.
      return 0;
    },
    async ping() {
      await client.ping();
    },
    async close() {},
  };
}
