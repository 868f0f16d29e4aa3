import { expect } from 'chai';
import type { OrderEvent, OrderResult, SteadyCart, SteadyCartOptions } from '../../../src/index';
import { createCore } from '../../../src/core';
import { normalizeOptions } from '../../../src/options';
import { LEASE_MS } from '../../../src/outbox/lease';
import { checkPlacement } from '../../../src/outbox/placement';
import type { OutboxRecord } from '../../../src/storage';
import { closeBackends, down, startBackend, up, type TestBackend } from '../backend';
import { createSchema, pendingRecord, rawAll, rawDelete, rawGet, rawPut } from '../hardening/raw-idb';
import { backendQuiet, cleanup, deleteDatabase, discardBetweenReplays, open, openTab, postHeld, QUICK_TUNING, quickOptions, ROOMY_ATTEMPTS, rejection, sleep, uniqueNamespace, until } from '../helpers';

const order = (ref: string) => ({ orderRef: ref, items: [{ sku: 'mug', qty: 1 }], total: 1250, payment: { token: 'pm_1' } });


const HOUR_MS = 3_600_000;
/** A stored record of an order that ended (`status`) `ageMs` ago. */
const ended = (status: string, ageMs: number) => pendingRecord(order(`${status}-${ageMs}`), { status, updatedAt: Date.now() - ageMs, createdAt: Date.now() - ageMs - 1000 });

/** Places `n` orders while every endpoint answers 503: they queue as pending, with nothing processed. */
async function queue(sc: SteadyCart, n: number, prefix = 'q'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await sc.placeOrder(order(`${prefix}${i}`));
    expect(r.status).to.equal('pending');
    ids.push(r.id);
  }
  return ids;
}

/** Life of a payment token that must outlive a short run by far (a busy machine must not kill it early). */
const TOKEN_LIFE_MS = 3000;

/**
 * A request the SDK sent just before a token died may reach the server this
 * much later on a busy machine: only what arrives later than that was surely
 * sent after the death.
 */
const IN_FLIGHT_MS = 1000;

/** Resolves once the clock is past `expiresAt` (a token's death) and what was in flight then has arrived. */
const tokenDead = (expiresAt: number) => until(() => Date.now() > expiresAt + IN_FLIGHT_MS + 200, 'the payment token to die', expiresAt - Date.now() + 10_000);

/** Requests for `id` that reached the server when it was surely sent after its token died at `expiresAt`. */
const sentAfterDeath = async (be: TestBackend, id: string, expiresAt: number) =>
  (await be.requests()).filter((q) => q.key == id && q.t > expiresAt + IN_FLIGHT_MS).map((q) => `${q.route} ${q.status} at death+${q.t - expiresAt} ms`);

/** How many POSTs each key received. */
async function postsPerKey(be: TestBackend): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const r of await be.requests()) if (r.route == 'checkout' && r.key) counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
  return counts;
}

