/**
 * The SDK and the server together: the failover and drop-after-commit cases
 * of the placeOrder and outbox suites, against `steadycart serve` on a real
 * PostgreSQL (us and eu share it: one domain; backup has its own store), with
 * the faults injected in front of it. Every case checks serve's own ledger:
 * one charged execution per order, never a rerun, never a charge in a
 * second domain.
 */
import { expect } from 'chai';
import type { OrderEvent, SteadyCart, SteadyCartOptions } from '../../../src/index';
import { cleanup, open, openTab, postHeld, uniqueNamespace, until } from '../helpers';
import { closeServedBackends, startServedBackend, type ServedBackend } from './serve-backend';

/** A demo order serve's PSP charges (tok_ok). */
const order = (ref = 'o-1') => ({ orderRef: ref, items: [{ sku: 'mug', qty: 1 }], total: 1250, currency: 'EUR', payment: { token: 'tok_ok' } });

/** Exactly one charged execution of `key` in serve's ledger, where expected; no rerun, no duplicate. */
async function chargedOnceIn(be: ServedBackend, key: string, endpoint: string): Promise<void> {
  const ledger = await be.ledger();
  const runs = ledger.orders.filter((o) => o.key == key);
  expect(runs.map((o) => [o.endpoint, o.charged])).to.deep.equal([[endpoint, true]]);
  expect(ledger.reruns).to.equal(0);
  expect(ledger.duplicates).to.equal(0);
}

const sdk = (be: ServedBackend, names: string[], options: SteadyCartOptions = {}): Promise<SteadyCart> =>
  open({ namespace: uniqueNamespace(), endpoints: be.sdk(...names), ...options });

/** Only the order POSTs and lookups, as `endpoint route status`. */
const seen = async (be: ServedBackend) => (await be.requests()).filter((q) => q.route != 'preflight' && q.route != 'health').map((q) => `${q.endpoint} ${q.route} ${q.status}`);

describe('against serve on PostgreSQL: placeOrder failover and drop-after-commit', function () {
  // Starting serve and PostgreSQL the first time takes a few seconds on a busy machine.
  this.timeout(60_000);
  afterEach(async () => {
    await cleanup();
    await closeServedBackends();
  });

  for (const fault of ['refuse', '503', '500'] as const) {
    it(`first region ${fault}: confirmed by the second region of the same domain; one charged execution, there`, async () => {
      const be = await startServedBackend();
      await be.fault('us', fault);
      // No hedge: us's answer slower than the hedge delay on a loaded machine would let eu's win with no failover.
      const sc = await sdk(be, ['us', 'eu', 'backup'], { tuning: { hedge: false } });
      const failovers: Array<{ from: string; to: string }> = [];
      sc.on('failover', (e) => failovers.push({ from: e.from, to: e.to }));
      const r = await sc.placeOrder(order());
      expect(r.status).to.equal('confirmed');
      expect(r.result!.status).to.equal(201);
      expect(r.result!.endpoint).to.equal(be.url('eu'));
      expect(failovers).to.deep.equal([{ from: be.url('us'), to: be.url('eu') }]);
      await chargedOnceIn(be, r.id, 'eu');
    });
  }

  it('an ambiguous failure in domain A reaches domain B only after serve in A answered the lookup 404', async () => {
    const be = await startServedBackend();
    await be.fault('us', { kind: 'status', status: 500, routes: ['checkout'] });
    const sc = await sdk(be, ['us', 'backup']);
    const r = await sc.placeOrder(order());
    expect(r.status).to.equal('confirmed');
    expect(r.result!.endpoint).to.equal(be.url('backup'));
    expect(await seen(be)).to.deep.equal(['us checkout 500', 'us lookup 404', 'backup checkout 201']);
    await chargedOnceIn(be, r.id, 'backup');
  });

  it('commit, then the connection drops: serve\'s lookup settles it without sending it again', async () => {
    const be = await startServedBackend();
    await be.fault('us', 'commit-drop');
    const sc = await sdk(be, ['us', 'backup']);
    const r = await sc.placeOrder(order());
    expect(r.status).to.equal('confirmed');
    expect(r.result).to.deep.include({ status: 201, endpoint: be.url('us') });
    expect(await seen(be)).to.deep.equal(['us checkout dropped', 'us lookup 200']);
    await chargedOnceIn(be, r.id, 'us');
  });

  it('commit, then the connection drops: the other region replays serve\'s stored result; never sent to backup', async () => {
    const be = await startServedBackend();
    await be.fault('us', 'commit-drop');
    const sc = await sdk(be, ['us', 'eu', 'backup']);
    const r = await sc.placeOrder(order());
    expect(r.status).to.equal('confirmed');
    expect(r.result!.endpoint).to.equal(be.url('eu'));
    expect(await be.requestsTo('backup')).to.have.length(0);
    await chargedOnceIn(be, r.id, 'us');
  });
});

