import { expect } from 'chai';
import { Channel, isMessage } from '../../../src/channel';
import { normalizeOptions } from '../../../src/options';
import { Storage, type EndpointRecord, type OutboxRecord } from '../../../src/storage';
import { Circuits } from '../../../src/transport/circuits';
import { closeBackends, startBackend, type Fault, type TestBackend } from '../backend';
import { rawAll, rawGet } from '../hardening/raw-idb';
import { cleanup, deleteDatabase, discardBetweenReplays, open, openTab, QUICK_ROOMY_TUNING, quickOptions, uniqueNamespace, until } from '../helpers';

/**
 * Recovery without a stampede, judged by what the test backend receives and by the state
 * at rest: a waiting order is its own probe, a resend in the same domain
 * needs no lookup, and a server's Retry-After paces every tab.
 */

const order = (ref: string) => ({ orderRef: ref, items: [{ sku: 'mug', qty: 1 }], total: 1250, currency: 'EUR', payment: { token: 'pm_card_visa' } });

/** Every request that reached `us` (preflights excluded), as `route status`. */
const seen = async (be: TestBackend) => (await be.requestsTo('us')).map((r) => `${r.route} ${r.status}`);

/** A page on `us` alone, whose order went pending while `us` answered `fault`. */
async function waitingOrder(fault: Fault, ref: string) {
  const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }] });
  const sc = await open(quickOptions(be, uniqueNamespace(), { endpoints: be.sdk('us') }));
  await be.fault('us', fault);
  const placed = await sc.placeOrder(order(ref));
  expect(placed.status).to.equal('pending');
  return { be, sc, placed };
}

/**
 * As `waitingOrder`, then `us` recovers and the order is confirmed with no
 * trigger but the circuit's own timer (no online, visibility or recovery event
 * fires): what reached `us`, and the order's charges.
 */
async function recovered(fault: Fault, ref: string) {
  const { be, sc, placed } = await waitingOrder(fault, ref);
  await be.fault('us', 'healthy');
  await until(async () => (await sc.outbox.list())[0]?.status == 'confirmed', 'the waiting order to be confirmed', 10_000);
  return { routes: await seen(be), charges: await be.charges(placed.id) };
}

/**
 * A page on `us` alone whose order's run waits in its round for the open
 * circuit's probe time: `us` refuses, the circuit opens with an interval of
 * `openMs`, and the order's budget (`budgetMs`) outlasts it. `due` is the probe time.
 */
async function runWaitingForCircuit(ref: string, openMs: number, budgetMs: number) {
  const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }] });
  const namespace = uniqueNamespace();
  const sc = await open(quickOptions(be, namespace, { endpoints: be.sdk('us'), budgetMs, tuning: { attemptTimeoutMs: 400, openMs, maxOpenMs: 30_000 } }));
  await be.fault('us', 'refuse');
  const placing = sc.placeOrder(order(ref));
  const circuit = await until(() => (sc.health().endpoints[0]!.state == 'open' ? sc.health().endpoints[0] : undefined), 'the circuit to open', 10_000);
  return { be, sc, namespace, placing, due: circuit!.retryAt! };
}

