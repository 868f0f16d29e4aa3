/**
 * When the page replays its outbox: the triggers driving a real outbox
 * (createCore, real storage, a real backend). A recorder on `outbox.replay`
 * says which replays ran and whether they were forced; the backend says what
 * each one sent.
 */
import { expect } from 'chai';
import { createCore, type Core } from '../../../src/core';
import type { SteadyCartOptions } from '../../../src/index';
import { normalizeOptions } from '../../../src/options';
import { checkPlacement } from '../../../src/outbox/placement';
import { KEEP_FINISHED_MS } from '../../../src/outbox/replay';
import { MAX_TIMER_MS, startReplayTriggers, type ReplayTriggers } from '../../../src/page/triggers';
import { closeBackends, down, startBackend, up, type TestBackend } from '../backend';
import { createSchema, pendingRecord, rawPut } from '../hardening/raw-idb';
import { cleanup, deleteDatabase, open, QUICK_ROOMY_TUNING, quickOptions, sleep, uniqueNamespace, until } from '../helpers';

const order = (ref: string) => ({ orderRef: ref, total: 700, payment: { token: 'pm_t' } });


/**
 * Records every timer this page sets from now on (each still set as it was), with a way to run its
 * callback at once: a wait of minutes, checked without waiting for it.
 */
function spyTimers(): Array<{ ms: number; run(): void }> & { restore(): void } {
  const set = globalThis.setTimeout;
  const timers = Object.assign([] as Array<{ ms: number; run(): void }>, { restore: () => (globalThis.setTimeout = set) });
  globalThis.setTimeout = ((handler: () => void, ms = 0, ...rest: unknown[]) => {
    timers.push({ ms, run: handler });
    return set(handler, ms, ...rest);
  }) as typeof setTimeout;
  return timers;
}

/** Resolves after every timer of this page due within `ms` has fired (timers with a shorter delay, set earlier, fire first). */
const afterTimers = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Rig {
  be: TestBackend;
  namespace: string;
  core: Core;
  triggers: ReplayTriggers;
  /** Every outbox.replay call, `true` when forced. */
  replays: boolean[];
  /** How many of those calls have ended. */
  replaysEnded: number;
  /** Calls of the circuit probe the `online` trigger runs first. */
  probes: number;
  /** Writes an order waiting in the outbox, due again only in 10 minutes: only a forced replay sends it. */
  waiting(ref: string): Promise<string>;
}

const rigs: Rig[] = [];

/**
 * Circuits that stay open longer than an order's budget (600 ms) after a failure: a replay while the
 * backend is down sends nothing (it would otherwise wait for a circuit due within the budget, and send).
 */
const SLOW_CIRCUITS: SteadyCartOptions = { tuning: { attemptTimeoutMs: 400, openMs: 4000, maxOpenMs: 8000 } };

/** A real core on `namespace` with `before` done to the backend and the store first, then the page's triggers on its outbox. */
async function rig(before: (be: TestBackend, waiting: Rig['waiting'], namespace: string) => Promise<unknown> = async () => {}, extra: SteadyCartOptions = {}): Promise<Rig> {
  const be = await startBackend();
  const namespace = uniqueNamespace();
  await createSchema(namespace);
  const waiting = async (ref: string) => {
    const record = pendingRecord(order(ref), { due: Date.now() + 600_000 });
    await rawPut(namespace, 'outbox', [record]);
    return record.id as string;
  };
  await before(be, waiting, namespace);
  const core = await createCore(normalizeOptions(quickOptions(be, namespace, extra)));
  core.start();
  // Without the circuits' own order probe (test/browser/transport/herd.test.ts): here only the triggers replay.
  core.circuits.probeWith({ waiting: async () => false, replay: async () => {} });
  const r = { be, namespace, core, replays: [] as boolean[], replaysEnded: 0, probes: 0, waiting } as Rig;
  const replay = core.outbox.replay.bind(core.outbox);
  core.outbox.replay = (force = false) => {
    r.replays.push(force);
    return replay(force).finally(() => r.replaysEnded++);
  };
  r.triggers = startReplayTriggers(core.outbox, () => {
    r.probes++;
    return core.circuits.probeOpen(true);
  });
  rigs.push(r);
  return r;
}

