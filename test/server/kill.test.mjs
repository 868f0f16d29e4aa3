// @ts-check
/**
 * `kill -9` of a `steadycart serve` process at three points of an order,
 * then a restart on the same store and a retry, on PGlite, PostgreSQL and
 * Redis. The points (serve's test-only `STEADYCART_CRASH_AT`, which makes
 * the process SIGKILL itself there):
 *   reserved  the key is reserved, the handler has not run;
 *   charged   the demo PSP charged and the ledger line is on disk, nothing stored;
 *   stored    the outcome is stored, the answer not sent.
 * For every point: the client sees the connection die; after the restart a
 * lookup never answers 404; a retry (after the dead owner's lease) gets the
 * outcome; the key is charged exactly once in the ledger; a replay and the
 * lookup give the same status and body byte for byte.
 *
 *   npm run build && node --test test/server/kill.test.mjs
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readLedger, startServe } from '../../examples/demo-shop/lib/serve-process.mjs';
import { demoOrder, lookup, postOrder, serviceUrl, tempDir } from './processes.mjs';

const POINTS = /** @type {const} */ (['reserved', 'charged', 'stored']);
/** A short lease, so a key whose owner died is taken over soon (serve's default is 30 s). */
const LEASE_MS = 2000;
/** The retries give up this long after the restart (the lease, a slow machine, generous margin). */
const LEASE_WAIT_MS = 30_000;

/** @type {Record<string, () => Promise<string>>} */
const STORES = {
  PGlite: async () => `pglite:${join(tempDir('kill-pglite'), 'data')}`,
  PostgreSQL: () => serviceUrl('postgres'),
  Redis: () => serviceUrl('redis'),
};

describe('kill -9 at three points, restart, retry', () => {
  for (const [name, storeFor] of Object.entries(STORES)) {
    test(`${name}: at most one charge per key, never a 404 lookup, an identical replay`, { timeout: 12 * 60_000 }, async () => {
      const store = await storeFor();
      const ledger = join(tempDir('kill-ledger'), 'ledger.jsonl');
      /** @type {Record<string, { key: string, body: string }>} */
      const orders = {};

      // One process per crash point, each killed by its own hook in the middle of one order.
      for (const point of POINTS) {
        const key = randomUUID();
        const body = demoOrder(`kill-${point}`);
        orders[point] = { key, body };
        const victim = await startServe({ store, region: 'a', ledger, leaseMs: LEASE_MS, env: { STEADYCART_CRASH_AT: point } });
        await assert.rejects(postOrder(victim.url, key, body), (err) => /socket hang up|ECONNRESET|other side closed/i.test(String(/** @type {Error} */ (err).message)), `${point}: the answer never came`);
        const exit = await victim.exited;
        assert.equal(exit.signal, 'SIGKILL', `${point}: the process died by SIGKILL (${victim.stderr()})`);
      }
      const lines = () => readLedger(ledger);
      assert.deepEqual(
        lines().map((l) => [l.key, l.charged]),
        [[orders.charged.key, true], [orders.stored.key, true]],
        'before the restart: charged at "charged" and "stored", not at "reserved"',
      );

      const server = await startServe({ store, region: 'b', ledger, leaseMs: LEASE_MS });
      try {
        // Right after the restart: every key is known (in progress or done), none is 404.
        for (const point of POINTS) {
          const l = await lookup(server.url, orders[point].key);
          assert.ok(l.status === 200 || l.status === 409, `${point}: lookup after restart answered ${l.status} ${l.text}`);
        }
        const stored = await lookup(server.url, orders.stored.key);
        assert.equal(stored.status, 200, 'the stored outcome survived the kill');

        // Retry each key until it has an outcome: the dead owner's lease has to run out first.
        /** @type {Record<string, import('./processes.mjs').Answer>} */
        const outcome = {};
        const deadline = Date.now() + LEASE_WAIT_MS;
        for (const point of POINTS) {
          for (;;) {
            const a = await postOrder(server.url, orders[point].key, orders[point].body);
            if (a.status !== 409) {
              outcome[point] = a;
              break;
            }
            const l = await lookup(server.url, orders[point].key);
            assert.notEqual(l.status, 404, `${point}: a lookup while the lease runs out answered 404`);
            assert.ok(Date.now() < deadline, `${point}: still 409 after ${LEASE_WAIT_MS} ms`);
            // Retry-After says when to come back; never busy-loop on it.
            await sleep(Math.min(5000, 1000 * Number(a.headers['retry-after'] ?? 1)));
          }
        }

        for (const point of POINTS) {
          const { key, body } = orders[point];
          const first = outcome[point];
          assert.equal(first.status, 201, `${point}: the retry confirms the order (${first.text})`);
          // A replay is byte-identical, says so, and the lookup wraps the same outcome.
          const again = await postOrder(server.url, key, body);
          assert.equal(again.status, first.status);
          assert.equal(again.text, first.text, `${point}: the replay is not byte-identical`);
          assert.equal(again.headers['idempotent-replayed'], 'true');
          const l = await lookup(server.url, key);
          assert.equal(l.status, 200);
          assert.deepEqual(JSON.parse(l.text), { status: first.status, body: JSON.parse(first.text) });
          // Exactly one charge per key across both processes; the run after a crash is attempt 2.
          const runs = lines().filter((x) => x.key === key);
          assert.equal(runs.filter((x) => x.charged).length, 1, `${point}: charges ${JSON.stringify(runs)}`);
          const expected = { reserved: [2], charged: [1, 2], stored: [1] }[point];
          assert.deepEqual(runs.map((x) => x.attempt), expected, `${point}: executions ${JSON.stringify(runs)}`);
        }
      } finally {
        await server.stop();
      }
    });
  }
});
