/**
 * Hardening, the connection closed underneath: another tab (or a "clear site
 * data" script) deletes the database, or a newer build upgrades it, while
 * this page has orders waiting in it. The SDK must let go at once (never
 * wedge the other tab), say so (`storage:degraded`), keep placing orders
 * online, and lose nothing: after a deletion, orders that were safely stored
 * before are still replayed in this session (the SDK keeps what it could
 * read), each charged exactly once; after an upgrade they stay in the
 * database for the newer build, and this page only looks them up.
 * (An upgrade blocked by an old tab, and no IndexedDB at all, are in
 * test/browser/storage/.)
 */
import { expect } from 'chai';
import type { OutboxEntry, SteadyCart, SteadyCartOptions } from '../../../src/index';
import { VERSION } from '../../../src/storage';
import { isFinal } from '../../../src/outbox/statuses';
import { closeBackends, down, startBackend, up, type TestBackend } from '../backend';
import { cleanup, item, open, order, QUICK_ROOMY_TUNING, QUICK_TUNING, quickOptions, rejection, uniqueNamespace, until } from '../helpers';
import { createSchema, pendingRecord, rawAll, rawOpen, rawPut } from './raw-idb';

const options = (be: TestBackend, namespace: string) => quickOptions(be, namespace);

/** An instance with `n` orders waiting in its outbox (the backend answers 503), and its storage events. */
async function withWaitingOrders(be: TestBackend, namespace: string, n: number, extra: SteadyCartOptions = {}) {
  const sc = await open({ ...options(be, namespace), ...extra });
  const degraded: string[] = [];
  sc.on('storage:degraded', (e) => degraded.push(e.reason));
  await sc.cart.add(item('mug', { qty: 2 }));
  await down(be);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await sc.placeOrder(order(`waiting-${i}`));
    expect(r.status).to.equal('pending');
    ids.push(r.id);
  }
  expect(sc.health().storage).to.equal('indexeddb');
  return { sc, ids, degraded };
}

/** What every case must end with: each stored order charged exactly once, and online checkout working. */
async function nothingLost(be: TestBackend, sc: SteadyCart, ids: string[]): Promise<void> {
  await up(be);
  await until(async () => (await Promise.all(ids.map((id) => be.charges(id)))).every((c) => c == 1), 'every stored order to be placed', 15_000);
  // A budget of its own: the instance's quick one could run out on a busy machine's slow first answer.
  const r = await sc.placeOrder(order('after'), { budgetMs: 10_000 });
  expect(r.status).to.equal('confirmed');
  expect(await be.ledger()).to.include({ charges: ids.length + 1, duplicates: 0 });
  // A charge counts when the backend commits; its answer reaches the outbox a moment later.
  let listed: OutboxEntry[] = [];
  await until(async () => {
    listed = await sc.outbox.list();
    return ids.every((id) => listed.some((e) => e.id == id && isFinal(e.status)));
  }, 'every stored order to settle in the outbox', 10_000);
  for (const id of ids) expect(listed.find((e) => e.id == id)?.status, id).to.equal('confirmed');
}

