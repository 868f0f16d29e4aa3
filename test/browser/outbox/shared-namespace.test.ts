/**
 * Pages of one shop (one namespace) made with different outbox options: each
 * order is kept as long as the page that placed it said, and a page that
 * keeps no orders (`outbox: false`) replays none of the others' orders.
 */
import { expect } from 'chai';
import type { OrderEvent } from '../../../src/index';
import { closeBackends, down, startBackend } from '../backend';
import { rawAll, rawPut } from '../hardening/raw-idb';
import { cleanup, open, quickOptions, rejection, sleep, uniqueNamespace } from '../helpers';

const order = (ref: string) => ({ orderRef: ref, items: [{ sku: 'mug', qty: 1 }], total: 1250, payment: { token: 'pm_1' } });
type Stored = { id: string; status: string };

describe('outbox: pages of one shop with different outbox options', () => {
  afterEach(async () => {
    await cleanup();
    await closeBackends();
  });

  it("a page with a shorter retention does not expire an order another page of the shop keeps longer", async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const day = 86_400_000;
    // The checkout keeps orders a week; it queued this one two days ago.
    const checkout = await open(quickOptions(be, namespace, { outbox: { retentionMs: 7 * day } }));
    await down(be);
    const r = await checkout.placeOrder(order('week'));
    expect(r.status).to.equal('pending');
    checkout.close();
    const [rec] = await rawAll<Record<string, unknown>>(namespace, 'outbox');
    await rawPut(namespace, 'outbox', [{ ...rec, createdAt: Date.now() - 2 * day }]);
    // Another page of the shop (an account page) made with the default options.
    const account = await open(quickOptions(be, namespace));
    const events: OrderEvent[] = [];
    account.on('order:*', (e) => events.push(e));
    // Its drain at start has run (the backend is down: the order still waits, pending or, while a replay
    // of it is out and has written its domain ahead, sending).
    await sleep(2500);
    const stored = (await rawAll<Stored>(namespace, 'outbox'))[0]!;
    expect(stored.status, 'the order the checkout keeps for a week').to.be.oneOf(['pending', 'sending']);
    expect(events.map((e) => e.status)).to.not.include('expired');
  });

  it('retry(id) on a page with outbox: false does not tell every tab an order expired that is still waiting', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const checkout = await open(quickOptions(be, namespace));
    await down(be);
    const r = await checkout.placeOrder(order('q'));
    expect(r.status).to.equal('pending');
    const heard: OrderEvent[] = [];
    checkout.on('order:*', (e) => heard.push(e));
    const other = await open(quickOptions(be, namespace, { outbox: false }));
    const listed = await other.outbox.list();
    expect(listed.map((e) => e.id)).to.deep.equal([r.id]);
    expect((await rejection(() => other.outbox.retry(r.id))).code).to.equal('NOT_FOUND');
    await sleep(300);
    const stored = (await rawAll<Stored>(namespace, 'outbox')).find((x) => x.id == r.id)!;
    // Still waiting: pending, or sending while the checkout's own replay timer (due a second after the
    // order was left pending, sooner than these steps on a loaded machine) has a replay of it out.
    expect(stored.status).to.be.oneOf(['pending', 'sending']);
    expect(heard.map((e) => e.status), 'order:expired broadcast for an order still pending').not.to.include('expired');
  });
});
