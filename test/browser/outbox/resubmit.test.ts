import { expect } from 'chai';
import type { OrderResult, OutboxEntry, SteadyCart, SteadyCartOptions } from '../../../src/index';
import { replaySyncTag } from '../../../src/worker-protocol';
import { down, up, type TestBackend } from '../backend';
import { createSchema, pendingRecord, rawGet, rawPut } from '../hardening/raw-idb';
import { freshInstance, open, openTab, quickOptions, rejection, until } from '../helpers';

/**
 * outbox.resubmit: paying again for a needs-payment order. Invariant 3 (no
 * double charge): the old order is never sent again and is paid again at most
 * once, whatever replays, and in whichever tab.
 */

const order = (ref: string) => ({ orderRef: ref, items: [{ sku: 'mug', qty: 1 }], total: 1250, payment: { token: 'pm_old' } });
const newPayment = { token: 'pm_new' };
/** A live token for the payment made again. */
const fresh = () => ({ payment: newPayment, paymentTokenExpiresAt: Date.now() + 10 * 60_000 });

/** An order whose payment token is already dead: never sent, and needs-payment once a replay sees it. */
async function needingPayment(sc: SteadyCart, ref = 'np'): Promise<string> {
  const r = await sc.placeOrder(order(ref), { paymentTokenExpiresAt: Date.now() - 1 });
  expect(r.status).to.equal('pending');
  expect((await sc.outbox.retry(r.id)).status).to.equal('needs-payment');
  return r.id;
}

/** POSTs (order requests) that reached the server with `key`. */
const postsWith = async (be: TestBackend, key: string) => (await be.requests()).filter((q) => q.route == 'checkout' && q.key == key).length;

const entry = async (sc: SteadyCart, id: string): Promise<OutboxEntry | undefined> => (await sc.outbox.list()).find((e) => e.id == id);

/** Checks the links of the old and the new entry, as `sc` reads them. */
async function expectLinked(sc: SteadyCart, oldId: string, newId: string): Promise<void> {
  const [before, after] = [await entry(sc, oldId), await entry(sc, newId)];
  expect(before).to.include({ status: 'needs-payment', replacedBy: newId });
  expect(before!.replaces).to.equal(undefined);
  expect(after!.replaces).to.equal(oldId);
  expect(after!.replacedBy).to.equal(undefined);
}

