// @ts-check
/**
 * The one contract every IdempotencyStore keeps (src/server/store/types.ts),
 * run on each store by stores.test.mjs: reservation, 422 before 409, owner
 * fencing, release with forget or keep, attempt counting, takeover after the
 * lease, heartbeats, stale completions refused, expiry and sweep, and one
 * winner among parallel reservations.
 *
 * Leases that must stay live are long (60 s); leases that must end are short
 * and the test waits well past them, so a busy machine cannot flip a result.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

/** @typedef {import('../../dist/server.mjs').IdempotencyStore} IdempotencyStore */

const LIVE = { leaseMs: 60_000, retentionMs: 3_600_000 };
const SHORT = { leaseMs: 100, retentionMs: 3_600_000 };
/** Long enough past a 100 ms lease (or retention) on any machine. */
const PAST_SHORT = 600;
const FP_A = 'a'.repeat(64);
const FP_B = 'b'.repeat(64);
/** A body with what JSON stores like to rewrite: escapes, non-ASCII, spacing, number formats. */
const BODY = '{"orderId":"o-1","note":"caf\u00e9 \\u2028 \\"q\\" \\/","total":1.50, "e":1e3,"emoji":"\ud83d\uded2"}';

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));
const newKey = () => `k-${randomUUID()}`;

/**
 * Runs the contract on the store made by `open`.
 * @param {string} name
 * @param {() => Promise<{ store: IdempotencyStore, close: () => Promise<void> }>} open
 * @param {{ sweeps: boolean }} traits `sweeps`: sweep() deletes expired records (SQL, memory); Redis expires by TTL
 */
