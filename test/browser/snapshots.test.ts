import { expect } from 'chai';
import { createCart } from '../../src/cart/index';
import { Emitter } from '../../src/events';
import type { Cart, OrderEvent, OutboxEntry, OutboxSnapshot, SteadyCart } from '../../src/index';
import type { Outbox } from '../../src/outbox/outbox';
import { outboxView } from '../../src/page/outbox-view';
import { closeBackends, down, startBackend, up } from './backend';
import { pendingRecord, rawPut } from './hardening/raw-idb';
import { cleanup, deleteDatabase, item, open, openTab, QUICK_ROOMY_TUNING, QUICK_TUNING, quickOptions, rejection, uniqueNamespace, until } from './helpers';

const order = (ref: string) => ({ orderRef: ref, items: [{ sku: 'mug', qty: 1 }], total: 1250, payment: { token: 'pm_1' } });

/** Every snapshot a subscriber was given, in order. */
function record<T>(subscribe: (listener: (value: T) => void) => () => void): { seen: T[]; stop: () => void } {
  const seen: T[] = [];
  const stop = subscribe((value) => seen.push(value));
  return { seen, stop };
}

/** The outbox snapshot once `ok` holds for it. */
async function outboxWhen(sc: SteadyCart, ok: (snapshot: OutboxSnapshot) => boolean, what: string, timeoutMs?: number): Promise<OutboxSnapshot> {
  await until(() => ok(sc.outbox.snapshot()), what, timeoutMs);
  return sc.outbox.snapshot();
}

/**
 * The outbox view over a real emitter and an outbox whose reads the test answers by hand
 * (`reads`, oldest first); `entry(status)` is the one order it holds, o1.
 */
function handReadView() {
  const entry = (status: OutboxEntry['status']) => ({ id: 'o1', status, order: {}, createdAt: 1, updatedAt: 1, attempts: 1 }) as OutboxEntry;
  const reads: Array<(entries: OutboxEntry[]) => void> = [];
  const outbox = { list: () => new Promise<OutboxEntry[]>((resolve) => reads.push(resolve)) } as unknown as Outbox;
  const events = new Emitter();
  return { entry, reads, events, view: outboxView(outbox, events, 3000) };
}

