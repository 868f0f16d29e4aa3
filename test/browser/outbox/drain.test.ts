import { expect } from 'chai';
import { createCore, type Core } from '../../../src/core';
import { normalizeOptions } from '../../../src/options';
import { checkPlacement } from '../../../src/outbox/placement';
import { eachConcurrently, REPLAY_CONCURRENCY } from '../../../src/outbox/replay';
import { closeBackends, startBackend } from '../backend';
import { cleanup, deleteDatabase, quickOptions, sleep, uniqueNamespace, until } from '../helpers';

const order = (ref: string) => ({ orderRef: ref, total: 700, payment: { token: 'pm_d' } });

describe('outbox drain', () => {
  const cores: Array<{ core: Core; namespace: string }> = [];
  afterEach(async () => {
    for (const { core, namespace } of cores.splice(0)) {
      core.close();
      await deleteDatabase(namespace);
    }
    await cleanup();
    await closeBackends();
  });

  it('a circuit open for less than an order\'s budget (a blip) is waited for: the drain sends every entry instead of skipping the pass', async () => {
    const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }] });
    const namespace = uniqueNamespace();
    // The circuit reopens for 0.5–1 s after a failure; an order's budget is 3 s.
    const options = quickOptions(be, namespace, { endpoints: be.sdk('us'), budgetMs: 3000, tuning: { attemptTimeoutMs: 1000, openMs: 1000, maxOpenMs: 1000 } });
    const core = await createCore(normalizeOptions(options));
    cores.push({ core, namespace });
    core.start();
    await be.fault('us', '503');
    const ids: string[] = [];
    // A budget the 503 surely comes back within on a busy machine (an attempt cut short teaches the circuit nothing).
    for (const ref of ['b0', 'b1', 'b2']) ids.push((await core.outbox.place(checkPlacement(core.config, order(ref), { budgetMs: 1000 }))).id);
    expect(core.circuits.permits(core.config.endpoints[0]!)).to.not.equal('yes');
    await be.fault('us', 'healthy');
    // Right away, while the circuit is still open: the drain waits for it to fall due, then sends.
    const waiting = await core.outbox.replay(true);
    expect(waiting).to.equal(0);
    const statuses = (await core.outbox.list()).map((e) => e.status);
    expect(statuses).to.deep.equal(['confirmed', 'confirmed', 'confirmed']);
    for (const id of ids) expect(await be.charges(id)).to.equal(1);
  });

  it(`sends at most ${REPLAY_CONCURRENCY} orders at once, and the next ones as answers come in, each order once`, async () => {
    const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }] });
    const namespace = uniqueNamespace();
    // Attempts that outlast the hold below: a request waiting for its answer is never cut short here.
    const options = quickOptions(be, namespace, { endpoints: be.sdk('us'), budgetMs: 60_000, tuning: { attemptTimeoutMs: 60_000 } });
    const core = await createCore(normalizeOptions(options));
    cores.push({ core, namespace });
    core.start();
    const endpoint = core.config.endpoints[0]!;
    // Queued without a request: the circuit is open for a minute, so each new order waits at once.
    core.circuits.set({ ...core.circuits.circuit(endpoint), state: 'open', retryAt: Date.now() + 60_000, updatedAt: Date.now() });
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await core.outbox.place(checkPlacement(core.config, order(`c${i}`), { budgetMs: 200 }))).id);
    expect((await core.outbox.list()).map((e) => e.status)).to.deep.equal(Array(30).fill('pending'));
    core.circuits.success(endpoint);
    let sent = 0;
    core.events.on('attempt', () => sent++);
    // Every order's POST waits at the server: no answer comes, so no place frees.
    await be.hold('us', true);
    const drained = core.outbox.replay(true);
    await until(() => sent >= REPLAY_CONCURRENCY, `${REPLAY_CONCURRENCY} orders sent`, 15_000);
    await sleep(300);
    expect(sent, 'orders sent before any answer').to.equal(REPLAY_CONCURRENCY);
    await be.hold('us', false);
    expect(await drained).to.equal(0);
    expect(sent).to.equal(30);
    expect((await core.outbox.list()).map((e) => e.status)).to.deep.equal(Array(30).fill('confirmed'));
    for (const id of ids) expect(await be.charges(id)).to.equal(1);
  });
});

describe('eachConcurrently', () => {
  /** Lets every pending promise callback run. */
  const settle = () => sleep(0);

  it('keeps at most the limit of tasks that have not freed their place, and starts the next one as a task frees it, before it ends', async () => {
    const started: number[] = [];
    const free: Array<() => void> = [];
    const end: Array<() => void> = [];
    let done = false;
    const all = eachConcurrently([0, 1, 2, 3], 2, (i, freePlace) => {
      started.push(i);
      free[i] = freePlace;
      return new Promise<void>((resolve) => (end[i] = resolve));
    }).then(() => (done = true));
    await settle();
    expect(started).to.deep.equal([0, 1]);
    free[0]!();
    await settle();
    expect(started, 'the next task, once the first freed its place').to.deep.equal([0, 1, 2]);
    // Ending frees a place too.
    end[1]!();
    await settle();
    expect(started).to.deep.equal([0, 1, 2, 3]);
    end[0]!();
    end[2]!();
    await settle();
    expect(done, 'resolved while a task runs').to.equal(false);
    end[3]!();
    await all;
    expect(done).to.equal(true);
  });

  it('runs the other tasks when one fails, then rejects with its error, leaving no rejection unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (event: PromiseRejectionEvent) => {
      unhandled.push(event.reason);
      event.preventDefault();
    };
    addEventListener('unhandledrejection', onUnhandled);
    try {
      const ran: number[] = [];
      const error = await eachConcurrently([0, 1, 2, 3], 2, async (i) => {
        ran.push(i);
        await sleep(10);
        if (i == 0) throw new Error('task 0 failed');
      }).then(
        () => null,
        (e: Error) => e,
      );
      expect(error?.message).to.equal('task 0 failed');
      expect(ran).to.deep.equal([0, 1, 2, 3]);
      await sleep(50);
      expect(unhandled).to.deep.equal([]);
    } finally {
      removeEventListener('unhandledrejection', onUnhandled);
    }
  });
});
