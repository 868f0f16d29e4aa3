/**
 * A replay that fails is visible: a `replay:error` event and
 * `health().lastReplayError`, cleared by the next replay that works.
 */
import { expect } from 'chai';
import type { ErrorInfo } from '../../../src/index';
import { closeBackends, down, startBackend, up } from '../backend';
import { createSchema, pendingRecord, rawPut } from '../hardening/raw-idb';
import { cleanup, open, quickOptions, uniqueNamespace, until } from '../helpers';

/** Makes Web Locks refuse every request, as a sandboxed frame's do (SecurityError); returns the undo. */
function refuseLocks(): () => void {
  const locks = navigator.locks;
  Object.defineProperty(locks, 'request', {
    configurable: true,
    value: () => Promise.reject(new DOMException('locks are not allowed here', 'SecurityError')),
  });
  return () => delete (locks as { request?: unknown }).request;
}

describe('replay errors', () => {
  afterEach(async () => {
    await cleanup();
    await closeBackends();
  });

  it('a failed replay emits replay:error and sets health().lastReplayError; the next replay that works clears it', async function () {
    if (!navigator.locks) this.skip(); // No Web Locks in this engine: the lease fallback has no lock manager to fail.
    const restore = refuseLocks();
    try {
      const sc = await open({ namespace: uniqueNamespace(), endpoints: [{ url: 'http://127.0.0.1:9' }] });
      const errors: ErrorInfo[] = [];
      sc.on('replay:error', (error) => errors.push(error));
      // The load-time replay fails.
      await until(() => errors.length > 0, 'replay:error');
      expect(errors[0]!.code).to.equal('internal');
      expect(errors[0]!.message).to.contain('locks are not allowed here');
      expect(sc.health().lastReplayError).to.deep.equal(errors[0]);
      restore();
      // Coming online replays again, and this time it works.
      dispatchEvent(new Event('online'));
      await until(() => sc.health().lastReplayError === undefined, 'the error to clear');
    } finally {
      restore();
    }
  });

  it('after a failed replay the page tries again on its own: an order waiting is placed without any other event', async function () {
    if (!navigator.locks) this.skip(); // No Web Locks in this engine: the lease fallback has no lock manager to fail.
    const be = await startBackend();
    const namespace = uniqueNamespace();
    await down(be);
    const first = await open(quickOptions(be, namespace));
    const placed = await first.placeOrder({ orderRef: 'waits', total: 1 });
    expect(placed.status).to.equal('pending');
    first.close();
    await up(be);
    const restore = refuseLocks();
    try {
      const sc = await open(quickOptions(be, namespace));
      const errors: ErrorInfo[] = [];
      sc.on('replay:error', (error) => errors.push(error));
      await until(() => errors.length > 0, 'the load-time replay to fail');
      restore();
      // No event follows (no online, no visibility change, no new order): only the page's own timer can place it.
      await until(async () => (await sc.outbox.list()).find((e) => e.id == placed.id)?.status == 'confirmed', 'the waiting order confirmed', 10_000);
      await until(() => sc.health().lastReplayError === undefined, 'the error to clear once that replay ends');
    } finally {
      restore();
    }
  });
});

describe('replays of a cart-only instance', () => {
  afterEach(cleanup);

  it('a page created without endpoints ends the sends another context left orphaned, every one, without a replay error', async () => {
    const namespace = uniqueNamespace();
    // Two orders a checkout tab was sending when it closed, on the shop's shared database.
    await createSchema(namespace);
    const orphans = [0, 1].map((i) => pendingRecord({ orderRef: `orphan-${i}`, total: 990 }, { status: 'sending', domains: ['main'] }));
    await rawPut(namespace, 'outbox', orphans);
    // A product page with the full SDK and no endpoints: it sends nothing, but ends those sends (nothing is in flight).
    const sc = await open({ namespace });
    const errors: ErrorInfo[] = [];
    sc.on('replay:error', (error) => errors.push(error));
    await until(async () => (await sc.outbox.list()).every((e) => e.status == 'pending') || errors.length, 'both orphans to wait as pending', 10_000);
    expect(errors, JSON.stringify(errors)).to.deep.equal([]);
    expect((await sc.outbox.list()).map((e) => e.status)).to.deep.equal(['pending', 'pending']);
  });
});