describe('outbox', () => {
  afterEach(async () => {
    await cleanup();
    await closeBackends();
  });

  it('lists pending orders in every tab; when the backend recovers they are placed exactly once and every tab hears it', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    // Time for every 503 to arrive (a slow one must not time out: the last error is checked), and circuits
    // not due again within the budget (so no run ends with an attempt cut short), but due soon after it.
    const options = quickOptions(be, namespace, { budgetMs: 2000, tuning: { attemptTimeoutMs: 2000, openMs: 5000, maxOpenMs: 5000 } });
    const here = await open(options);
    const { sc: there } = await openTab(options);
    await down(be);
    const ids = await queue(here, 3);
    const listed = await there.outbox.list();
    expect(listed.map((e) => e.id)).to.deep.equal(ids);
    // Pending, or sending for a moment: a waiting order is its circuit's probe when that falls due.
    for (const e of listed) expect(e.status).to.be.oneOf(['pending', 'sending']);
    expect(listed[0]!.order).to.deep.equal(order('q0'));
    expect(listed[0]!.attempts).to.be.greaterThan(0);
    expect(listed[0]!.lastError).to.include({ code: 'http', status: 503 });
    const confirmedThere: OrderEvent[] = [];
    there.on('order:confirmed', (e) => confirmedThere.push(e));
    await up(be);
    // Circuits are probed again, a recovery triggers the replay.
    await until(async () => (await here.outbox.list()).every((e) => e.status == 'confirmed'), 'every order confirmed', 15_000);
    await until(() => confirmedThere.length == 3, 'order:confirmed in the other tab');
    expect(confirmedThere.map((e) => e.id).sort()).to.deep.equal([...ids].sort());
    expect(confirmedThere[0]!.result!.status).to.equal(201);
    const ledger = await be.ledger();
    expect(ledger.charges).to.equal(3);
    expect(ledger.duplicates).to.equal(0);
  });

  it('finished entries stay listed for a day, then leave storage, with nothing sent', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    await createSchema(namespace);
    const dayOld = ended('confirmed', 25 * HOUR_MS);
    const failedLongAgo = ended('failed', 48 * HOUR_MS);
    const recent = ended('confirmed', 23 * HOUR_MS);
    const rejected = ended('rejected', HOUR_MS);
    await rawPut(namespace, 'outbox', [dayOld, failedLongAgo, recent, rejected]);
    const sc = await open(quickOptions(be, namespace));
    // The load-time replay's drain forgets what is past its day.
    const left = await until(async () => {
      const ids = (await rawAll<{ id: string }>(namespace, 'outbox')).map((r) => r.id).sort();
      return ids.length == 2 ? ids : undefined;
    }, 'the entries past their day to leave storage');
    expect(left).to.deep.equal([recent.id, rejected.id].sort());
    expect((await sc.outbox.list()).map((e) => e.id).sort()).to.deep.equal([recent.id, rejected.id].sort());
    expect(await be.requests()).to.deep.equal([]);
  });

  it('with outbox: false, no order\'s body stays in memory (none is read again)', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const core = await createCore(normalizeOptions(quickOptions(be, namespace, { outbox: false })));
    try {
      for (const ref of ['a', 'b']) expect((await core.outbox.place(checkPlacement(core.config, order(ref)))).status).to.equal('confirmed');
      // The record cache's checked bodies, which an outbox that keeps its orders forgets with each order.
      expect((core.outbox as unknown as { records: { checkedBodies: Map<string, unknown> } }).records.checkedBodies.size).to.equal(0);
    } finally {
      core.close();
      await deleteDatabase(namespace);
    }
  });

  it('without Web Locks, an order\'s lease leaves storage with the order: forgotten a day after it ended, or discarded', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    await createSchema(namespace);
    const dayOld = ended('confirmed', 25 * HOUR_MS);
    const recent = ended('confirmed', HOUR_MS);
    const lease = (r: Record<string, unknown>) => ({ id: `${namespace}:order:${r.id as string}`, owner: 'an-earlier-tab', until: 0 });
    await rawPut(namespace, 'outbox', [dayOld, recent]);
    await rawPut(namespace, 'leases', [lease(dayOld), lease(recent)]);
    const leases = async () => (await rawAll<{ id: string }>(namespace, 'leases')).map((l) => l.id).filter((id) => id.includes(':order:'));
    const { sc, frame } = await openTab(quickOptions(be, namespace), '&noLocks');
    expect((frame.contentWindow as unknown as { navigator: Navigator }).navigator.locks).to.equal(undefined);
    // The load-time replay's drain forgets the entry past its day, and its lease with it.
    await until(async () => (await rawAll(namespace, 'outbox')).length == 1, 'the entry past its day to leave storage');
    expect(await until(async () => ((await leases()).length == 1 ? leases() : undefined), 'its lease to leave storage')).to.deep.equal([lease(recent).id]);
    // A discarded entry's lease (taken again for the discard) leaves with it.
    expect(await sc.outbox.discard(recent.id as string)).to.equal(true);
    expect(await leases()).to.deep.equal([]);
    expect(await be.requests()).to.deep.equal([]);
  });

  it('a page load replays what is waiting within about a second, even an entry whose backoff runs for another 10 minutes', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    // A waiting order from an earlier visit, due again only in 10 minutes, and no circuit state: nothing
    // recovers on this page to set off a replay, so only the load-time replay can send it sooner.
    await createSchema(namespace);
    const waiting = pendingRecord(order('waiting'), { due: Date.now() + 600_000 });
    await rawPut(namespace, 'outbox', [waiting]);
    const started = Date.now();
    const sc = await open(quickOptions(be, namespace));
    const confirmed = new Promise<OrderEvent>((resolve) => sc.on('order:confirmed', resolve));
    expect((await confirmed).id).to.equal(waiting.id);
    // About a second by design; 20 s leaves a busy machine all the room it needs and is still far from the 10 minutes.
    expect(Date.now() - started).to.be.below(20_000);
    expect(await be.charges(waiting.id as string)).to.equal(1);
  });

  /**
   * Queues four orders, then opens `tabs` new tabs (with `query`) that all
   * replay at once: each order must be sent exactly once more, and charged once.
   */
  async function replayFromTabs(tabs: number, query = ''): Promise<Array<{ sc: SteadyCart; frame: HTMLIFrameElement }>> {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const here = await open(quickOptions(be, namespace));
    await down(be);
    const ids = await queue(here, 4);
    // Closed first, and counted once nothing of it is in flight: a probe this page sent just before
    // (a waiting order is its circuit's own probe) is its last request, not a second replayer's. On a
    // busy machine such a probe can reach the backend late, so the count waits for a second of quiet.
    here.close();
    await backendQuiet(be, 1000, 'a second with no request in flight or arriving', 10_000);
    const postsBefore = await postsPerKey(be);
    await up(be);
    // Each POST gets all the time a busy machine may take, and none is hedged: one that timed out, or ran
    // past the endpoint's usual latency, would be sent again by the same replayer (the key keeps that safe),
    // and the count below is of replayers.
    const patient = quickOptions(be, namespace, { budgetMs: 10_000, tuning: { ...QUICK_TUNING, attemptTimeoutMs: 5000, minAttemptTimeoutMs: 5000, hedge: false } });
    const opened = await Promise.all(Array.from({ length: tabs }, () => openTab(patient, query)));
    await until(async () => (await opened[0]!.sc.outbox.list()).every((e) => e.status == 'confirmed'), 'all confirmed', 15_000);
    const postsAfter = await postsPerKey(be);
    // Should one be sent twice, its POSTs tell by whom: a resend by the same tab carries the next Steadycart-Attempt.
    const requests = await be.requests();
    const posts = (id: string) => JSON.stringify(requests.filter((r) => r.route == 'checkout' && r.key == id).map((r) => [r.t, r.endpoint, r.attempt, r.status]));
    for (const id of ids) expect((postsAfter.get(id) ?? 0) - (postsBefore.get(id) ?? 0), `${id}: ${posts(id)}`).to.equal(1);
    expect(await be.ledger()).to.include({ charges: 4, duplicates: 0 });
    return opened;
  }

  it('invariant 5: three tabs replaying at once never send an order twice (one replayer, Web Locks)', async () => {
    await replayFromTabs(3);
  });

  it('invariant 5: without Web Locks, the IndexedDB lease still allows one replayer at a time', async () => {
    const [tab] = await replayFromTabs(2, '&noLocks');
    expect((tab!.frame.contentWindow as unknown as { navigator: Navigator }).navigator.locks).to.equal(undefined);
  });

  /**
   * A tab without Web Locks places an order that both endpoints swallow; while its first POST waits, another
   * context takes the order's lease over (as after this tab was frozen past it) and, with `settle`, stores
   * an outcome. Resolves with what the caller was told.
   */
  async function frozenPastLease(settle?: (record: Record<string, unknown>, be: TestBackend) => Record<string, unknown>) {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    await be.fault('us', { kind: 'silent', routes: ['checkout'] });
    await be.fault('eu', { kind: 'silent', routes: ['checkout'] });
    const patient = quickOptions(be, namespace, { budgetMs: 12_000, tuning: { ...QUICK_TUNING, attemptTimeoutMs: 5000, minAttemptTimeoutMs: 5000, hedge: false } });
    const { sc, frame } = await openTab(patient, '&noLocks');
    expect((frame.contentWindow as unknown as { navigator: Navigator }).navigator.locks).to.equal(undefined);
    const sending = new Promise<OrderEvent>((resolve) => sc.on('order:sending', resolve));
    const placing = sc.placeOrder(order('frozen'));
    const { id } = await sending;
    await rawPut(namespace, 'leases', [{ id: `${namespace}:order:${id}`, owner: 'another-context', until: Date.now() + 10_000 }]);
    const record = (await rawAll<{ id: string }>(namespace, 'outbox')).find((r) => r.id == id)!;
    if (settle) await rawPut(namespace, 'outbox', [settle(record, be)]);
    const r = await placing;
    // Nothing after the POST under way when the lease was taken: no lookup, no other endpoint.
    expect((await be.requests()).filter((q) => q.key == id).map((q) => `${q.endpoint} ${q.route}`)).to.deep.equal(['us checkout']);
    const stored = (await rawAll<{ id: string; status: string }>(namespace, 'outbox')).find((e) => e.id == id)!;
    return { be, r, stored };
  }

  it('invariant 5: a tab frozen past its new order\'s lease (no Web Locks) sends nothing more once another context took the order over, and stores no stale outcome over that one', async () => {
    let result: unknown;
    const { r, stored } = await frozenPastLease((record, be) => {
      result = { status: 201, body: { orderId: 'placed-elsewhere' }, endpoint: be.url('us') };
      return { ...record, status: 'confirmed', result, updatedAt: Date.now() };
    });
    // This tab noticed (its lease renewal found another owner) and stopped: the shopper is told how the other context left it.
    expect(r).to.deep.include({ status: 'confirmed', result });
    // Before, a confirmation came with this run's own timeout as its error.
    expect(r.error, 'no error of this tab\'s run beside the other context\'s confirmation').to.equal(undefined);
    expect(stored.status, 'the other context\'s outcome, not overwritten').to.equal('confirmed');
  });

  it('invariant 5: when the context that took the order over is still sending it, the frozen tab\'s caller is told pending, never a status outside OrderResult', async () => {
    const { r, stored } = await frozenPastLease();
    expect(stored.status, 'as this tab wrote it ahead: the other context announces its run, it does not store it').to.equal('sending');
    expect(r.status).to.equal('pending');
  });

  it('invariants 3 and 5: a hidden tab frozen past its order\'s lease (no Web Locks) stops as it wakes, its timers late: its failover to another domain never leaves', async function () {
    this.timeout(60_000);
    const be = await startBackend();
    const namespace = uniqueNamespace();
    // Domain main answers 503 (nothing processed): without the freeze, the order would fail over to domain backup at once.
    await be.fault('us', { kind: 'status', status: 503, routes: ['checkout'] });
    const tuning = { ...QUICK_TUNING, attemptTimeoutMs: 20_000, minAttemptTimeoutMs: 20_000, hedge: false };
    const { sc, frame } = await openTab(quickOptions(be, namespace, { endpoints: be.sdk('us', 'backup'), budgetMs: 40_000, tuning }), '&noLocks');
    expect((frame.contentWindow as unknown as { navigator: Navigator }).navigator.locks).to.equal(undefined);
    // Synchronous requests that eu answers 4 s late stand for the freeze: they hold the page's thread without
    // keeping a core busy (one at a time: WebKit gives up on a synchronous request after 10 s).
    await be.fault('eu', { kind: 'slow', ms: 4000, routes: ['health'] });
    let frozenMs = 0;
    sc.on('attempt', () => {
      if (frozenMs) return;
      // The tab is frozen past its lease (a sleeping laptop, a suspended tab): no task of this page runs meanwhile,
      // and another context may take the order over. The request leaves, and its answer comes, as it wakes.
      const start = Date.now();
      for (let i = 0; i < 5 && Date.now() - start <= LEASE_MS; i++) {
        const freeze = new XMLHttpRequest();
        freeze.open('GET', be.url('eu') + '/health', false);
        freeze.send();
      }
      frozenMs = Date.now() - start;
    });
    // Hidden behind a window of its own, the page's timers run late (Firefox: once a second), the lease's
    // renewal among them: the tab wakes with its answer in before that timer runs. (WebKit's driver blocks the
    // window, and Chromium's test browser does not slow a hidden page's timers: the page's own renewal tells there.)
    const cover = window.open('/test/fixtures/blank.html', '_blank');
    let r: OrderResult;
    try {
      if (cover) await until(() => document.visibilityState == 'hidden', 'the page to be hidden', 5000);
      r = await sc.placeOrder(order('frozen-wakes'));
    } finally {
      cover?.close();
    }
    expect(frozenMs).to.be.above(LEASE_MS);
    // As it woke, its lease counted as lost: the run stopped (its first POST, which left as it woke, may have been
    // cut short) and nothing went to the other domain; the caller is told the order waits.
    expect((await be.requests()).filter((q) => q.key == r.id && q.endpoint != 'us').map((q) => `${q.endpoint} ${q.route}`)).to.deep.equal([]);
    expect(r.status).to.equal('pending');
  });

  it('invariant 1: a tab closed while its order is in flight: the next page load resends it in the same domain, whose stored outcome settles it; one charge, order:confirmed', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    // The server holds the POST for 3 s and commits then, whether or not the tab is still there.
    await be.fault('us', { kind: 'hold', ms: 3000, count: 1 });
    const { sc: doomed, frame } = await openTab(quickOptions(be, namespace, { budgetMs: 10_000, tuning: { attemptTimeoutMs: 8000 } }));
    const sending = new Promise<OrderEvent>((resolve) => doomed.on('order:sending', resolve));
    void doomed.placeOrder(order('in-flight')).catch(() => {});
    const { id } = await sending;
    // The tab goes once the server holds its POST, before any answer.
    await postHeld(be, id);
    frame.remove();
    await until(async () => (await be.charges(id)) == 1, 'the server commit', 10_000);
    // Roomy attempts: a quick 400 ms one could time out on a busy machine and send the order once more, which this test counts.
    const next = await open(quickOptions(be, namespace, { budgetMs: 10_000, tuning: { ...QUICK_TUNING, ...ROOMY_ATTEMPTS } }));
    const confirmed = await new Promise<OrderEvent>((resolve) => next.on('order:confirmed', resolve));
    expect(confirmed.id).to.equal(id);
    const routes = (await be.requests()).filter((r) => r.key == id).map((r) => `${r.route} ${r.status}`);
    // No lookup before a resend in the same domain: the key makes the server answer the stored outcome.
    expect(routes.filter((r) => r.startsWith('lookup'))).to.deep.equal([]);
    expect(routes.filter((r) => r.startsWith('checkout'))).to.have.length(2);
    expect(await be.ledger()).to.include({ charges: 1, duplicates: 0 });
  });

  /**
   * A tab places an order whose POST the server holds for `holdMs` (and commits then, whether or not the tab is
   * still there), while another tab on the same `options` stays open; once the server holds the POST, `wait`
   * passes and the tab closes. Resolves when the tab that stays has the order confirmed, though nothing else
   * wakes it: it is visible throughout, online, and no circuit opened.
   */
  async function orphanedOrder(ref: string, holdMs: number, tuning: (be: TestBackend, namespace: string) => SteadyCartOptions, call = {}, waitMs = 0) {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    await be.fault('us', { kind: 'hold', ms: holdMs, count: 1 });
    const options = tuning(be, namespace);
    const staying = await open(options);
    const { sc: doomed, frame } = await openTab(options);
    const sending = new Promise<OrderEvent>((resolve) => doomed.on('order:sending', resolve));
    void doomed.placeOrder(order(ref), call).catch(() => {});
    const { id } = await sending;
    await postHeld(be, id);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    frame.remove();
    await until(async () => (await staying.outbox.list()).find((e) => e.id == id)?.status == 'confirmed', 'the order confirmed by the tab that stays', 15_000);
    return { be, id };
  }

  it('a tab closed while its order is in flight, with another tab open: that tab resends it once the budget is spent, without a reload; one charge', async () => {
    // No hedge: the doomed tab would otherwise send the order to eu too, should it live past the hedge delay.
    const { be, id } = await orphanedOrder('orphan', 2000, (be, namespace) => quickOptions(be, namespace, { budgetMs: 3000, tuning: { attemptTimeoutMs: 2500, hedge: false } }));
    const routes = (await be.requests()).filter((r) => r.key == id).map((r) => r.route);
    expect(routes).to.deep.equal(['checkout', 'checkout']);
    expect(await be.ledger()).to.include({ charges: 1, duplicates: 0 });
  });

  it('a tab closed while its order is in flight under a longer budget of its own: the tab that stays keeps asking after the order, and resends it; one charge', async () => {
    // The shopper's call has 20 s, ten times the instance's budget; the tab that stays looks at the order once
    // its own budget is spent, finds it still in flight, and the tab closes after that.
    const { be } = await orphanedOrder(
      'long-orphan',
      5000,
      (be, namespace) => quickOptions(be, namespace, { budgetMs: 2000, tuning: { attemptTimeoutMs: 15_000, hedge: false } }),
      { budgetMs: 20_000 },
      3000,
    );
    expect(await be.ledger()).to.include({ charges: 1, duplicates: 0 });
  });

  it('a payment token that expired while waiting moves the order to needs-payment without a request', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    // As below: each POST has time to get its 503 (a run cut short by its budget would leave the last one
    // ambiguous, and only a lookup decides an ambiguous order), and no probe falls due before the token dies.
    const sc = await open(quickOptions(be, namespace, { budgetMs: 2000, tuning: { attemptTimeoutMs: 2000, openMs: 10_000, maxOpenMs: 10_000 } }));
    await down(be);
    // Both circuits open on their 503s, so the run ends before the token dies (3 s): the order waits, then its token expires.
    const expiresAt = Date.now() + TOKEN_LIFE_MS;
    const r = await sc.placeOrder(order('t'), { paymentTokenExpiresAt: expiresAt });
    expect(r.status).to.equal('pending');
    expect(r.error).to.not.include({ code: 'token-expired' });
    // Listening from now: the replay of a due circuit (the order is its probe) may find the dead token first.
    const event = new Promise<OrderEvent>((resolve) => sc.on('order:needs-payment', resolve));
    await tokenDead(expiresAt);
    await up(be);
    const entry = await sc.outbox.retry(r.id);
    expect(entry.status).to.equal('needs-payment');
    expect((await event).id).to.equal(r.id);
    expect(await sentAfterDeath(be, r.id, expiresAt)).to.deep.equal([]);
    expect((await be.ledger()).charges).to.equal(0);
  });

  it("an order whose token dies, or whose retention ends, while its backoff still runs is told then (needs-payment, expired), not when the backoff ends", async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const options = quickOptions(be, namespace, { endpoints: be.sdk('us'), budgetMs: 2000, tuning: { attemptTimeoutMs: 2000, openMs: 30_000, maxOpenMs: 30_000 } });
    // us's circuit left open for 30 s by a first page's order (discarded), so that nothing is sent meanwhile.
    await down(be);
    const first = await open(options);
    const opener = await first.placeOrder(order('opener'));
    expect(opener.status).to.equal('pending');
    expect(await first.outbox.discard(opener.id)).to.equal(true);
    first.close();
    // Two orders a page left after many tries: each due again only in a minute.
    const now = Date.now();
    const dying = pendingRecord(order('token-dies'), { runs: 10, due: now + 60_000, tokenExpiresAt: now + TOKEN_LIFE_MS });
    const expiring = pendingRecord(order('retention-ends'), { runs: 10, due: now + 60_000, expiresAt: now + TOKEN_LIFE_MS });
    await rawPut(namespace, 'outbox', [dying, expiring]);
    const sc = await open(options);
    const told = new Map<string, string>();
    sc.on('order:*', (e) => told.set(e.id, e.status));
    // Within 20 s: their backoff (and us's circuit) would keep them waiting for 30 s and more.
    await until(() => told.get(dying.id as string) == 'needs-payment' && told.get(expiring.id as string) == 'expired', 'both told', 20_000);
    expect(await sentAfterDeath(be, dying.id as string, now)).to.deep.equal([]);
  });

  it('while every endpoint is still down, a dead-token order still becomes needs-payment, sending nothing for it', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    // One POST with time to get its 503, and a circuit not due again before the token dies: no attempt
    // (the order is its circuit's probe) may time out, which would leave it ambiguous (then only a lookup decides).
    const sc = await open(quickOptions(be, namespace, { budgetMs: 2000, tuning: { attemptTimeoutMs: 2000, openMs: 10_000, maxOpenMs: 10_000 } }));
    await down(be);
    const expiresAt = Date.now() + TOKEN_LIFE_MS;
    const r = await sc.placeOrder(order('still-down'), { paymentTokenExpiresAt: expiresAt });
    expect(r.status).to.equal('pending');
    expect(r.error).to.not.include({ code: 'token-expired' });
    await tokenDead(expiresAt);
    const entry = await sc.outbox.retry(r.id);
    expect(entry.status).to.equal('needs-payment');
    expect(await sentAfterDeath(be, r.id, expiresAt)).to.deep.equal([]);
  });

  it('a token that dies during the run is not sent after it died, even when the endpoint comes back in its budget: needs-payment, no charge', async () => {
    const be = await startBackend();
    const sc = await open(quickOptions(be, uniqueNamespace(), { endpoints: be.sdk('us') }));
    await be.fault('us', '503');
    const expiresAt = Date.now() + 600;
    // The backend recovers well after the token died (so no POST sent before its death can still be
    // in flight), while the run still has budget left to use it.
    const recovery = tokenDead(expiresAt + 1500).then(() => be.fault('us', 'healthy'));
    const r = await sc.placeOrder(order('dies'), { paymentTokenExpiresAt: expiresAt, budgetMs: 6000 });
    expect(r.status).to.equal('pending');
    expect(r.error).to.include({ code: 'token-expired' });
    await recovery;
    // The next replay asks for payment again, without a request (nothing was processed).
    await until(async () => (await sc.outbox.list()).find((e) => e.id == r.id)!.status == 'needs-payment', 'needs-payment', 10_000);
    expect(await be.charges(r.id)).to.equal(0);
  });

  it('an order left waiting while its circuits stay closed (the server still processing it) is replayed by the page when due, with no other trigger', async () => {
    const be = await startBackend();
    // Every attempt waits 2 s for its answer: one timed out on a busy machine would open the circuit.
    const sc = await open(quickOptions(be, uniqueNamespace(), { endpoints: be.sdk('us'), budgetMs: 2000, tuning: { ...QUICK_TUNING, attemptTimeoutMs: 2000, minAttemptTimeoutMs: 2000 } }));
    // 409: the server is still processing the key. An answer, so the circuit stays closed: no circuit
    // timer will replay this order, and no page event (online, visible) comes in this test.
    await be.fault('us', { kind: 'status', status: 409 });
    const r = await sc.placeOrder(order('processing'));
    expect(r.status).to.equal('pending');
    expect(sc.health().endpoints[0]).to.include({ state: 'closed' });
    await be.fault('us', 'healthy');
    // Due within 1 s plus its backoff (at most 2 s after one run): the page's replay timer sends it.
    await until(async () => (await sc.outbox.list()).find((e) => e.id == r.id)!.status == 'confirmed', 'confirmed by the timer', 10_000);
    expect(await be.charges(r.id)).to.equal(1);
  });

  it("a 409's Retry-After holds the order even from forced replays (retry, the tab shown again): sent once it has passed, one charge", async () => {
    const be = await startBackend();
    // Roomy attempts: a quick 400 ms one could time out on a busy machine and be sent once more, which this test counts.
    const tuning = { ...QUICK_TUNING, maxOpenMs: 30_000, ...ROOMY_ATTEMPTS };
    const namespace = uniqueNamespace();
    // A budget that lets the attempt hear the 409 (still well short of its 6 s Retry-After): cut short, the
    // order would be held by nothing, and "Try again" would place it at once.
    const sc = await open(quickOptions(be, namespace, { endpoints: be.sdk('us'), serviceWorker: false, tuning, budgetMs: 3000 }));
    // The server is still processing the key, and asks to be asked again in 6 s.
    await be.fault('us', { kind: 'status', status: 409, retryAfter: '6', routes: ['checkout'] });
    const r = await sc.placeOrder(order('held'));
    expect(r.status).to.equal('pending');
    const posts = async () => (await be.requests()).filter((q) => q.key == r.id && q.route == 'checkout').length;
    expect(await posts()).to.equal(1);
    await be.fault('us', 'healthy');
    // The shopper presses "Try again", then switches tabs and back: forced replays, each within the server's wait.
    expect((await sc.outbox.retry(r.id)).status).to.equal('pending');
    // "Try again" brings the order's next replay forward no further than the server's wait.
    const stored = (await rawGet<OutboxRecord>(namespace, 'outbox', r.id))!;
    expect(stored.due).to.be.at.least(stored.holdUntil!);
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    try {
      document.dispatchEvent(new Event('visibilitychange'));
      // Past the page's replay timer that the forced replay re-arms (at least 1 s): not due before the wait is over.
      await sleep(2500);
    } finally {
      delete (document as { visibilityState?: unknown }).visibilityState;
    }
    expect(await posts(), 'POSTs within the 409\'s Retry-After').to.equal(1);
    // Then the page's own timer sends it, once the wait is over.
    await until(async () => (await sc.outbox.list()).find((e) => e.id == r.id)!.status == 'confirmed', 'confirmed once the wait is over', 15_000);
    expect([await posts(), await be.charges(r.id)]).to.deep.equal([2, 1]);
  });

  it('an order whose token is already dead is never sent: pending, then needs-payment without a request', async () => {
    const be = await startBackend();
    const sc = await open(quickOptions(be, uniqueNamespace()));
    const r = await sc.placeOrder(order('dead'), { paymentTokenExpiresAt: Date.now() - 1 });
    expect(r.status).to.equal('pending');
    expect(r.attempts).to.equal(0);
    expect(r.error).to.include({ code: 'token-expired' });
    await until(async () => (await sc.outbox.list()).find((e) => e.id == r.id)!.status == 'needs-payment', 'needs-payment', 10_000);
    expect((await be.requests()).filter((q) => q.key == r.id)).to.have.length(0);
  });

  it('an order whose outcome is in doubt when its token expires is looked up, never paid for twice', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    // Attempts of 1.5 s: the POST reaches the server before its attempt ends, on a busy machine too.
    const sc = await open(quickOptions(be, namespace, { endpoints: be.sdk('us'), tuning: { ...QUICK_TUNING, attemptTimeoutMs: 1500, minAttemptTimeoutMs: 1500 } }));
    // Committed, but every answer is lost: the order is pending and in doubt.
    await be.fault('us', 'commit-drop');
    // The token outlives the run (1.5 s), so its first POST reached the server; then it dies.
    const expiresAt = Date.now() + TOKEN_LIFE_MS;
    const r = await sc.placeOrder(order('doubt'), { paymentTokenExpiresAt: expiresAt, budgetMs: 1500 });
    expect(r.status).to.equal('pending');
    await until(async () => (await be.charges(r.id)) == 1, 'the server charged it');
    await tokenDead(expiresAt);
    await be.fault('us', 'healthy');
    const posts = async () => (await be.requests()).filter((q) => q.key == r.id && q.route == 'checkout').length;
    const before = await posts();
    const entry = await sc.outbox.retry(r.id);
    expect(entry.status).to.equal('confirmed');
    expect(await posts()).to.equal(before);
    expect(await be.charges(r.id)).to.equal(1);
  });

  it('an order in doubt when its token expires that the server never processed (lookup 404) moves to needs-payment, and can be paid again', async () => {
    const be = await startBackend();
    // One domain. Attempts of 1.5 s: the POST reaches the server before its attempt ends, on a busy machine too.
    const sc = await open(quickOptions(be, uniqueNamespace(), { endpoints: be.sdk('us'), tuning: { ...QUICK_TUNING, attemptTimeoutMs: 1500, minAttemptTimeoutMs: 1500 } }));
    // No answer, nothing processed: the order is pending and in doubt in main.
    await be.fault('us', { kind: 'silent', routes: ['checkout'] });
    const expiresAt = Date.now() + TOKEN_LIFE_MS;
    const r = await sc.placeOrder(order('never-there'), { paymentTokenExpiresAt: expiresAt, budgetMs: 1500 });
    expect(r.status).to.equal('pending');
    await tokenDead(expiresAt);
    await be.fault('us', 'healthy');
    // Its lookup finds nothing (and closes the key): no domain processed it, and its token is dead.
    const entry = await sc.outbox.retry(r.id);
    expect(entry.status).to.equal('needs-payment');
    const afterDeath = (await be.requests()).filter((q) => q.key == r.id && q.t > expiresAt);
    expect(afterDeath.filter((q) => q.t > expiresAt + IN_FLIGHT_MS && q.route == 'checkout'), 'no POST after the token died').to.deep.equal([]);
    expect(afterDeath.filter((q) => q.route == 'lookup').map((q) => q.status), 'its lookup').to.deep.equal([404]);
    const paid = await sc.outbox.resubmit(r.id, { payment: { token: 'pm_again' }, budgetMs: 10_000 });
    expect(paid.status).to.equal('confirmed');
    expect(await be.ledger()).to.include({ charges: 1, duplicates: 0 });
    expect(await be.charges(r.id)).to.equal(0);
  });

  it('past its retention an entry becomes expired, without a request', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const sc = await open(quickOptions(be, namespace, { outbox: { retentionMs: 60_000 } }));
    await down(be);
    const [id] = await queue(sc, 1);
    sc.close();
    // The closed instance's last request (its order sent as the circuit's probe) may still be on its way,
    // and its outcome on its way to storage: neither may be taken for the next instance's.
    await backendQuiet(be, 500, 'the closed instance to fall silent', 10_000);
    // Age the stored record by hand: written 2 minutes ago.
    const [record] = await rawAll<{ id: string; createdAt: number; expiresAt: number }>(namespace, 'outbox');
    expect(record!.id).to.equal(id);
    expect(record!.expiresAt, 'the retention it was placed under, kept with it').to.equal(record!.createdAt + 60_000);
    await rawPut(namespace, 'outbox', [{ ...record, createdAt: record!.createdAt - 120_000, expiresAt: record!.expiresAt - 120_000 }]);
    const before = (await be.requests()).length;
    await up(be);
    const next = await open(quickOptions(be, namespace, { outbox: { retentionMs: 60_000 } }));
    const expired = await new Promise<OrderEvent>((resolve) => next.on('order:expired', resolve));
    expect(expired.id).to.equal(id);
    expect((await be.requests()).slice(before).filter((q) => q.key == id)).to.have.length(0);
  });

  it('replays use the endpoints configured now, never a URL read back from storage', async () => {
    const be = await startBackend({ endpoints: [{ name: 'old', domain: 'main' }, { name: 'new', domain: 'main' }] });
    const namespace = uniqueNamespace();
    const first = await open(quickOptions(be, namespace, { endpoints: be.sdk('old') }));
    await be.fault('old', '503');
    const [id] = await queue(first, 1);
    first.close();
    // A request of the first instance may still be on its way to the backend's log.
    await backendQuiet(be, 500, 'the closed instance to fall silent', 10_000);
    const sentByFirst = (await be.requestsTo('old')).filter((q) => q.key == id).length;
    const second = await open(quickOptions(be, namespace, { endpoints: be.sdk('new') }));
    const confirmed = await new Promise<OrderEvent>((resolve) => second.on('order:confirmed', resolve));
    expect(confirmed.id).to.equal(id);
    expect(confirmed.result!.endpoint).to.equal(be.url('new'));
    expect((await be.requestsTo('old')).filter((q) => q.key == id).length).to.equal(sentByFirst);
  });

  it('retry(id) replays now; discard(id) removes a waiting entry for good; unknown ids are reported', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const sc = await open(quickOptions(be, namespace, { budgetMs: 500 }));
    await down(be, 'refuse');
    const [keep, drop] = await queue(sc, 2);
    await discardBetweenReplays(sc, drop!);
    expect(await sc.outbox.discard(drop!)).to.equal(false);
    await up(be);
    const entry = await sc.outbox.retry(keep!);
    expect(entry.status).to.equal('confirmed');
    expect((await sc.outbox.list()).map((e) => e.id)).to.deep.equal([keep]);
    expect(await be.charges(drop!)).to.equal(0);
    expect((await rejection(sc.outbox.retry('nope'))).code).to.equal('NOT_FOUND');
  });

  it('retry(id) of an entry another context discards while retry waits for its lock: NOT_FOUND, not the entry as it was', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const sc = await open(quickOptions(be, namespace, { budgetMs: 500 }));
    await down(be, 'refuse');
    const [id] = await queue(sc, 1);
    // Another context holds the entry's lock, as its discard does.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await new Promise<void>((taken) => void navigator.locks.request(`${namespace}:order:${id}`, () => (taken(), held)));
    const retried = rejection(sc.outbox.retry(id!));
    // retry has found the entry and waits for the lock; the other context removes the entry, then lets go.
    await sleep(300);
    await rawDelete(namespace, 'outbox', id!);
    release();
    expect((await retried).code).to.equal('NOT_FOUND');
    expect(await be.charges(id!)).to.equal(0);
  });
});
