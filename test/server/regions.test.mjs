// @ts-check
/**
 * Two `steadycart serve` processes ("regions") on one real store, PostgreSQL
 * then Redis: 1,000 keys, each POSTed 32 times at once across both regions.
 * Exactly one handler execution per key (counted in the regions' ledgers, an
 * outside observer), every answer the stored outcome or 409, and no lookup
 * answering 404 for a key once any request for it was answered.
 *
 *   npm run build && node --test test/server/regions.test.mjs
 *
 * Bounded: at most 200 sockets (100 per region) carry the 32,000 POSTs; every
 * request has a timeout, and each store's test has one too.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readLedger, startServe } from '../../examples/demo-shop/lib/serve-process.mjs';
import { demoOrder, lookup, postOrder, serviceUrl, tempDir } from './processes.mjs';

const KEYS = 1000;
const PER_KEY = 32;
const SOCKETS_PER_REGION = 100;
/** Long enough that the 32 requests of a key overlap the first one's run: the others must see 409 or the replay. */
const HANDLER_DELAY_MS = 20;

/** @typedef {import('./processes.mjs').Answer} Answer */

for (const kind of /** @type {const} */ (['postgres', 'redis'])) {
  describe(`two regions on one ${kind === 'postgres' ? 'PostgreSQL' : 'Redis'}`, () => {
    test(`${KEYS} keys × ${PER_KEY} concurrent POSTs: one execution per key, only the stored outcome or 409, never a 404 lookup after an answer`, { timeout: 8 * 60_000 }, async () => {
      const store = await serviceUrl(kind);
      const dir = tempDir(`regions-${kind}`);
      const names = ['r1', 'r2'];
      const regions = await Promise.all(
        names.map((region) => startServe({ store, region, ledger: join(dir, `${region}.jsonl`), handlerDelayMs: HANDLER_DELAY_MS })),
      );
      const agents = regions.map(() => new http.Agent({ keepAlive: true, maxSockets: SOCKETS_PER_REGION }));
      try {
        const keys = Array.from({ length: KEYS }, () => randomUUID());
        /** @type {Map<string, Answer[]>} */
        const answers = new Map(keys.map((k) => [k, []]));
        /** @type {Promise<{ key: string, region: string, answer: Answer }>[]} */
        const lookups = [];
        /** @type {Promise<void>[]} */
        const posts = [];
        // Every request is queued at once; a key's 32 are adjacent in the regions' queues, so they run together.
        for (const key of keys) {
          const body = demoOrder(key);
          for (let i = 0; i < PER_KEY; i++) {
            const r = i % 2;
            posts.push(
              postOrder(regions[r].url, key, body, agents[r]).then((answer) => {
                const list = /** @type {Answer[]} */ (answers.get(key));
                list.push(answer);
                // The first answer for this key: from now on the other region must know the key.
                if (list.length === 1) {
                  const other = 1 - r;
                  lookups.push(lookup(regions[other].url, key, agents[other]).then((a) => ({ key, region: names[other], answer: a })));
                }
              }),
            );
          }
        }
        await Promise.all(posts);
        const during = await Promise.all(lookups);

        // Exactly one handler execution per key, in either region, counted from the ledgers.
        const lines = names.flatMap((n) => readLedger(join(dir, `${n}.jsonl`)));
        /** @type {Map<string, number>} */
        const runs = new Map();
        for (const l of lines) runs.set(l.key, (runs.get(l.key) ?? 0) + 1);
        const wrong = keys.filter((k) => runs.get(k) !== 1);
        assert.equal(wrong.length, 0, `${wrong.length} keys without exactly one execution, e.g. ${wrong[0]}: ${runs.get(wrong[0] ?? '') ?? 0}`);
        assert.equal(lines.length, KEYS, 'no execution for a key outside the test');
        assert.ok(lines.every((l) => l.charged === true), 'each key charged once, at its one execution');
        // Which region runs a key is a race, and a busy machine may let one region win every key
        // (seen: 1000 / 0): the split is printed, not asserted. Both regions answer 16 of each key's POSTs either way.
        const byRegion = names.map((n) => lines.filter((l) => l.region === n).length);

        // A lookup right after the first answer, in the other region: never 404.
        const missing = during.filter((d) => d.answer.status === 404);
        assert.equal(missing.length, 0, `lookups answered 404 after an answer, e.g. ${JSON.stringify(missing[0])}`);
        assert.ok(during.every((d) => d.answer.status === 200 || d.answer.status === 409), `lookup statuses: ${[...new Set(during.map((d) => d.answer.status))]}`);

        // Every answer is the stored outcome (as both regions' lookups give it) or 409.
        let conflicts = 0;
        let replays = 0;
        for (const key of keys) {
          const stored = await Promise.all(regions.map((r, i) => lookup(r.url, key, agents[i])));
          for (const s of stored) assert.equal(s.status, 200, `lookup of ${key}: ${s.status} ${s.text}`);
          const outcome = JSON.parse(stored[0].text);
          assert.deepEqual(JSON.parse(stored[1].text), outcome, 'both regions know the same outcome');
          const list = /** @type {Answer[]} */ (answers.get(key));
          assert.equal(list.length, PER_KEY);
          const finals = list.filter((a) => a.status !== 409);
          conflicts += list.length - finals.length;
          assert.ok(finals.length > 0, `${key}: every request answered 409`);
          for (const a of finals) {
            assert.equal(a.status, outcome.status, `${key}: answered ${a.status} ${a.text}, stored ${outcome.status}`);
            assert.deepEqual(JSON.parse(a.text), outcome.body, `${key}: an answer differs from the stored outcome`);
            assert.equal(a.text, /** @type {Answer} */ (finals[0]).text, `${key}: answers are not byte-identical`);
          }
          replays += finals.filter((a) => a.headers['idempotent-replayed'] === 'true').length;
        }
        assert.equal(replays, KEYS * PER_KEY - conflicts - KEYS, 'every answer but the first of each key says it is a replay');
        console.log(`# ${kind}: ${KEYS * PER_KEY} POSTs, ${conflicts} answered 409, ${replays} replays; executions per region ${byRegion.join(' / ')}`);
      } finally {
        for (const a of agents) a.destroy();
        await Promise.all(regions.map((r) => r.stop()));
      }
    });
  });
}