/** Resolves once the load-time replay has ended: a forced trigger during it would be queued as its follow-up, a replay more. */
const loadTimeReplayEnded = (r: Rig) => until(() => r.replays.length == 1 && r.replaysEnded == 1, 'the load-time replay to end');

/**
 * Resolves once the second replay (a forced one, the order still waiting) has ended and armed the
 * due timer. Ended, not only begun: a busy machine may still have it sending the order when the
 * backend comes up.
 */
const secondReplayEnded = (r: Rig) =>
  until(async () => r.replays.length == 2 && r.replaysEnded == 2 && (await r.core.outbox.nextDue()) !== undefined, 'the replay that arms the due timer');

/** Waits for the load-time replay to have sent and settled `id`. */
async function placed(r: Rig, id: string): Promise<void> {
  await until(async () => (await r.be.charges(id)) == 1, `order ${id} placed`, 10_000);
  await until(async () => (await r.core.outbox.list()).find((e) => e.id == id)?.status == 'confirmed', `order ${id} confirmed`);
}

/** Makes `document.visibilityState` read `state` and tells the page it changed. */
function setVisibility(state: DocumentVisibilityState): void {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  document.dispatchEvent(new Event('visibilitychange'));
}

describe('replay triggers (real outbox)', () => {
  afterEach(async () => {
    for (const r of rigs.splice(0)) {
      r.triggers.stop();
      r.core.close();
      await deleteDatabase(r.namespace);
    }
    delete (document as { visibilityState?: unknown }).visibilityState;
    await cleanup();
    await closeBackends();
  });

  it('replays once right after start, forced: a waiting order not due for 10 minutes is placed', async () => {
    let id = '';
    // Room for the load-time replay's first request: with 400 ms attempts in a 600 ms budget, a loaded machine
    // once left the order waiting, and its due timer then replayed it (unforced) a second time.
    const r = await rig(async (_, waiting) => (id = await waiting('load')), { budgetMs: 10_000, tuning: QUICK_ROOMY_TUNING });
    await placed(r, id);
    expect(r.replays).to.deep.equal([true]);
  });

  it('online: probes the open circuits first, then replays forced and places what waits', async () => {
    // Room for the online replay's first request, as above: timed out, the order would wait and its due timer
    // replay it (unforced) once more.
    const r = await rig(undefined, { budgetMs: 10_000, tuning: QUICK_ROOMY_TUNING });
    await loadTimeReplayEnded(r);
    const id = await r.waiting('online');
    const probes = r.probes;
    dispatchEvent(new Event('online'));
    expect(r.probes, 'the probe runs at once').to.equal(probes + 1);
    await placed(r, id);
    expect(r.replays).to.deep.equal([true, true]);
  });

  it('online: open circuits start their probe interval again from its base, so a probe that fails as the network comes up is followed within seconds', async () => {
    const r = await rig(async () => {}, { tuning: { attemptTimeoutMs: 400, openMs: 1000, maxOpenMs: 30_000 } });
    await loadTimeReplayEnded(r);
    const endpoints = r.core.config.endpoints;
    await down(r.be, 'refuse');
    // Failed probes while the device was offline: each doubled the interval, to 8 s.
    const network = { body: null, error: 'network' as const, ms: 1 };
    for (const e of endpoints) {
      r.core.circuits.failure(e, network);
      for (let i = 0; i < 3; i++) {
        r.core.circuits.claim(e, 100);
        r.core.circuits.failure(e, network);
      }
      expect(r.core.circuits.circuit(e)).to.include({ state: 'open', openMs: 8000 });
    }
    dispatchEvent(new Event('online'));
    await until(() => r.replays.length == 2, 'the replay after the probes');
    // Each probe failed (the backend refuses): the interval doubled from its base (1 s), not from 8 s.
    for (const e of endpoints) expect(r.core.circuits.circuit(e)).to.include({ state: 'open', openMs: 2000 });
  });

  it('visibilitychange: a tab that becomes visible replays forced at once; one that becomes hidden does not', async () => {
    const r = await rig();
    await loadTimeReplayEnded(r);
    const id = await r.waiting('visible');
    setVisibility('hidden');
    expect(r.replays).to.have.length(1);
    setVisibility('visible');
    expect(r.replays).to.deep.equal([true, true]);
    await placed(r, id);
  });

  it('a waiting order is replayed again when it falls due, by the timer (not forced)', async () => {
    const r = await rig((be) => down(be), SLOW_CIRCUITS);
    await loadTimeReplayEnded(r);
    const pending = await r.core.outbox.place(checkPlacement(r.core.config, order('due'), { budgetMs: 200 }));
    expect(pending.status).to.equal('pending');
    // A forced replay while still down: the order keeps waiting, and the due timer is armed after it.
    setVisibility('visible');
    await secondReplayEnded(r);
    await up(r.be);
    // Due after its backoff (about a second here): only the timer replays unforced.
    await placed(r, pending.id);
    expect(r.replays.slice(2)).to.include(false);
  });

  it('a page that stays open forgets a finished order a day after it ended: the timer runs the drain that does', async () => {
    let id = '';
    const r = await rig(async (_be, _waiting, namespace) => {
      // Confirmed a day ago, less 8 s: the load-time replay keeps it (a busy machine has 8 s to run it), and it is to be forgotten 8 s later.
      const record = pendingRecord(order('finished'), { status: 'confirmed', result: { orderId: 'o-1' }, updatedAt: Date.now() - KEEP_FINISHED_MS + 8000 });
      id = record.id as string;
      await rawPut(namespace, 'outbox', [record]);
    });
    await loadTimeReplayEnded(r);
    expect((await r.core.outbox.list()).map((e) => e.id), 'kept by the load-time replay').to.deep.equal([id]);
    // No event comes (no order, no visibility change, no coming online): only the timer drains.
    await until(async () => !(await r.core.storage.get('outbox', id)), 'the finished order forgotten', 20_000);
    expect(r.replays).to.deep.equal([true, false]);
  });

  it('a finished order to be forgotten in an hour: the timer waits in steps of its 5-minute bound, without a drain at each', async () => {
    const steps = spyTimers();
    try {
      const r = await rig(async (_be, _waiting, namespace) => {
        await rawPut(namespace, 'outbox', [pendingRecord(order('finished'), { status: 'confirmed', updatedAt: Date.now() - KEEP_FINISHED_MS + 3_600_000 })]);
      });
      await loadTimeReplayEnded(r);
      const step = (await until(() => steps.find((t) => t.ms == MAX_TIMER_MS), 'the timer armed for its longest step'))!;
      // The step ends (called at once here, rather than in 5 minutes): the timer is armed for the next one, and nothing is read.
      step.run();
      await afterTimers(500);
      expect(steps.filter((t) => t.ms == MAX_TIMER_MS)).to.have.length(2);
      expect(r.replays).to.deep.equal([true]);
    } finally {
      steps.restore();
    }
  });

  it('while every circuit is open, the timer waits for an endpoint in reach instead of reading the outbox every second', async () => {
    // Circuits open for 15 to 30 s after a failure.
    const r = await rig((be) => down(be), { tuning: { attemptTimeoutMs: 400, openMs: 30_000, maxOpenMs: 60_000 } });
    await loadTimeReplayEnded(r);
    // Time for both 503s to arrive on a busy machine (an attempt cut short by the budget opens no circuit);
    // the run still ends at once once both circuits are open, for far longer than the budget.
    const pending = await r.core.outbox.place(checkPlacement(r.core.config, order('waits'), { budgetMs: 3000 }));
    expect(pending.status).to.equal('pending');
    setVisibility('visible');
    await until(() => r.replays.length == 2, 'the replay that arms the timer');
    const endpoints = r.core.config.endpoints;
    for (const e of endpoints) expect(r.core.circuits.circuit(e).state).to.equal('open');
    const reach = Math.min(...endpoints.map((e) => r.core.circuits.circuit(e).retryAt)) - r.core.config.budgetMs;
    expect(await r.core.outbox.nextDue(), 'due once an endpoint is in reach, not after its backoff of 1 to 3 s').to.be.at.least(reach);
    // Past the order's own backoff: no replay until then.
    await afterTimers(5000);
    expect(Date.now()).to.be.below(reach, 'the circuits closed before the check: it proves nothing');
    expect(r.replays).to.deep.equal([true, true]);
  });

  it('a recovery still replays when the due timer is re-armed before its spread replay is due', async () => {
    const r = await rig();
    await loadTimeReplayEnded(r);
    // An endpoint recovers after a 1 s outage: its spread replay is due 900 ms later.
    const random = Math.random;
    Math.random = () => 0.9;
    try {
      r.triggers.recovered(1000);
    } finally {
      Math.random = random;
    }
    // Meanwhile an order is left waiting for a minute, which re-arms the due timer (as every replay's end does):
    // had the recovery shared that timer, it would now wait the minute, unforced.
    r.triggers.waiting(Date.now() + 60_000);
    await until(() => r.replays.length >= 2, 'the recovery replay', 10_000);
    expect(r.replays).to.deep.equal([true, true]);
  });

  describe('stop()', () => {
    it('removes the online trigger: no probe, no replay', async () => {
      const r = await rig();
      await loadTimeReplayEnded(r);
      r.triggers.stop();
      dispatchEvent(new Event('online'));
      // The listener runs synchronously inside dispatchEvent: had it stayed, the probe would have run.
      expect(r.probes).to.equal(0);
      expect(r.replays).to.have.length(1);
    });

    it('removes the visibilitychange trigger', async () => {
      const r = await rig();
      await loadTimeReplayEnded(r);
      r.triggers.stop();
      setVisibility('visible');
      expect(r.replays).to.have.length(1);
    });

    it('cancels a pending recovery replay', async () => {
      const r = await rig();
      await loadTimeReplayEnded(r);
      const random = Math.random;
      Math.random = () => 0.5;
      try {
        r.triggers.recovered(100);
      } finally {
        Math.random = random;
      }
      r.triggers.stop();
      // The recovery replay was due 50 ms after it was set; this timer, set later for 1 s, fires after it.
      await afterTimers(1000);
      expect(r.replays).to.have.length(1);
    });

    it('cancels the timer of the next due entry', async () => {
      const r = await rig(undefined, SLOW_CIRCUITS);
      await loadTimeReplayEnded(r);
      await down(r.be);
      // An order that waits: the replay after it arms the due timer (at least 1 s ahead).
      const pending = await r.core.outbox.place(checkPlacement(r.core.config, order('timer'), { budgetMs: 200 }));
      expect(pending.status).to.equal('pending');
      setVisibility('visible');
      await secondReplayEnded(r);
      await afterTimers(0);
      r.triggers.stop();
      const due = (await r.core.outbox.nextDue())!;
      await up(r.be);
      // The due timer fires at most 300 s ahead and at the entry's due time here: wait past it.
      await afterTimers(Math.max(1000, due - Date.now()) + 1000);
      expect(r.replays).to.have.length(2);
      expect(await r.be.charges(pending.id)).to.equal(0);
    });
  });
});

describe('replay triggers (an instance)', () => {
  afterEach(async () => {
    await cleanup();
    await closeBackends();
  });

  it('an order finished on this page arms the timer that forgets it a day later, on a page whose outbox was empty', async () => {
    const be = await startBackend();
    const sc = await open(quickOptions(be, uniqueNamespace()));
    // The load-time replay, of an empty outbox, arms nothing: it is long over a second later.
    await sleep(1000);
    const timers = spyTimers();
    try {
      expect((await sc.placeOrder(order('kiosk'))).status).to.equal('confirmed');
      await afterTimers(200);
      expect(timers.filter((t) => t.ms == MAX_TIMER_MS), "the timer's first step towards the order's forgetting").to.have.length(1);
    } finally {
      timers.restore();
    }
  });
});