describe('herd: recovery without a stampede', () => {
  afterEach(async () => {
    await cleanup();
    await closeBackends();
  });

  it('a waiting order is its own probe: the circuit falls due and the order goes, with no GET /health before it', async () => {
    const { routes, charges } = await recovered('503', 'probe-1');
    expect(routes.filter((r) => r.startsWith('health')), routes.join(', ')).to.deep.equal([]);
    expect(routes.at(-1)).to.equal('checkout 201');
    expect(charges).to.equal(1);
  });

  it('a page opened with an order waiting and its circuit due sends the order as the probe, with no GET /health before it', async () => {
    const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }] });
    const namespace = uniqueNamespace();
    const options = quickOptions(be, namespace, { endpoints: be.sdk('us') });
    const first = await open(options);
    await be.fault('us', '503');
    const placed = await first.placeOrder(order('probe-reload'));
    expect(placed.status).to.equal('pending');
    // Open before the page goes. Firefox beside two other engines once never stored it open and due within 10 s;
    // what I take for the cause: the call's 600 ms held a single 503 (a blip, which opens nothing) and the page closed.
    await until(() => first.health().endpoints[0]!.state == 'open', 'the circuit to open', 10_000);
    first.close();
    // The stored circuit is open and falls due before the next page opens (maxOpenMs 1 s).
    const circuit = async () => (await rawAll<EndpointRecord>(namespace, 'endpoints'))[0];
    await until(async () => (await circuit())?.state == 'open' && (await circuit())!.retryAt < Date.now(), 'the stored circuit to be open and due', 10_000);
    await be.fault('us', 'healthy');
    const start = (await be.requestsTo('us')).length;
    const next = await open(options);
    await until(async () => (await next.outbox.list())[0]?.status == 'confirmed', 'the waiting order to be confirmed', 10_000);
    const routes = (await be.requestsTo('us')).slice(start).map((r) => `${r.route} ${r.status}`);
    // Before, the loaded circuit's timer fired while the page was still opening, before the outbox was connected to it.
    expect(routes, routes.join(', ')).to.deep.equal(['checkout 201']);
    expect(await be.charges(placed.id)).to.equal(1);
  });

  it('health probes remain for a page with nothing waiting', async () => {
    const { be, sc, placed } = await waitingOrder('503', 'probe-2');
    await discardBetweenReplays(sc, placed.id);
    await be.fault('us', 'healthy');
    await until(() => sc.health().endpoints[0]!.state == 'closed', 'the circuit to be probed and close', 10_000);
    const routes = await seen(be);
    expect(routes.at(-1)).to.equal('health 200');
    expect(routes.filter((r) => r.startsWith('checkout 2'))).to.deep.equal([]);
  });

  it('a circuit no waiting order may use (each is held to another domain) gets health probes, and the replay does not spin', async function () {
    // Five bounded waits in turn: more than mocha's 30 s, were each to take its longest.
    this.timeout(90_000);
    const be = await startBackend();
    const namespace = uniqueNamespace();
    // Roomy attempts: a 503 is always waited for, never taken for silence (which would hold the order there).
    const sc = await open(quickOptions(be, namespace, { endpoints: be.sdk('us', 'backup'), tuning: QUICK_ROOMY_TUNING }));
    // A 503 (health included) is a definite "not taken": this order opens both circuits, is held to no
    // domain, and is then discarded. Nothing can close `backup` from here on.
    await be.fault('us', '503');
    await be.fault('backup', '503');
    // Its run has time to reach both (a loaded engine's 503 from us may take most of the 600 ms budget; its
    // replays then went to us again, first in the list, for over 20 s while backup stayed closed).
    const other = await sc.placeOrder(order('discarded'), { budgetMs: 5000 });
    expect(other.status).to.equal('pending');
    // Opened, not open now: with 300 ms to 1 s intervals each falls due (half-open) in turn, and a slow
    // engine's timers may never show both open at the same poll.
    await until(() => sc.health().endpoints.every((e) => e.state != 'closed'), 'both circuits to open', 20_000);
    await discardBetweenReplays(sc, other.id);
    // `us` now refuses: this order may have reached it (a network error is ambiguous), so once refused there
    // (at once if `us` is due, else on the replay its circuit's timer makes) it is held to `us`'s domain. Should
    // an attempt at `backup` run out before its 503 all the same, it is held to `backup`'s domain, and the test
    // is skipped (below). (With 400 ms attempts, seen in Firefox on a loaded machine.)
    await be.fault('us', 'refuse');
    // What each endpoint was sent from here on, and when: said if the order is not held in time.
    const placedAt = Date.now();
    const tries: string[] = [];
    const noteTry = (e: { endpoint: string; kind: string }) => tries.push(`${Date.now() - placedAt} ms ${e.kind} ${e.endpoint.includes(be.sdk('us')[0]!.url) ? 'us' : 'backup'}`);
    sc.on('attempt', noteTry);
    // 5 s too: an attempt the 600 ms budget cut short (also one at `backup`) would be ambiguous, and hold the order there.
    const held = await sc.placeOrder(order('held-to-us'), { budgetMs: 5000 });
    expect(held.status).to.equal('pending');
    const heldTo = async () => (await rawAll<OutboxRecord>(namespace, 'outbox')).find((r) => r.id == held.id)?.domains ?? [];
    let domains: string[] = [];
    await until(async () => (domains = await heldTo()).length > 0, 'the order to be held to a domain', 20_000).catch((error: Error) => {
      throw new Error(`${error.message}; attempts since it was placed: ${tries.join(', ') || 'none'}; circuits: ${sc.health().endpoints.map((e) => e.state).join(', ')}`);
    });
    expect(domains).to.have.length(1);
    // Held to `backup`'s domain, the order leaves `us` nothing to test here: `us` may well be closed by then, with no
    // probe due (a CI run in Firefox waited 10 s for its health probes in vain). The arrangement failed, not the SDK.
    if (domains[0] != 'main') this.skip();
    // The endpoint it is held to, and the one it may not use (index in `endpoints`, name at the backend).
    const [heldAt, free] = ['us', 'backup'] as const;
    const freeIndex = 1;
    const sent: string[] = [];
    sc.on('attempt', (e) => sent.push(e.kind));
    const start = (await be.requestsTo(free)).length;
    // Before, every failed lookup at the held endpoint re-armed the timer for the other, still due and never probed,
    // at 0 ms: hundreds of lookups in these seconds. Now that one is asked its health, and every request keeps a circuit's pace.
    await until(async () => (await be.requestsTo(free)).slice(start).filter((r) => r.route == 'health').length >= 2, `${free} to be probed twice`, 10_000);
    expect(sent.length, sent.join(', ')).to.be.below(20);
    await be.fault(free, 'healthy');
    await until(() => sc.health().endpoints[freeIndex]!.state == 'closed', `${free} to be probed and close`, 10_000);
    const toFree = (await be.requestsTo(free)).slice(start).filter((r) => r.route == 'checkout' && r.key == held.id);
    expect(toFree, `the held order never went to ${free}`).to.deep.equal([]);
    expect(await heldTo()).to.deep.equal(domains);
    await be.fault(heldAt, 'healthy');
    await until(async () => (await be.charges(held.id)) == 1, `the held order to be placed on ${heldAt}`, 10_000);
  });

  it("an endpoint whose domain closed a waiting order's key gets health probes: the order, which never goes there again, is not its probe", async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const sc = await open(quickOptions(be, namespace, { endpoints: be.sdk('us', 'backup') }));
    // us's POSTs fail ambiguously, and its health too (it stays open); its lookup (404) closes the key there before
    // the order crosses to backup, which refuses.
    await be.fault('us', { kind: 'status', status: 500, routes: ['checkout', 'health'] });
    await be.fault('backup', '503');
    const r = await sc.placeOrder(order('closed-at-us'));
    expect(r.status).to.equal('pending');
    await until(() => sc.health().endpoints[0]!.state != 'closed', "us's circuit to open", 10_000);
    await until(async () => (await rawGet<OutboxRecord>(namespace, 'outbox', r.id))?.closed?.includes('main'), 'the key closed at us', 10_000);
    await be.fault('us', 'healthy');
    // Before, the waiting order counted as us's probe, yet could never be sent there: us stayed open.
    await until(() => sc.health().endpoints[0]!.state == 'closed', 'us to be probed and close', 10_000);
    expect((await be.requestsTo('us')).some((q) => q.route == 'health')).to.equal(true);
  });

  it('no lookup before a resend in the same domain: after an ambiguous 500 the replay sends the order again and the key settles it', async () => {
    const { routes, charges } = await recovered('500', 'resend-1');
    expect(routes.filter((r) => r.startsWith('lookup')), routes.join(', ')).to.deep.equal([]);
    expect(routes[0]).to.equal('checkout 500');
    expect(routes.at(-1)).to.equal('checkout 201');
    expect(charges).to.equal(1);
  });

  for (const [retryAfter, maxOpenMs, waitMs] of [
    ['10', 30_000, 10_000],
    // Capped as a circuit caps a Retry-After: a server's mistake does not park the order for an hour.
    ['3600', 5_000, 5_000],
  ] as const) {
    it(`a 409 with Retry-After: ${retryAfter} (the key still running) that ends the call holds the waiting order's next replay ${waitMs / 1000} s (maxOpenMs ${maxOpenMs / 1000} s)`, async () => {
      const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }] });
      const namespace = uniqueNamespace();
      const sc = await open({ namespace, endpoints: be.sdk('us'), tuning: { maxOpenMs } });
      await be.fault('us', { kind: 'status', status: 409, retryAfter });
      const before = Date.now();
      const placed = await sc.placeOrder(order(`busy-${retryAfter}`));
      const after = Date.now();
      expect(placed.status).to.equal('pending');
      const stored = await until(async () => {
        const record = await rawGet<OutboxRecord>(namespace, 'outbox', placed.id);
        return record?.status == 'pending' ? record : undefined;
      }, 'the order waiting at rest');
      // Without the server's wait, the first replay would be due within 1 to 2 s.
      expect(stored!.due).to.be.within(before + waitMs, after + waitMs);
    });
  }

  it('Retry-After: 10 on a 503 is persisted as the shared next-probe time, and a second tab honours it', async () => {
    const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }] });
    const namespace = uniqueNamespace();
    // Probes would otherwise fall due within a second (openMs 300 ms): only the server's 10 s holds them off.
    const options = quickOptions(be, namespace, { endpoints: be.sdk('us'), tuning: { attemptTimeoutMs: 400, openMs: 300, maxOpenMs: 30_000 } });
    // The first tab's attempt waits for the 503 (a quick 400 ms one, timed out on a loaded machine, would open the
    // 300 ms circuit as silence, and the order would go again as its probe: a second request this test counts).
    const sc = await open({ ...options, budgetMs: 5000, tuning: { ...options.tuning, attemptTimeoutMs: 3000, minAttemptTimeoutMs: 3000 } });
    await be.fault('us', { kind: 'status', status: 503, retryAfter: '10' });
    const before = Date.now();
    expect((await sc.placeOrder(order('paced-1'))).status).to.equal('pending');
    const stored: EndpointRecord = await until(async () => {
      const records = await rawAll<EndpointRecord>(namespace, 'endpoints');
      return records.find((r) => r.id == be.url('us') && r.state == 'open' && r.notBefore);
    }, 'the circuit at rest with its Retry-After').then((r) => r!);
    // Set as the 503 was heard: before the call returned, or (its budget cut that answer short on a loaded machine,
    // 159 ms later in one CI run) just after.
    expect(stored.notBefore).to.be.within(before + 10_000, Date.now() + 10_000);
    expect(stored.retryAt).to.be.at.least(stored.notBefore!);
    // A second tab starts from the record: it neither probes at load nor sends its own order to us.
    const { sc: second } = await openTab(options);
    expect(second.health().endpoints[0]!.retryAt).to.equal(stored.retryAt);
    expect((await second.placeOrder(order('paced-2'))).status).to.equal('pending');
    // Its load-time probe and the 300 ms circuit interval would both have sent by now without the server's pace.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await seen(be)).to.deep.equal(['checkout 503']);
    expect(Date.now()).to.be.below(stored.notBefore!, 'the test ran past the Retry-After: the check above proves nothing');
  });

  it('a Retry-After that reaches an already open circuit within a second of its last share still reaches every tab', async () => {
    const namespace = uniqueNamespace();
    const config = normalizeOptions({ namespace, endpoints: [{ url: 'http://127.0.0.1:9', domain: 'main' }] });
    const endpoint = config.endpoints[0]!;
    // Two contexts' circuits on one database and one channel name, as two tabs have them.
    const [a, b] = [0, 1].map(() => {
      const storage = new Storage(namespace, () => {});
      const channel = new Channel(namespace, isMessage);
      const circuits = new Circuits(config, storage, channel, () => {});
      channel.listen((message) => message.t == 'endpoint' && circuits.onRemote(message.record));
      return { storage, channel, circuits };
    });
    try {
      // A network error opens the circuit (a change of state, shared at once) ...
      a!.circuits.failure(endpoint, { body: null, error: 'network', ms: 5 });
      await until(() => b!.circuits.circuit(endpoint).state == 'open', 'the other tab to hear of the open circuit');
      // ... and at once a lookup to it is answered 503 with Retry-After: 20 s. The state stays open.
      const before = Date.now();
      a!.circuits.failure(endpoint, { status: 503, body: null, retryAfterMs: 20_000, ms: 5 });
      expect(a!.circuits.circuit(endpoint).notBefore).to.be.at.least(before + 20_000);
      await until(() => (b!.circuits.circuit(endpoint).notBefore ?? 0) >= before + 20_000, "the other tab to hear of the server's pace", 5000);
      const stored = await until(async () => (await rawAll<EndpointRecord>(namespace, 'endpoints')).find((r) => (r.notBefore ?? 0) >= before + 20_000), 'the pace at rest');
      expect(stored!.state).to.equal('open');
    } finally {
      for (const { storage, channel, circuits } of [a!, b!]) {
        circuits.close();
        channel.close();
        storage.close();
      }
    }
  });

  it('back online, an order whose run waits for its open circuit goes at once, not when the probe interval it had ends', async function () {
    this.timeout(60_000);
    // An interval of 28 s (due within 14 to 28 s) and a budget that outlasts it: the run waits in its round for the probe
    // time. At least 10 s between the online event and that time (5 s were once too few for Firefox beside two engines).
    const { be, placing, due } = await runWaitingForCircuit('online-1', 28_000, 60_000);
    expect(due - Date.now()).to.be.above(10_000);
    await be.fault('us', 'healthy');
    // The page's online trigger makes the open circuit due now; the waiting run must not sleep until `due`.
    dispatchEvent(new Event('online'));
    const placed = await placing;
    expect(placed.status).to.equal('confirmed');
    expect(Date.now(), 'confirmed before the old probe time').to.be.below(due);
    expect(await be.charges(placed.id)).to.equal(1);
  });

  it('a closed instance sends nothing more: a run waiting for its circuit stops at the close instead of sending when the probe falls due; the next instance places the order once', async () => {
    const { be, sc, namespace, placing, due } = await runWaitingForCircuit('closed-1', 3000, 20_000);
    await be.fault('us', 'healthy');
    sc.close();
    const result = await placing;
    expect(result.status).to.equal('pending');
    // Past the probe time the run had: nothing reached the backend after the close (its storage could not have recorded it).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now()) + 500));
    expect((await seen(be)).filter((r) => r.startsWith('checkout 2'))).to.deep.equal([]);
    // The order still waits, and the next page places it.
    const next = await open(quickOptions(be, namespace, { endpoints: be.sdk('us') }));
    await until(async () => (await next.outbox.list()).find((e) => e.id == result.id)?.status == 'confirmed', 'the next instance to place the order', 10_000);
    expect(await be.charges(result.id)).to.equal(1);
  });

  it('a closed instance sends no hedge: an order slow to answer when the instance closes is not copied to the next endpoint, and settles with its answer', async () => {
    const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }, { name: 'eu', domain: 'main' }] });
    await be.fault('us', { kind: 'lag', ms: 3000 });
    const sc = await open(quickOptions(be, uniqueNamespace(), { endpoints: be.sdk('us', 'eu'), budgetMs: 5000, tuning: { hedgeDelayMs: 1000, attemptTimeoutMs: 4000 } }));
    const sent = new Promise((resolve) => sc.on('attempt', resolve));
    const placing = sc.placeOrder(order('closed-2'));
    await sent;
    sc.close();
    // The request under way settles the call with its answer, past the hedge delay.
    expect((await placing).status).to.equal('confirmed');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await be.requestsTo('eu')).map((r) => r.route)).to.not.include('checkout');
  });

  it('a closed instance keeps no database connection: the answer that arrives after the close is stored, and deleting the database is not blocked', async () => {
    const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }] });
    await be.fault('us', { kind: 'lag', ms: 1000 });
    const namespace = uniqueNamespace();
    const sc = await open(quickOptions(be, namespace, { endpoints: be.sdk('us'), budgetMs: 5000, tuning: { attemptTimeoutMs: 4000 } }));
    const sent = new Promise((resolve) => sc.on('attempt', resolve));
    const placing = sc.placeOrder(order('closed-3'));
    await sent;
    sc.close();
    const result = await placing;
    expect(result.status).to.equal('confirmed');
    // Nothing lost: the outcome reached the database after the close.
    await until(async () => (await rawAll<{ id: string; status: string }>(namespace, 'outbox')).find((r) => r.id == result.id)?.status == 'confirmed', 'the outcome to be stored', 5000);
    // A connection still open would be asked to let go first, and the deletion would report `blocked`.
    expect(await deleteDatabase(namespace)).to.equal('deleted');
  });
});