describe('synchronous snapshots (for useSyncExternalStore and any framework)', () => {
  afterEach(async () => {
    await cleanup();
    await closeBackends();
  });

  it('cart.snapshot() is the same object until the cart changes, in this tab or another', async () => {
    const namespace = uniqueNamespace();
    const sc = await open({ namespace });
    const first = sc.cart.snapshot();
    expect(first).to.include({ count: 0, currency: null });
    expect(sc.cart.snapshot()).to.equal(first);
    await sc.cart.get();
    expect(sc.cart.snapshot(), 'reading the same cart again changes nothing').to.equal(first);

    const added = await sc.cart.add(item('mug'));
    const second = sc.cart.snapshot();
    expect(second).not.to.equal(first);
    expect(second).to.equal(added);
    expect(second).to.include({ count: 1, currency: 'EUR', subtotal: 1250 });
    expect(sc.cart.snapshot()).to.equal(second);

    const { seen, stop } = record<Cart>((fn) => sc.cart.subscribe(fn));
    expect(seen[0]).to.equal(second);
    const { sc: other } = await openTab({ namespace });
    await other.cart.add(item('tea', { qty: 2 }));
    await until(() => seen.length == 2, 'the change from the other tab');
    expect(sc.cart.snapshot()).to.equal(seen[1]);
    expect(sc.cart.snapshot()).to.include({ count: 3 });
    stop();
  });

  it('steadycart/cart has the same snapshot', async () => {
    const namespace = uniqueNamespace();
    const cart = await createCart({ namespace });
    try {
      const empty = cart.snapshot();
      expect(cart.snapshot()).to.equal(empty);
      await cart.add(item('mug'));
      expect(cart.snapshot()).not.to.equal(empty);
      expect(cart.snapshot()).to.equal(cart.snapshot());
      expect(cart.snapshot().count).to.equal(1);
    } finally {
      cart.close();
      await deleteDatabase(namespace);
    }
  });

  it('outbox.snapshot() reads the outbox once asked, then is the same object until an entry changes, in any tab', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    // 503s with Retry-After: 8 (within maxOpenMs): no context probes a circuit before then, neither when it
    // falls due nor the other tab at load, so nothing replays the waiting order as the probe (which would
    // show it `sending`, a real change) and the other tab's order, no circuit usable within its budget, waits.
    const options = quickOptions(be, namespace, { tuning: { ...QUICK_TUNING, maxOpenMs: 10_000 } });
    const sc = await open(options);
    await down(be, { kind: 'status', status: 503, retryAfter: '8' });
    // Time to ask both endpoints: within the instance's 600 ms a loaded machine can leave eu unasked, its
    // circuit closed, and a replay would then send the order there (`sending`).
    const queued = await sc.placeOrder(order('before'), { budgetMs: 5000 });
    expect(queued.status).to.equal('pending');
    expect(sc.health().endpoints.map((e) => e.state), 'both circuits open until the Retry-After').to.deep.equal(['open', 'open']);

    const unread = sc.outbox.snapshot();
    expect(unread).to.deep.equal({ entries: [], loaded: false });
    expect(sc.outbox.snapshot()).to.equal(unread);
    const { seen, stop } = record<OutboxSnapshot>((fn) => sc.outbox.subscribe(fn));
    expect(seen).to.deep.equal([unread]);
    const loaded = await outboxWhen(sc, (s) => s.loaded, 'the first read');
    expect(loaded.entries.map((e) => [e.id, e.status])).to.deep.equal([[queued.id, 'pending']]);
    expect(loaded.entries[0]!.order).to.deep.equal(order('before'));
    expect(seen.at(-1)).to.equal(loaded);
    // Nothing changes: the same object, however often it is read.
    expect(sc.outbox.snapshot()).to.equal(loaded);
    sc.cart.add(item('mug'));
    await sc.outbox.list();
    expect(sc.outbox.snapshot()).to.equal(loaded);

    // An order placed in another tab shows here.
    const { sc: other } = await openTab(options);
    const there = await other.placeOrder(order('there'));
    expect(there.status).to.equal('pending');
    const both = await outboxWhen(sc, (s) => s.entries.length == 2, 'the order of the other tab');
    expect(both.entries.map((e) => e.id)).to.deep.equal([queued.id, there.id]);
    expect(both.entries[0], 'an entry that did not change keeps its object').to.equal(loaded.entries[0]);

    // Recovery once the Retry-After has passed (the first order is the probe): both confirmed, live, without asking.
    await up(be);
    const done = await outboxWhen(sc, (s) => s.entries.every((e) => e.status == 'confirmed'), 'both confirmed', 20_000);
    expect(done.entries.map((e) => e.result?.status)).to.deep.equal([201, 201]);
    expect(seen.at(-1)).to.equal(sc.outbox.snapshot());

    // A discard shows at once; after unsubscribing nothing more is delivered.
    expect(await sc.outbox.discard(queued.id)).to.equal(true);
    await until(() => sc.outbox.snapshot().entries.length == 1, 'the discarded entry gone');
    const calls = seen.length;
    stop();
    await sc.outbox.discard(there.id);
    await until(() => sc.outbox.snapshot().entries.length == 0, 'the second discard');
    expect(seen.length).to.equal(calls);
  });

  it('a discard in one tab shows in every other tab\'s outbox snapshot, with no other news', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    await down(be);
    const sc = await open(quickOptions(be, namespace));
    const { sc: other } = await openTab(quickOptions(be, namespace));
    const queued = await sc.placeOrder(order('discarded elsewhere'));
    expect(queued.status).to.equal('pending');
    sc.outbox.subscribe(() => {});
    await outboxWhen(sc, (s) => s.entries.length == 1, 'the waiting order shown');
    // Not while a replay sends it (discard says false then): the backend is down, so that is soon over.
    await until(() => other.outbox.discard(queued.id), 'the discard');
    // The backend stays down: no order event follows that could make this tab read the outbox again.
    await outboxWhen(sc, (s) => s.entries.length == 0, 'the entry discarded in the other tab gone here');
  });

  it('a replay in flight shows as sending in the snapshot, then its outcome', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const sc = await open(quickOptions(be, namespace));
    await down(be);
    const { id } = await sc.placeOrder(order('replayed'));
    await until(() => sc.outbox.snapshot().loaded, 'the first read');
    const statuses: string[] = [];
    sc.outbox.subscribe((s) => {
      const status = s.entries.find((e) => e.id == id)?.status;
      if (status && status != statuses.at(-1)) statuses.push(status);
    });
    await up(be);
    // Storage keeps `pending` while a replay sends (it is only announced): the snapshot still says `sending`.
    await sc.outbox.retry(id);
    await until(() => statuses.at(-1) == 'confirmed', 'confirmed', 15_000);
    // Before the retry, a due circuit may already have sent the waiting order as its probe (then it
    // was `sending` when subscribed, maybe `pending` again after): whatever came first, the last
    // replay shows as `sending` until its outcome.
    expect(['pending', 'sending']).to.include(statuses[0]);
    expect(statuses.slice(-2)).to.deep.equal(['sending', 'confirmed']);
  });

  it("an entry another tab announced as sending shows pending again when that tab dies before its outcome (twice a budget at most)", async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    // The other tab holds the replay lock (as while draining, and its lock ends with it): this page replays nothing.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await new Promise<void>((taken) => void navigator.locks.request(`${namespace}:replay`, () => (taken(), held)));
    try {
      const sc = await open(quickOptions(be, namespace, { budgetMs: 1000 }));
      // An order waiting, due again only in a minute; the other tab's replay takes it up and says so, then dies.
      const waiting = pendingRecord(order('orphaned-announce'), { runs: 5, due: Date.now() + 60_000 });
      await rawPut(namespace, 'outbox', [waiting]);
      const tab = new BroadcastChannel(namespace);
      tab.postMessage({ t: 'order', event: { id: waiting.id, status: 'sending' } });
      tab.close();
      const status = () => sc.outbox.snapshot().entries.find((e) => e.id == waiting.id)?.status;
      await until(() => status() == 'sending', 'the announced send shown');
      // Nothing is in flight: no run outlasts its budget (1 s). Before, it showed "sending" till it was due again.
      await until(() => status() == 'pending', 'pending again', 10_000);
      expect(await be.requests()).to.deep.equal([]);
    } finally {
      release();
    }
  });

  it('a read of the outbox begun before an order event never takes the snapshot back to the status before that event', async () => {
    // Its reads answered by hand, in the order a drain can give them.
    const { entry, reads, events, view } = handReadView();
    const shown: string[] = [];
    view.subscribe((s) => s.loaded && shown.push(s.entries[0]!.status));
    reads.shift()!([entry('pending')]);
    await until(() => shown.length == 1, 'the first read');
    // A replay takes the order up (a read starts, a moment after the first: reads are spaced), and its outcome
    // comes in while that read is still out.
    events.emit('order:sending', { id: 'o1', status: 'sending' });
    await until(() => reads.length == 1, 'the read the announcement started');
    events.emit('order:confirmed', { id: 'o1', status: 'confirmed', result: { status: 201, body: {}, endpoint: 'https://us.example' } });
    // That read, begun before the outcome was stored, answers the order as it was; the next read as it is.
    reads.shift()!([entry('pending')]);
    await until(() => reads.length == 1, 'the read after it');
    reads.shift()!([entry('confirmed')]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    view.close();
    // (The last read may give a snapshot of its own, the same status with the stored fields.)
    expect(shown.filter((status, i) => status != shown[i - 1])).to.deep.equal(['pending', 'sending', 'confirmed']);
  });

  it('order events in quick succession are read as one: the outbox is not read again for each of them', async () => {
    // An outbox of thousands of finished orders (a kiosk's day) took most of a second to read: read on every event,
    // it kept the store and the main thread busy while new orders waited.
    const { entry, reads, events, view } = handReadView();
    view.subscribe(() => {});
    let asked = 0;
    const answer = () => {
      while (reads.length) (asked++, reads.shift()!([entry('pending')]));
    };
    answer();
    for (let i = 0; i < 10; i++) {
      events.emit('order:sending', { id: `other-${i}`, status: 'sending' });
      await new Promise((resolve) => setTimeout(resolve, 10));
      answer();
    }
    // One more event, whose read is waited for: a read the burst began may already have been answered above.
    events.emit('order:sending', { id: 'other-last', status: 'sending' });
    await until(() => reads.length == 1, 'a read for the burst');
    answer();
    view.close();
    // Before, each event after a read had answered began a read of its own: 12 in all. Now the first, and one or
    // two for the burst (a few more only on a machine slow enough to spread it over several gaps).
    expect(asked).to.be.at.most(7);
  });

  it('the first read of the outbox loads the snapshot though order events keep coming in while it is read (a drain)', async () => {
    const { entry, reads, events, view } = handReadView();
    const shown: OutboxSnapshot[] = [];
    view.subscribe((s) => shown.push(s));
    // Every read is overtaken by the next event of the drain (another order sent, answered...).
    for (let i = 0; i < 3; i++) {
      events.emit('order:sending', { id: `other-${i}`, status: 'sending' });
      reads.shift()!([entry('pending')]);
      await until(() => reads.length == 1, 'the read after it');
    }
    view.close();
    expect(shown.map((s) => s.loaded)).to.include(true);
    expect(shown.find((s) => s.loaded)!.entries.map((e) => e.id)).to.deep.equal(['o1']);
  });

  it('a subscriber that throws stops neither subscribe() nor the other subscribers, of the cart and of the outbox', async () => {
    const be = await startBackend();
    // In a frame: what a throwing listener throws is surfaced there, as an uncaught error of that page.
    const { sc, frame } = await openTab(quickOptions(be, uniqueNamespace()));
    const errors: unknown[] = [];
    frame.contentWindow!.addEventListener('error', (e) => (e.preventDefault(), errors.push(e.error)));
    const buggy = () => {
      throw new Error('a bug in the shop');
    };
    expect(() => sc.cart.subscribe(buggy)).to.not.throw();
    expect(() => sc.outbox.subscribe(buggy)).to.not.throw();
    const cart = record(sc.cart.subscribe);
    const outbox = record(sc.outbox.subscribe);
    await sc.cart.add(item('mug'));
    expect(cart.seen.at(-1)!.count, 'the cart listener after the buggy one').to.equal(1);
    const r = await sc.placeOrder(order('told'));
    await until(() => outbox.seen.some((snapshot) => snapshot.entries.some((e) => e.id == r.id && e.status == 'confirmed')), 'the outbox listener after the buggy one told');
    await until(() => errors.length >= 3, 'the errors surfaced');
    expect(String(errors[0])).to.include('a bug in the shop');
  });

  it("on('order:*') hears every order event with its status, from every tab, beside the status's own listeners", async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    // Room for this tab's first order: with 400 ms attempts in a 600 ms budget, a loaded machine once left it pending.
    const sc = await open(quickOptions(be, namespace, { budgetMs: 10_000, tuning: QUICK_ROOMY_TUNING }));
    const confirmed: OrderEvent[] = [];
    sc.on('order:confirmed', (e) => confirmed.push(e));
    const any: OrderEvent[] = [];
    const off = sc.on('order:*', (e) => any.push(e));
    const placed = await sc.placeOrder(order('any'));
    expect(placed.status).to.equal('confirmed');
    expect(any.map((e) => e.status)).to.deep.equal(['sending', 'confirmed']);
    expect(any[1]).to.include({ id: placed.id, status: 'confirmed' });
    expect(any[1]!.result!.status).to.equal(201);
    expect(confirmed, 'the status listener still hears it').to.deep.equal([any[1]]);

    // From another tab: pending there, then confirmed by a replay.
    const { sc: other } = await openTab(quickOptions(be, namespace));
    await down(be);
    const queued = await other.placeOrder(order('other'));
    await until(() => any.some((e) => e.id == queued.id && e.status == 'pending'), 'pending from the other tab');
    await up(be);
    await until(() => any.some((e) => e.id == queued.id && e.status == 'confirmed'), 'confirmed from the other tab', 15_000);

    off();
    const count = any.length;
    await sc.placeOrder(order('after'));
    expect(any.length, 'unsubscribed').to.equal(count);
    expect((await rejection(() => sc.on('order:anything' as 'order:*', () => {}))).code).to.equal('INVALID_OPTIONS');
  });
});