export function storeContract(name, open, traits) {
  describe(`store contract: ${name}`, () => {
    /** @type {IdempotencyStore} */
    let store;
    /** @type {() => Promise<void>} */
    let close = async () => {};
    before(async () => {
      ({ store, close } = await open());
    });
    after(() => close());

    /** @param {import('../../dist/server.mjs').Reservation} r */
    const owned = (r) => {
      assert.equal(r.kind, 'acquired', `expected acquired, got ${JSON.stringify(r)}`);
      return /** @type {{ kind: 'acquired', owner: string, attempt: number }} */ (r);
    };

    it('reserves an unknown key: acquired, attempt 1, running with a live lease', async () => {
      const key = newKey();
      const start = Date.now();
      const r = owned(await store.reserve(key, FP_A, LIVE));
      assert.equal(r.attempt, 1);
      assert.ok(r.owner.length >= 16, 'owner token');
      const rec = await store.read(key);
      assert.ok(rec);
      assert.deepEqual(
        { key: rec.key, fingerprint: rec.fingerprint, state: rec.state, owner: rec.owner, attempt: rec.attempt },
        { key, fingerprint: FP_A, state: 'running', owner: r.owner, attempt: 1 },
      );
      assert.ok(rec.leaseUntil > start + 50_000 && rec.leaseUntil < Date.now() + 70_000, `leaseUntil ${rec.leaseUntil}`);
      // By the store's own clock, which the lookup's Retry-After uses: this process's clock may be skewed.
      assert.ok(rec.leaseLeftMs !== undefined && rec.leaseLeftMs > 50_000 && rec.leaseLeftMs <= 60_000, `leaseLeftMs ${rec.leaseLeftMs}`);
      assert.ok(rec.expiresAt > start + 3_000_000, `expiresAt ${rec.expiresAt}`);
    });

    it('answers busy with the lease left while the lease is live', async () => {
      const key = newKey();
      owned(await store.reserve(key, FP_A, LIVE));
      const r = await store.reserve(key, FP_A, LIVE);
      assert.equal(r.kind, 'busy');
      assert.ok(r.kind == 'busy' && r.retryAfterMs > 30_000 && r.retryAfterMs <= 60_000, JSON.stringify(r));
    });

    it('answers mismatch before busy: another fingerprint while the lease is live', async () => {
      const key = newKey();
      owned(await store.reserve(key, FP_A, LIVE));
      assert.deepEqual(await store.reserve(key, FP_B, LIVE), { kind: 'mismatch' });
    });

    it('answers mismatch for another fingerprint after the outcome is stored, and after the lease ended', async () => {
      const done = newKey();
      const r = owned(await store.reserve(done, FP_A, LIVE));
      assert.equal(await store.complete(done, r.owner, { status: 201, body: '{}' }, LIVE.retentionMs), true);
      assert.deepEqual(await store.reserve(done, FP_B, LIVE), { kind: 'mismatch' });
      const ended = newKey();
      owned(await store.reserve(ended, FP_A, SHORT));
      await sleep(PAST_SHORT);
      assert.deepEqual(await store.reserve(ended, FP_B, LIVE), { kind: 'mismatch' });
    });

    it('stores an outcome and replays it byte for byte; the record is done with no owner', async () => {
      const key = newKey();
      const r = owned(await store.reserve(key, FP_A, LIVE));
      assert.equal(await store.complete(key, r.owner, { status: 402, body: BODY }, LIVE.retentionMs), true);
      assert.deepEqual(await store.reserve(key, FP_A, LIVE), { kind: 'done', outcome: { status: 402, body: BODY } });
      const rec = await store.read(key);
      assert.ok(rec);
      assert.equal(rec.state, 'done');
      assert.equal(rec.owner, null);
      assert.equal(rec.leaseUntil, 0);
      assert.deepEqual(rec.outcome, { status: 402, body: BODY });
    });

    it('fences every write by the owner token: a wrong owner changes nothing', async () => {
      const key = newKey();
      const r = owned(await store.reserve(key, FP_A, LIVE));
      const stranger = randomUUID();
      assert.equal(await store.complete(key, stranger, { status: 201, body: '{"x":1}' }, LIVE.retentionMs), false);
      assert.equal(await store.heartbeat(key, stranger, LIVE.leaseMs), false);
      assert.equal(await store.release(key, stranger, { forget: true }), false);
      assert.equal(await store.release(key, stranger, { forget: false }), false);
      const rec = await store.read(key);
      assert.equal(rec?.state, 'running');
      assert.equal(rec?.owner, r.owner);
      assert.equal(rec?.outcome, undefined);
      // And the owner's own writes still work.
      assert.equal(await store.complete(key, r.owner, { status: 201, body: '{"x":2}' }, LIVE.retentionMs), true);
      // Once done, even the former owner cannot write again.
      assert.equal(await store.complete(key, r.owner, { status: 201, body: '{"x":3}' }, LIVE.retentionMs), false);
      assert.equal(await store.release(key, r.owner, { forget: true }), false);
      assert.deepEqual((await store.read(key))?.outcome, { status: 201, body: '{"x":2}' });
    });

    it('release with forget deletes the record: the key is unknown again', async () => {
      const key = newKey();
      const r = owned(await store.reserve(key, FP_A, LIVE));
      assert.equal(await store.release(key, r.owner, { forget: true }), true);
      assert.equal(await store.read(key), null);
      // Forgotten: another body may now use the key, as a first attempt.
      assert.equal(owned(await store.reserve(key, FP_B, LIVE)).attempt, 1);
    });

    it('release with keep ends the lease and keeps the record: the next reserve runs attempt + 1 at once', async () => {
      const key = newKey();
      const r = owned(await store.reserve(key, FP_A, LIVE));
      assert.equal(await store.release(key, r.owner, { forget: false }), true);
      const rec = await store.read(key);
      assert.equal(rec?.state, 'running');
      assert.equal(rec?.owner, null);
      assert.equal(rec?.leaseUntil, 0);
      const again = owned(await store.reserve(key, FP_A, LIVE));
      assert.equal(again.attempt, 2);
      assert.notEqual(again.owner, r.owner);
    });

    it('counts attempts across kept releases: 1, 2, 3', async () => {
      const key = newKey();
      const attempts = [];
      for (let i = 0; i < 3; i++) {
        const r = owned(await store.reserve(key, FP_A, LIVE));
        attempts.push(r.attempt);
        assert.equal(await store.release(key, r.owner, { forget: false }), true);
      }
      assert.deepEqual(attempts, [1, 2, 3]);
      assert.equal((await store.read(key))?.attempt, 3);
    });

    it('takes a key over after its lease ended, with a new owner and attempt + 1', async () => {
      const key = newKey();
      const first = owned(await store.reserve(key, FP_A, SHORT));
      await sleep(PAST_SHORT);
      const second = owned(await store.reserve(key, FP_A, LIVE));
      assert.equal(second.attempt, 2);
      assert.notEqual(second.owner, first.owner);
      assert.equal((await store.read(key))?.owner, second.owner);
    });

    it('a takeover starts the retention again: its run can still store an outcome past the first reservation’s expiry', async () => {
      // Retention starts at the last write: a run that took the key over near
      // the end of the first reservation's retention must not lose its outcome
      // (the lookup would then answer 404 and the order could cross domains).
      const key = newKey();
      const first = owned(await store.reserve(key, FP_A, { leaseMs: 50, retentionMs: 1_500 }));
      assert.equal(await store.release(key, first.owner, { forget: false }), true);
      await sleep(900);
      const second = owned(await store.reserve(key, FP_A, { leaseMs: 60_000, retentionMs: 1_500 }));
      assert.equal(second.attempt, 2);
      await sleep(900); // past the first reservation's expiry, within the takeover's
      assert.equal(await store.heartbeat(key, second.owner, 60_000), true);
      assert.equal(await store.complete(key, second.owner, { status: 201, body: '{"late":true}' }, LIVE.retentionMs), true);
      assert.deepEqual((await store.read(key))?.outcome, { status: 201, body: '{"late":true}' });
    });

    it('refuses a stale completion: the first owner, taken over, stores nothing', async () => {
      const key = newKey();
      const first = owned(await store.reserve(key, FP_A, SHORT));
      await sleep(PAST_SHORT);
      const second = owned(await store.reserve(key, FP_A, LIVE));
      assert.equal(await store.complete(key, first.owner, { status: 201, body: '{"stale":true}' }, LIVE.retentionMs), false);
      assert.equal(await store.heartbeat(key, first.owner, LIVE.leaseMs), false);
      assert.equal(await store.release(key, first.owner, { forget: true }), false);
      const rec = await store.read(key);
      assert.equal(rec?.state, 'running');
      assert.equal(rec?.owner, second.owner);
      assert.equal(await store.complete(key, second.owner, { status: 201, body: '{"fresh":true}' }, LIVE.retentionMs), true);
      assert.deepEqual(await store.reserve(key, FP_A, LIVE), { kind: 'done', outcome: { status: 201, body: '{"fresh":true}' } });
    });

    it('heartbeat extends the lease of its owner', async () => {
      const key = newKey();
      const r = owned(await store.reserve(key, FP_A, { leaseMs: 1000, retentionMs: LIVE.retentionMs }));
      assert.equal(await store.heartbeat(key, r.owner, 60_000), true);
      const rec = await store.read(key);
      assert.ok(rec && rec.leaseUntil > Date.now() + 50_000, `leaseUntil ${rec?.leaseUntil}`);
      assert.equal((await store.reserve(key, FP_A, LIVE)).kind, 'busy');
    });

    it('heartbeat renews a lapsed lease that nobody took over; the key is busy again', async () => {
      const key = newKey();
      const r = owned(await store.reserve(key, FP_A, SHORT));
      await sleep(PAST_SHORT);
      assert.equal(await store.heartbeat(key, r.owner, 60_000), true);
      assert.equal((await store.reserve(key, FP_A, LIVE)).kind, 'busy');
    });

    it('records past their retention read as none and are reserved afresh; sweep deletes them', async () => {
      // Long enough for the reservation and its completion to land within it on a busy machine
      // (with 150 ms, a loaded one once completed a record that had already expired).
      const retentionMs = 500;
      const short = { leaseMs: 60_000, retentionMs };
      const running = newKey();
      owned(await store.reserve(running, FP_A, short));
      const done = newKey();
      const r = owned(await store.reserve(done, FP_A, short));
      assert.equal(await store.complete(done, r.owner, { status: 201, body: '{}' }, retentionMs), true);
      const kept = newKey();
      owned(await store.reserve(kept, FP_A, LIVE));
      await sleep(retentionMs + PAST_SHORT);
      const swept = await store.sweep();
      if (traits.sweeps) assert.ok(swept >= 2, `swept ${swept}`);
      assert.equal(await store.read(running), null);
      assert.equal(await store.read(done), null);
      assert.equal((await store.read(kept))?.state, 'running', 'a record within its retention is not swept');
      // An expired key is unknown: any body may use it again, as attempt 1.
      assert.equal(owned(await store.reserve(done, FP_B, LIVE)).attempt, 1);
    });

    it('lets exactly one of 24 parallel reservations of one key win; the rest are busy', async () => {
      const key = newKey();
      const all = await Promise.all(Array.from({ length: 24 }, () => store.reserve(key, FP_A, LIVE)));
      assert.equal(all.filter((r) => r.kind == 'acquired').length, 1, JSON.stringify(all));
      assert.equal(all.filter((r) => r.kind == 'busy').length, 23);
    });

    it('with two bodies racing for one key: one wins, its body is busy, the other body is a mismatch', async () => {
      const key = newKey();
      const fps = Array.from({ length: 24 }, (_, i) => (i % 2 ? FP_A : FP_B));
      const all = await Promise.all(fps.map((fp) => store.reserve(key, fp, LIVE)));
      const winners = all.flatMap((r, i) => (r.kind == 'acquired' ? [fps[i]] : []));
      assert.equal(winners.length, 1, JSON.stringify(all));
      all.forEach((r, i) => {
        if (r.kind != 'acquired') assert.equal(r.kind, fps[i] == winners[0] ? 'busy' : 'mismatch', `request ${i}`);
      });
    });

    it('lets exactly one of 24 parallel takeovers of a lapsed lease win', async () => {
      const key = newKey();
      const first = owned(await store.reserve(key, FP_A, LIVE));
      assert.equal(await store.release(key, first.owner, { forget: false }), true);
      const all = await Promise.all(Array.from({ length: 24 }, () => store.reserve(key, FP_A, LIVE)));
      const won = all.filter((r) => r.kind == 'acquired');
      assert.equal(won.length, 1, JSON.stringify(all));
      assert.equal(owned(/** @type {any} */ (won[0])).attempt, 2);
    });

    it('reads null for a key it never saw, and pings', async () => {
      assert.equal(await store.read(newKey()), null);
      await store.ping();
    });
  });
}
