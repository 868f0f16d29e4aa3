/**
 * Start-up: what other contexts say while an instance is being created
 * (storage still opening) is applied once the instance is built, never lost
 * and never thrown at the page.
 */
import { expect } from 'chai';
import type { OrderEvent } from '../../../src/index';
import { cleanup, open, uniqueNamespace, until } from '../helpers';
import { createSchema, rawOpen } from '../hardening/raw-idb';

/** An endpoint that is never contacted in these tests (its circuit stays closed, nothing is queued). */
const ENDPOINT = 'http://127.0.0.1:9';

/**
 * Keeps a read-write transaction on `store` alive in another connection (one
 * request after another) until `release`: the instance's first read of that
 * store waits behind it, so its start-up stays at "storage opening".
 */
function holdStore(db: IDBDatabase, store: string): { release(): Promise<void> } {
  const tx = db.transaction(store, 'readwrite');
  let held = true;
  const spin = () => {
    tx.objectStore(store).get('held').onsuccess = () => held && spin();
  };
  spin();
  const done = new Promise<void>((resolve) => (tx.oncomplete = tx.onabort = tx.onerror = () => resolve()));
  return {
    release() {
      held = false;
      return done;
    },
  };
}

/**
 * Starts `createSteadyCart` with storage held, posts `message` from another
 * context on the namespace's channel, and lets storage go once the message
 * has been delivered (a channel created later, the observer, hears it after
 * the instance's own channel). Resolves with the instance and every error
 * that reached the page meanwhile.
 */
async function createWhileStorageOpens(namespace: string, message: unknown) {
  await createSchema(namespace);
  const db = await rawOpen(namespace);
  const hold = holdStore(db, 'meta');
  const errors: unknown[] = [];
  const onError = (event: ErrorEvent) => {
    errors.push(event.error ?? event.message);
    event.preventDefault();
  };
  addEventListener('error', onError);
  const sender = new BroadcastChannel(namespace);
  try {
    const creating = open({ namespace, endpoints: [{ url: ENDPOINT }] });
    const observer = new BroadcastChannel(namespace);
    const delivered = new Promise((resolve) => (observer.onmessage = resolve));
    sender.postMessage(message);
    await delivered;
    observer.close();
    await hold.release();
    return { sc: await creating, errors };
  } finally {
    sender.close();
    removeEventListener('error', onError);
    db.close();
  }
}

describe('start-up', () => {
  afterEach(cleanup);

  it('an endpoint message from another tab while storage opens is applied once the instance is built, and nothing throws', async () => {
    const namespace = uniqueNamespace();
    const record = { id: ENDPOINT, state: 'closed', failures: 0, openMs: 2000, retryAt: 0, samples: [123, 123, 123, 123, 123], okAt: Date.now(), updatedAt: Date.now() };
    const { sc, errors } = await createWhileStorageOpens(namespace, { t: 'endpoint', record });
    expect(errors.map(String)).to.deep.equal([]);
    expect(sc.health().endpoints[0]!.latencyMs, "the other tab's latency samples").to.equal(123);
    expect(sc.health().droppedMessages).to.equal(0);
  });

  it('an order event from another tab while storage opens reaches a listener added right after createSteadyCart resolves', async () => {
    const namespace = uniqueNamespace();
    const event = { id: crypto.randomUUID(), status: 'confirmed', result: { status: 201, body: null, endpoint: ENDPOINT } };
    const { sc, errors } = await createWhileStorageOpens(namespace, { t: 'order', event });
    const heard: OrderEvent[] = [];
    sc.on('order:confirmed', (e) => heard.push(e));
    await until(() => heard.length == 1, 'the held order event');
    expect(heard[0]).to.deep.equal(event);
    expect(errors.map(String)).to.deep.equal([]);
  });
});
