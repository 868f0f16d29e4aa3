/**
 * The service worker's sync loop (src/sw/install.ts) run in this page on a
 * stand-in worker scope, with the real outbox, IndexedDB, fetch and backend:
 * a real worker's outbox read cannot be held open at the moment a circuit
 * closes, and that moment is what this test is about.
 */
import { expect } from 'chai';
import { OutboxReplay } from '../../../src/outbox/replay';
import { closeBackends, down, startBackend, up } from '../backend';
import { cleanup, open, QUICK_ROOMY_TUNING, quickOptions, sleep, uniqueNamespace, until } from '../helpers';
import { pendingRecord, rawPut } from '../hardening/raw-idb';

/** src/sw/install.ts, loaded by URL: the tests are type-checked with DOM types, the worker's code with WebWorker types (tsconfig.sw.json). */
const INSTALL = '../../../src/sw/install.ts';
type InstallWorker = (scope: EventTarget, installShell: () => void) => void;

const order = (ref: string) => ({ orderRef: ref, total: 990, payment: { token: 'pm_2' } });

/** The worker's code, installed on a stand-in scope for `namespace`. */
async function installOnScope(namespace: string): Promise<EventTarget> {
  const scope = Object.assign(new EventTarget(), {
    location: new URL(`${location.origin}/sw.js?namespace=${namespace}`),
    skipWaiting: async () => {},
    // No page open: the sync's first drain is forced, as when the device comes online with the shop closed.
    clients: { claim: async () => {}, matchAll: async () => [] },
  });
  const { installWorker } = (await import(INSTALL)) as { installWorker: InstallWorker };
  installWorker(scope, () => {});
  return scope;
}

/**
 * Orders `refs`, placed while us answers 503 and left pending, with no page left open: what a sync must place.
 * (An attempt that timed out once the backend is back would leave an order to its backoff: roomy attempts.)
 */
async function leftPending(refs: string[]) {
  const be = await startBackend();
  const namespace = uniqueNamespace();
  const sc = await open(quickOptions(be, namespace, { endpoints: be.sdk('us'), serviceWorker: false, tuning: QUICK_ROOMY_TUNING }));
  await down(be, '503', ['us']);
  const results = await Promise.all(refs.map((ref) => sc.placeOrder(order(ref))));
  sc.close();
  return { be, namespace, results };
}

/** Fires the namespace's replay sync on `scope`; resolves with how the event's promise ended. */
function fireSync(scope: EventTarget, namespace: string): Promise<string> {
  let done!: Promise<unknown>;
  scope.dispatchEvent(Object.assign(new Event('sync'), { tag: `${namespace}:replay`, lastChance: false, waitUntil: (p: Promise<unknown>) => (done = p) }));
  return done.then(() => 'resolved', (e: Error) => `rejected: ${e.message}`);
}

describe('service worker: the sync loop', () => {
  afterEach(async () => {
    await cleanup();
    await closeBackends();
  });

  it('a circuit that closes while the loop reads the outbox leaves nothing for the next sync: what waits goes in this one', async function () {
    this.timeout(60_000);
    const { be, namespace, results } = await leftPending(Array.from({ length: 40 }, (_, i) => `loop-${i}`));
    const ids = results.map((r) => r.id);

    const scope = await installOnScope(namespace);
    // The loop's read of the outbox is slow (a big outbox, a busy disk): the backend comes back, and the
    // circuit timer's replay (its first order the probe) closes the circuit while that read is under way.
    // Only the loop's own read (called from install.ts) is held; every other read goes through.
    const read = OutboxReplay.prototype.waiting;
    let armed = false;
    let raced = 0;
    OutboxReplay.prototype.waiting = async function (this: OutboxReplay) {
      if (armed && !raced && /sw\/install/.test(new Error().stack ?? '')) {
        raced++;
        await up(be, ['us']);
        await until(async () => (await be.ledger()).charges >= 1, 'the probe order charged', 10_000);
        await sleep(30);
      }
      return read.call(this);
    };
    try {
      const synced = fireSync(scope, namespace);
      // The sync's first replay met the 503s: the loop now waits on the circuit.
      await sleep(1500);
      armed = true;
      const outcome = await synced;
      expect(raced, 'the loop read the outbox as the circuit closed').to.equal(1);
      expect(outcome).to.equal('resolved');
      await until(async () => (await Promise.all(ids.map((id) => be.charges(id)))).every((n) => n == 1), 'every order charged once', 5000);
      expect((await be.ledger()).duplicates).to.equal(0);
    } finally {
      OutboxReplay.prototype.waiting = read;
    }
  });

  it('an order left to its own backoff while every circuit is closed (a 409\'s Retry-After) goes in this sync, not the browser\'s next one', async function () {
    this.timeout(60_000);
    const { be, namespace, results } = await leftPending(['held-1']);
    const { id, status } = results[0]!;
    expect(status).to.equal('pending');
    // Back, but the first order POST finds the key still running elsewhere: 409, wait 2 s. A 409 opens no
    // circuit (the endpoint answered), so the sync's first replay ends with the order waiting on its own
    // backoff and every circuit closed.
    await up(be, ['us']);
    await be.fault('us', { kind: 'status', status: 409, retryAfter: '2', routes: ['checkout'], count: 1 });

    const outcome = await fireSync(await installOnScope(namespace), namespace);
    expect(outcome).to.equal('resolved');
    const posts = (await be.requestsTo('us')).filter((r) => r.route == 'checkout').map((r) => r.status);
    // The page's during the outage, then the sync's: the 409, and the order placed after its wait. (An attempt
    // that timed out on a loaded machine is sent again in the same domain: answered the stored outcome, 201 too.)
    const [first, ...then] = posts.filter((s) => s != 503);
    expect([first, then.includes(201) && then.every((s) => s == 201 || s == 'aborted')], JSON.stringify(posts)).to.deep.equal([409, true]);
    expect(await be.charges(id)).to.equal(1);
    expect((await be.ledger()).duplicates).to.equal(0);
  });

  it("an order held by a 409's Retry-After while another endpoint's circuit is open goes in this sync once the wait is over", async function () {
    this.timeout(60_000);
    const be = await startBackend();
    const namespace = uniqueNamespace();
    // us and eu, one domain. The page stores the configuration the worker reads, then leaves.
    const endpoints = be.sdk('us', 'eu');
    (await open(quickOptions(be, namespace, { endpoints, serviceWorker: false, tuning: QUICK_ROOMY_TUNING }))).close();
    // What a page left: an order whose last answer was a 409 with Retry-After (held 2.5 s from now), and us's
    // circuit open (it timed out), eu's closed. Both endpoints answer now.
    const now = Date.now();
    const record = pendingRecord(order('held-open'), { holdUntil: now + 2500, due: now + 2500, runs: 1 });
    await rawPut(namespace, 'outbox', [record]);
    await rawPut(namespace, 'endpoints', [{ id: endpoints[0]!.url, state: 'open', failures: 1, openMs: 300, retryAt: now + 300, samples: [], openedAt: now, updatedAt: now }]);

    const synced = fireSync(await installOnScope(namespace), namespace);
    // Sent once its wait is over, within this sync (its loop runs up to 2 minutes).
    await until(async () => (await be.charges(record.id as string)) == 1, 'the held order charged', 15_000);
    expect(await synced).to.equal('resolved');
    expect((await be.ledger()).duplicates).to.equal(0);
  });
});
