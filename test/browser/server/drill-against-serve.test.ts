/**
 * Drill mode against `steadycart serve` on PostgreSQL (us and eu one domain,
 * backup its own): each fault drilled on us in this page only, with serve's
 * ledger as the proof that the drill charged nothing twice and left nothing
 * behind, and that stopping it returns the page to normal traffic.
 */
import { expect } from 'chai';
import type { SteadyCart, SteadyCartOptions } from '../../../src/index';
import { ON_ONE_ENDPOINT } from '../drill/faults';
import { cleanup, open, QUICK_TUNING, uniqueNamespace, until } from '../helpers';
import { closeServedBackends, startServedBackend, type ServedBackend } from './serve-backend';

/** A demo order serve's PSP charges (tok_ok). */
const order = (ref: string) => ({ orderRef: ref, items: [{ sku: 'mug', qty: 1 }], total: 1250, currency: 'EUR', payment: { token: 'tok_ok' } });

const drillable = (be: ServedBackend, tuning: SteadyCartOptions['tuning'] = {}): Promise<SteadyCart> =>
  open({ namespace: uniqueNamespace(), endpoints: be.sdk('us', 'eu', 'backup'), tuning: { ...QUICK_TUNING, ...tuning }, budgetMs: 8000, drill: true });

/** Serve's ledger holds exactly one charged execution of `key`, no rerun and no duplicate. */
async function chargedOnce(be: ServedBackend, key: string): Promise<void> {
  const ledger = await be.ledger();
  expect(ledger.orders.filter((o) => o.key == key && o.charged)).to.have.length(1);
  expect(ledger.reruns).to.equal(0);
  expect(ledger.duplicates).to.equal(0);
}

describe('drill mode against serve on PostgreSQL: each fault charges once and leaves nothing behind', function () {
  // Starting serve and PostgreSQL the first time takes a few seconds on a busy machine.
  this.timeout(60_000);
  afterEach(async () => {
    await cleanup();
    await closeServedBackends();
  });

  for (const { fault, options, tuning, reaches } of ON_ONE_ENDPOINT) {
    it(`${fault} drilled on us: confirmed, one charge in serve's ledger, nothing pending; after stop() the next order goes to us first`, async () => {
      const be = await startServedBackend();
      const sc = await drillable(be, tuning);
      sc.drill!.start({ endpoint: be.url('us'), fault, forMs: 60_000, ...options });

      const drilled = await sc.placeOrder(order(`drill-${fault}`));
      // A loaded machine may run out of budget first: then the outbox places it, still under the drill.
      if (drilled.status == 'pending') await until(async () => (await sc.outbox.list()).some((e) => e.id == drilled.id && e.status == 'confirmed'), 'the drilled order confirmed', 30_000);
      else expect(drilled.status).to.equal('confirmed');
      await chargedOnce(be, drilled.id);
      // The drill really acted: us never ran the order, or ran it and its answer was lost on the way.
      const ran = (await be.ledger()).orders.filter((o) => o.key == drilled.id).map((o) => o.endpoint);
      expect(ran).to.deep.equal([reaches ? 'us' : 'eu']);
      // Never charged in the second domain: us and eu share serve's store, backup does not.
      expect((await be.ledger()).orders.filter((o) => o.key == drilled.id && o.endpoint == 'backup')).to.deep.equal([]);

      sc.drill!.stop();
      // Circuits the drill opened close again once probed; then orders take the first endpoint.
      await until(() => sc.health().endpoints.every((e) => e.state == 'closed'), 'every circuit closed after stop()', 20_000);
      const attempts: Array<{ id: string; endpoint: string; kind: string }> = [];
      sc.on('attempt', (a) => attempts.push(a));
      const after = await sc.placeOrder(order(`after-${fault}`));
      // As for the drilled order: a loaded machine may run out of budget (or of the retry tokens the
      // drill spent) first; the outbox then places it, and it must still go to us first, charged once.
      const settled =
        after.status == 'pending'
          ? (await until(async () => (await sc.outbox.list()).find((e) => e.id == after.id && e.status == 'confirmed'), 'the order after stop() confirmed', 30_000))!
          : after;
      expect(settled.status).to.equal('confirmed');
      // Sent to us first; on a busy machine its hedge to eu may answer first.
      expect(attempts.find((a) => a.id == after.id)).to.include({ endpoint: be.url('us'), kind: 'order' });
      expect([be.url('us'), be.url('eu')]).to.include(settled.result!.endpoint);
      await chargedOnce(be, after.id);
      expect((await sc.outbox.list()).filter((e) => e.status != 'confirmed')).to.deep.equal([]);
    });
  }
});