describe('outbox.resubmit (invariant 3: paying again never charges twice)', () => {
  let be: TestBackend;
  let namespace: string;
  /** For more tabs and pages on the same outbox. */
  let options: SteadyCartOptions;
  let sc: SteadyCart;

  freshInstance(['us', 'eu'], (fresh) => {
    ({ be, namespace, sc } = fresh);
    options = quickOptions(be, namespace);
  });

  it('places the order again with the new payment under a new key, confirmed and charged once, linked both ways', async () => {
    const oldId = await needingPayment(sc);
    const r = await sc.outbox.resubmit(oldId, fresh());
    expect(r.status).to.equal('confirmed');
    expect(r.id).to.not.equal(oldId);
    expect(r.result!.status).to.be.within(200, 299);
    await expectLinked(sc, oldId, r.id);
    // The same order, with the new payment in place of the old one.
    expect((await entry(sc, r.id))!.order).to.deep.equal({ ...order('np'), payment: newPayment });
    expect((await entry(sc, r.id))!.paymentTokenExpiresAt).to.be.above(Date.now());
    expect(await be.charges(r.id)).to.equal(1);
    expect(await postsWith(be, oldId)).to.equal(0);
    expect(await be.ledger()).to.include({ charges: 1, duplicates: 0 });
  });

  it('resolves as placeOrder does: pending while the store is down, then placed by a replay, once', async () => {
    const oldId = await needingPayment(sc);
    await down(be);
    const r = await sc.outbox.resubmit(oldId, { ...fresh(), budgetMs: 300 });
    expect(r.status).to.equal('pending');
    await expectLinked(sc, oldId, r.id);
    await up(be);
    await until(async () => (await entry(sc, r.id))?.status == 'confirmed', 'the new order to be confirmed by a replay', 15_000);
    expect(await be.charges(r.id)).to.equal(1);
    expect(await postsWith(be, oldId)).to.equal(0);
  });

  it('only from needs-payment: NOT_RESUBMITTABLE for a confirmed or pending order, NOT_FOUND for an unknown id; nothing is stored or sent', async () => {
    const confirmed = await sc.placeOrder(order('ok'));
    expect(confirmed.status).to.equal('confirmed');
    await down(be);
    const pending = await sc.placeOrder(order('waiting'), { budgetMs: 200 });
    expect(pending.status).to.equal('pending');
    for (const id of [confirmed.id, pending.id]) {
      const error = await rejection(sc.outbox.resubmit(id, fresh()));
      expect(error).to.include({ name: 'SteadyCartError', code: 'NOT_RESUBMITTABLE', path: 'id' });
    }
    expect(await rejection(sc.outbox.resubmit('no-such-entry-id', fresh()))).to.include({ code: 'NOT_FOUND' });
    expect(await rejection(sc.outbox.resubmit(confirmed.id, undefined as never))).to.include({ code: 'INVALID_OPTIONS' });
    expect((await sc.outbox.list()).map((e) => e.id)).to.deep.equal([confirmed.id, pending.id]);
    expect((await sc.outbox.list()).every((e) => !e.replacedBy)).to.equal(true);
  });

  it('validates the new payment as placeOrder validates an order: card data or a missing payment is refused, and the old order stays payable', async () => {
    const oldId = await needingPayment(sc);
    const card = await rejection(sc.outbox.resubmit(oldId, { payment: { method: 'card', cardNumber: '4242 4242 4242 4242' } }));
    expect(card).to.include({ code: 'CARD_DATA' });
    expect(card.path).to.match(/^payment\./);
    expect(await rejection(sc.outbox.resubmit(oldId, {} as never))).to.include({ code: 'INVALID_OPTIONS', path: 'payment' });
    expect(await rejection(sc.outbox.resubmit(oldId, { ...fresh(), paymentTokenExpiresAt: 'soon' as never }))).to.include({ code: 'INVALID_OPTIONS', path: 'paymentTokenExpiresAt' });
    expect(await rejection(sc.outbox.resubmit(oldId, { ...fresh(), budgetMS: 5000 } as never))).to.include({ code: 'INVALID_OPTIONS', path: 'budgetMS' });
    expect((await sc.outbox.list()).map((e) => [e.id, e.status, e.replacedBy])).to.deep.equal([[oldId, 'needs-payment', undefined]]);
    expect((await be.requests()).filter((q) => q.route == 'checkout')).to.have.length(0);
    // Still payable: nothing of the refused attempts was kept.
    expect((await sc.outbox.resubmit(oldId, fresh())).status).to.equal('confirmed');
  });

  it('paying again twice is refused, also from two tabs at once: one new order, one charge', async () => {
    const oldId = await needingPayment(sc);
    const { sc: there } = await openTab(options);
    const both = await Promise.allSettled([sc.outbox.resubmit(oldId, fresh()), there.outbox.resubmit(oldId, fresh())]);
    const placed = both.filter((s): s is PromiseFulfilledResult<OrderResult> => s.status == 'fulfilled');
    const refused = both.filter((s): s is PromiseRejectedResult => s.status == 'rejected');
    expect(placed, 'exactly one tab pays again').to.have.length(1);
    expect(refused[0]!.reason).to.include({ code: 'NOT_RESUBMITTABLE' });
    const newId = placed[0]!.value.id;
    expect(placed[0]!.value.status).to.equal('confirmed');
    expect(await rejection(sc.outbox.resubmit(oldId, fresh()))).to.include({ code: 'NOT_RESUBMITTABLE' });
    expect((await sc.outbox.list()).map((e) => e.id)).to.deep.equal([oldId, newId]);
    expect(await be.ledger()).to.include({ charges: 1, duplicates: 0 });
  });

  it("another tab's outbox view sees both links, live", async () => {
    const oldId = await needingPayment(sc);
    const { sc: there } = await openTab(options);
    await until(() => there.outbox.snapshot().entries.some((e) => e.id == oldId && e.status == 'needs-payment'), 'the other tab to show the order');
    const r = await sc.outbox.resubmit(oldId, fresh());
    const snapshot = await until(() => {
      const s = there.outbox.snapshot();
      const linked = s.entries.find((e) => e.id == oldId)?.replacedBy == r.id && s.entries.find((e) => e.id == r.id)?.replaces == oldId;
      return linked ? s : undefined;
    }, 'the other tab to see both links', 10_000);
    expect(snapshot!.entries.find((e) => e.id == oldId)!.status).to.equal('needs-payment');
    await expectLinked(there, oldId, r.id);
  });

  it("the links survive a reload, and the old order is never sent again by any replay: retry, a new page's drain, the worker", async () => {
    const oldId = await needingPayment(sc);
    const r = await sc.outbox.resubmit(oldId, fresh());
    expect(r.status).to.equal('confirmed');
    // Its token alive again, so that its dead token cannot be what keeps it from going: only its being final does.
    const stored = await rawGet<Record<string, unknown>>(namespace, 'outbox', oldId);
    await rawPut(namespace, 'outbox', [{ ...stored, tokenExpiresAt: Date.now() + 10 * 60_000 }]);
    // The shopper's retry replays that very entry now.
    expect((await sc.outbox.retry(oldId)).status).to.equal('needs-payment');
    sc.close();
    // A reload: a new instance on the same database replays at start.
    const again = await open(options);
    await expectLinked(again, oldId, r.id);
    expect((await again.outbox.retry(oldId)).status).to.equal('needs-payment');
    expect(await rejection(again.outbox.resubmit(oldId, fresh()))).to.include({ code: 'NOT_RESUBMITTABLE' });
    // The service worker replays the same outbox where Background Sync can wake it (Chromium). A
    // waiting order of its own shows when its pass has run.
    if ('sync' in ServiceWorkerRegistration.prototype) {
      await down(be);
      const marker = await again.placeOrder(order('marker'), { budgetMs: 200 });
      expect(marker.status).to.equal('pending');
      again.close();
      await up(be);
      const scope = `/test/sw-scope/${namespace}/`;
      const reg = await navigator.serviceWorker.register(`/dist/steadycart-sw.js?namespace=${namespace}`, { scope });
      try {
        await until(() => reg.active?.state == 'activated', 'the worker to activate', 10_000);
        await (reg as ServiceWorkerRegistration & { sync: { register(tag: string): Promise<void> } }).sync.register(replaySyncTag(namespace));
        await until(async () => (await rawGet<{ status: string }>(namespace, 'outbox', marker.id))?.status == 'confirmed', "the worker's pass", 15_000);
      } finally {
        await reg.unregister();
      }
    }
    expect(await postsWith(be, oldId)).to.equal(0);
    expect((await be.requests()).filter((q) => q.key == oldId), 'not even a lookup: it was never sent').to.have.length(0);
    expect((await rawGet<{ status: string; replacedBy: string }>(namespace, 'outbox', oldId))).to.include({ status: 'needs-payment', replacedBy: r.id });
    expect(await be.ledger()).to.include({ duplicates: 0 });
    expect(await be.charges(r.id)).to.equal(1);
  });

  it('a stored link that is not an order id is not trusted: the record is quarantined, never sent', async () => {
    await createSchema(namespace);
    const bad = pendingRecord(order('tampered'), { replacedBy: 42 });
    await rawPut(namespace, 'outbox', [bad]);
    const listed = await entry(sc, bad.id as string);
    expect(listed).to.include({ status: 'failed' });
    expect(listed!.lastError).to.include({ code: 'corrupt' });
    expect(listed!.lastError!.message).to.match(/replacedBy/);
    expect(await postsWith(be, bad.id as string)).to.equal(0);
  });
});