describe('hardening: the database closed underneath', () => {
  afterEach(async () => {
    await cleanup();
    await closeBackends();
  });

  it('another tab deletes the database: it is not wedged, the page says so, and the orders stored before are still placed', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    // Attempts of 3 s: a loaded machine once left the last order pending, its 400 ms attempt timed out with
    // the retry budget spent by the outage's 503s.
    const { sc, ids, degraded } = await withWaitingOrders(be, namespace, 2, { tuning: QUICK_ROOMY_TUNING });
    // A "log out / clear data" script in another tab.
    const deleted = await new Promise<string>((resolve) => {
      const request = indexedDB.deleteDatabase(namespace);
      request.onsuccess = () => resolve('deleted');
      request.onerror = () => resolve(`error ${request.error?.name}`);
      // ("blocked" may fire first while the SDK reads what it keeps; the deletion must still go through, soon.)
      setTimeout(() => resolve('still blocked after 3 s'), 3000);
    });
    expect(deleted, 'the SDK let go of its connection').to.equal('deleted');
    // The page goes on: the cart works, nothing stored is lost, and the deletion is reported.
    expect((await sc.cart.add(item('tea'))).items.map((i) => i.sku)).to.include('tea');
    await nothingLost(be, sc, ids);
    expect(degraded, 'storage:degraded after the deletion').to.have.length.greaterThan(0);
  });

  it('a newer build upgrades the database: it is not wedged, the page degrades to memory, and leaves the orders stored before to that build: it only looks them up', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    // Circuits that stay open once the orders wait: no replay is under way, on the database's records, as the upgrade comes.
    const { sc, ids, degraded } = await withWaitingOrders(be, namespace, 2, { tuning: { ...QUICK_TUNING, openMs: 60_000, maxOpenMs: 60_000 } });
    // The newer build's upgrade runs (it must not be blocked by us), keeping every record.
    const newer = await rawOpen(namespace, VERSION + 1, (db) => db.createObjectStore('added-by-v-next', { keyPath: 'id' }));
    try {
      expect(newer.version).to.equal(VERSION + 1);
      // This build can no longer open the database: it works in memory and says so.
      expect((await sc.cart.add(item('tea'))).count).to.be.greaterThan(0);
      await until(() => degraded.length > 0, 'storage:degraded after the upgrade', 5000);
      expect(sc.health().storage).to.equal('memory');
      // Its copies are only looked up from here: the newer build's pages send them from the database.
      const before = (await be.requests()).length;
      await up(be);
      for (const id of ids) expect((await sc.outbox.retry(id)).status).to.equal('pending');
      const after = (await be.requests()).slice(before);
      expect(after.filter((q) => ids.includes(q.key as string)).map((q) => q.route)).to.include('lookup').and.not.include('checkout');
      const stored = await rawAll<{ id: string; status: string }>(namespace, 'outbox');
      expect(ids.map((id) => stored.find((e) => e.id == id)?.status)).to.deep.equal(['pending', 'pending']);
    } finally {
      newer.close();
    }
  });

  it('a needs-payment order copied to memory after a newer build upgrades the database is not paid again here: NOT_RESUBMITTABLE, nothing sent', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    await createSchema(namespace);
    const old = pendingRecord(order('token-died'), { status: 'needs-payment' });
    await rawPut(namespace, 'outbox', [old]);
    const sc = await open(options(be, namespace));
    const degraded: string[] = [];
    sc.on('storage:degraded', (e) => degraded.push(e.reason));
    const newer = await rawOpen(namespace, VERSION + 1, (db) => db.createObjectStore('added-by-v-next', { keyPath: 'id' }));
    try {
      expect((await sc.cart.add(item('tea'))).count).to.be.greaterThan(0);
      await until(() => degraded.length > 0, 'storage:degraded after the upgrade', 5000);
      // A link to a new payment written to this page's memory alone would leave the database's order unpaid
      // for the newer build's pages (and this one after a reload): the shopper would be asked to pay again.
      const error = await rejection(sc.outbox.resubmit(old.id as string, { payment: { token: 'pm_again' } }));
      expect(error.code).to.equal('NOT_RESUBMITTABLE');
      expect((await be.requests()).filter((q) => q.route == 'checkout')).to.deep.equal([]);
      expect((await rawAll<{ id: string; replacedBy?: string }>(namespace, 'outbox')).map((r) => [r.id, r.replacedBy])).to.deep.equal([[old.id, undefined]]);
    } finally {
      newer.close();
    }
  });

  it('an order in flight as a newer build upgrades the database is, once its run ends, only looked up from memory too', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const sc = await open({ ...options(be, namespace), budgetMs: 3000 });
    const degraded: string[] = [];
    sc.on('storage:degraded', (e) => degraded.push(e.reason));
    // No order POST is answered or processed: the run keeps trying until its budget ends, pending.
    await down(be, { kind: 'silent', routes: ['checkout'] });
    const placing = sc.placeOrder(order('in-flight'));
    await until(async () => (await be.requests()).some((q) => q.route == 'checkout'), 'the order to be sent');
    const newer = await rawOpen(namespace, VERSION + 1, (db) => db.createObjectStore('added-by-v-next', { keyPath: 'id' }));
    try {
      await until(() => degraded.length > 0, 'storage:degraded after the upgrade', 5000);
      const r = await placing;
      expect(r.status).to.equal('pending');
      // The run wrote its record back to memory as it ended: still a copy, left to the newer build.
      await up(be);
      const before = (await be.requests()).length;
      expect((await sc.outbox.retry(r.id)).status).to.equal('pending');
      const after = (await be.requests()).slice(before).filter((q) => q.key == r.id);
      expect(after.map((q) => q.route)).to.include('lookup').and.not.include('checkout');
    } finally {
      newer.close();
    }
  });

  it('invariant 8: after the database went away, a new order is still written ahead (to memory) and placed exactly once after an outage', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const { sc, degraded } = await withWaitingOrders(be, namespace, 0);
    const newer = await rawOpen(namespace, VERSION + 1);
    try {
      const r = await sc.placeOrder(order('in-memory'));
      expect(r.status).to.equal('pending');
      await until(() => degraded.length > 0, 'storage:degraded', 5000);
      expect((await sc.outbox.list()).map((e) => [e.id, e.status])).to.deep.equal([[r.id, 'pending']]);
      await nothingLost(be, sc, [r.id]);
    } finally {
      newer.close();
    }
  });
});