describe('against serve on PostgreSQL: outbox recovery and drop-after-commit', function () {
  this.timeout(60_000);
  afterEach(async () => {
    await cleanup();
    await closeServedBackends();
  });

  /** Orders queue quickly while both regions are down. */
  const fast = (be: ServedBackend, namespace: string, extra: SteadyCartOptions = {}): SteadyCartOptions => ({
    namespace,
    endpoints: extra.endpoints ?? be.sdk('us', 'eu'),
    budgetMs: 600,
    tuning: { attemptTimeoutMs: 400, openMs: 300, maxOpenMs: 1000 },
    ...extra,
  });

  it('orders queued through an outage are placed once each when the regions recover', async () => {
    const be = await startServedBackend();
    const sc = await open(fast(be, uniqueNamespace()));
    await be.fault('us', '503');
    await be.fault('eu', '503');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await sc.placeOrder(order(`q${i}`));
      expect(r.status).to.equal('pending');
      ids.push(r.id);
    }
    expect((await be.ledger()).orders).to.have.length(0);
    await be.fault('us', 'healthy');
    await be.fault('eu', 'healthy');
    await until(async () => (await sc.outbox.list()).every((e) => e.status == 'confirmed'), 'every order confirmed', 20_000);
    const ledger = await be.ledger();
    expect(ledger.orders.map((o) => o.key).sort()).to.deep.equal([...ids].sort());
    expect(ledger).to.include({ charges: 3, declines: 0, duplicates: 0, reruns: 0 });
  });

  it('a tab closed while its order is in flight: the next page load resends it to the same domain, where serve answers the stored outcome; one charge', async () => {
    const be = await startServedBackend();
    const namespace = uniqueNamespace();
    // serve processes the order at once; the front holds the answer back 1.5 s, past the tab's life.
    await be.fault('us', { kind: 'hold', ms: 1500, count: 1 });
    const { sc: doomed, frame } = await openTab(fast(be, namespace, { budgetMs: 10_000, tuning: { attemptTimeoutMs: 5000, hedge: false } }));
    const sending = new Promise<OrderEvent>((resolve) => doomed.on('order:sending', resolve));
    void doomed.placeOrder(order('in-flight')).catch(() => {});
    const { id } = await sending;
    // The tab goes once the front holds its POST, before any answer.
    await postHeld(be, id);
    frame.remove();
    await until(async () => (await be.charges(id)) == 1, 'serve charged it', 10_000);
    // Its resend is answered from serve's store in time on a busy machine too: no second resend.
    const next = await open(fast(be, namespace, { budgetMs: 10_000, tuning: { attemptTimeoutMs: 5000, minAttemptTimeoutMs: 5000, hedge: false } }));
    const confirmed = await new Promise<OrderEvent>((resolve) => next.on('order:confirmed', resolve));
    expect(confirmed.id).to.equal(id);
    const routes = (await be.requests()).filter((r) => r.key == id).map((r) => `${r.route} ${r.status}`);
    // No lookup before a resend in the same domain: the key makes serve answer the stored outcome.
    expect(routes.filter((r) => r.startsWith('lookup'))).to.deep.equal([]);
    expect(routes.filter((r) => r.startsWith('checkout'))).to.have.length(2);
    await chargedOnceIn(be, id, 'us');
  });

  it('an order in doubt after every answer was dropped is looked up, never paid for twice', async () => {
    const be = await startServedBackend();
    // Attempts and the retry's lookup have time to reach serve on PostgreSQL on a busy machine too.
    const sc = await open(fast(be, uniqueNamespace(), { endpoints: be.sdk('us'), budgetMs: 5000, tuning: { attemptTimeoutMs: 1500, minAttemptTimeoutMs: 1500, hedge: false } }));
    await be.fault('us', 'commit-drop');
    // The token outlives the run (1.5 s), so its first POST reaches serve; then it dies.
    const expiresAt = Date.now() + 3000;
    const r = await sc.placeOrder(order('doubt'), { paymentTokenExpiresAt: expiresAt, budgetMs: 1500 });
    expect(r.status).to.equal('pending');
    await until(async () => (await be.charges(r.id)) == 1, 'serve charged it', 5000);
    // A POST sent just before the token died may arrive up to a second later on a busy machine.
    await until(() => Date.now() > expiresAt + 1200, 'the payment token to die', 10_000);
    await be.fault('us', 'healthy');
    const posts = async () => (await be.requests()).filter((q) => q.key == r.id && q.route == 'checkout').length;
    const before = await posts();
    const entry = await sc.outbox.retry(r.id);
    expect(entry.status).to.equal('confirmed');
    expect(entry.result!.status).to.equal(201);
    expect(await posts()).to.equal(before);
    await chargedOnceIn(be, r.id, 'us');
  });
});
