// Herd: 10,000 clients through a 60 s outage and the recovery, in virtual time.
// steadycart's retry policy is modelled on src/transport/place.ts, circuits.ts,
// src/outbox/replay.ts and src/page/triggers.ts, and runs the SDK's own policy
// code (backoff, the breaker, the retry budget, classification, the replay
// constants and the option defaults), bundled from src/ with esbuild at run time.
// Compared with the policy before issue 13 (a health probe, then the order; a
// lookup before every replay after an ambiguous failure), a fixed-interval
// retry and exponential backoff without jitter.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { BUILD, ROOT, median, ms, progress, seededRandom, table } from './lib.mjs';

export const CLIENTS = 10_000;
const OUTAGE_START_MS = 60_000;
const OUTAGE_MS = 60_000;
const OUTAGE_END_MS = OUTAGE_START_MS + OUTAGE_MS;
/** Orders arrive at this rate all along: 10,000 of them during the outage. */
const RATE_PER_MS = CLIENTS / OUTAGE_MS;
/** Round trip of every request, answered or refused. */
const RTT_MS = 50;
/** The simulation stops this long after the last outage order is confirmed, or at the limit. */
const TAIL_MS = 10_000;
const LIMIT_MS = OUTAGE_END_MS + 600_000;
const SEED = 20_240_601;
/** Baselines. */
const FIXED_MS = 5_000;
/** The third outage answers 503 with this Retry-After (seconds). */
const RETRY_AFTER_S = 10;
export const OUTAGES = {
  503: 'answers 503',
  refused: 'refuses connections',
  '503-ra': `answers 503, Retry-After: ${RETRY_AFTER_S}`,
};

const POLICY = join(BUILD, 'policy.mjs');

/**
 * How much the probe interval grows with each failed probe: the SDK doubles
 * it (breaker.ts). The other growths are variants of breaker.ts built for the
 * growth table only, to show what a calmer herd would cost a short outage.
 */
export const GROWTHS = [
  { factor: 2, label: 'doubling (steadycart)' },
  { factor: 4, label: 'quadrupling (a variant)' },
  { factor: 16, label: 'to the 30 s cap after the first failed probe (a variant: x16)' },
];
/** Outage lengths of the growth table; the longest is the herd's own. */
const GROWTH_OUTAGES_MS = [5_000, 20_000, 60_000];
const policyFile = (factor) => (factor == 2 ? POLICY : join(BUILD, `policy-x${factor}.mjs`));
/** The growth in breaker.ts, as the variants rewrite it. */
const DOUBLING = 'record.openMs * 2 :';

/**
 * Bundles the SDK's policy code from src/ for Node (run.mjs does it when the run
 * starts, with the other builds), with the constants src/ does not export read
 * from the source text at the same moment, so that they cannot drift.
 */
export async function buildPolicy() {
  const constant = (file, name) => {
    const m = readFileSync(join(ROOT, file), 'utf8').match(new RegExp(`const ${name} = ([\\d_]+);`));
    if (!m) throw new Error(`${name} not found in ${file}`);
    return `export const ${name} = ${Number(m[1].replaceAll('_', ''))}; // read from ${file}`;
  };
  // One entry, the source constants read once, for every variant.
  const contents = [
    "export { backoff } from './src/transport/backoff';",
    "export { closedCircuit, failed, permits, succeeded } from './src/transport/breaker';",
    "export { RetryBudget } from './src/transport/retry-budget';",
    "export { classify, classifyLookup } from './src/transport/classify';",
    "export { REPLAY_BASE_MS, REPLAY_CAP_MS } from './src/outbox/replay';",
    "export { normalizeOptions } from './src/options';",
    constant('src/transport/place.ts', 'ROUND_BASE_MS'),
    constant('src/transport/place.ts', 'ROUND_CAP_MS'),
    constant('src/outbox/replay.ts', 'DRAIN_PASSES'),
    constant('src/page/triggers.ts', 'MIN_TIMER_MS'),
    constant('src/page/triggers.ts', 'MAX_TIMER_MS'),
    constant('src/page/triggers.ts', 'MAX_SPREAD_MS'),
  ].join('\n');
  for (const { factor } of GROWTHS) {
    // The probe interval growing `factor`-fold per failed probe (2: as shipped).
    await esbuild.build({
      stdin: { contents, resolveDir: ROOT, loader: 'ts' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outfile: policyFile(factor),
      logLevel: 'error',
      plugins: factor == 2 ? [] : [growth(factor)],
    });
  }
}

/** Rewrites breaker.ts's doubling as growth by `factor` (and fails if the doubling is no longer there). */
const growth = (factor) => ({
  name: 'probe-growth',
  setup(build) {
    build.onLoad({ filter: /transport[\\/]breaker\.ts$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      if (!source.includes(DOUBLING)) throw new Error(`breaker.ts no longer doubles with \`${DOUBLING}\`: update bench/herd.mjs`);
      return { contents: source.replace(DOUBLING, `record.openMs * ${factor} :`), loader: 'ts' };
    });
  },
});

/** The SDK's policy code (imported, never copied) and its option defaults. */
async function loadPolicy(factor = 2) {
  const policy = await import(pathToFileURL(policyFile(factor)).href);
  return { ...policy, config: policy.normalizeOptions({ endpoints: [{ url: 'http://127.0.0.1:1', domain: 'main' }] }) };
}

/** Virtual time: timers in a heap; `sleep` and `request` are promises resolved by the clock. */
class Sim {
  now = 0;
  #heap = [];
  #seq = 0;

  at(t, fn) {
    const event = { t, seq: this.#seq++, fn, cancelled: false };
    const h = this.#heap;
    h.push(event);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (before(h[p], h[i])) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
    return event;
  }

  sleep(ms) {
    return new Promise((resolve) => this.at(this.now + Math.max(0, ms), resolve));
  }

  #pop() {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (h.length) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m == i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }

  /** Runs events in time order until `done()` or `limit`; every promise chain an event starts settles before time moves on. */
  async run(limit, done) {
    while (this.#heap.length) {
      const event = this.#pop();
      if (event.t > limit) break;
      this.now = event.t;
      if (event.cancelled) continue;
      event.fn();
      await new Promise(setImmediate);
      if (done()) break;
    }
  }
}
const before = (a, b) => a.t < b.t || (a.t == b.t && a.seq < b.seq);

/** Requests sent in one second, by kind; `waitingProbe`: the probes (of `probe`) sent by a client with an order waiting. */
const emptyBucket = () => ({ order: 0, lookup: 0, probe: 0, waitingProbe: 0 });

/**
 * The checkout backend: up before and after the outage. During it, every
 * request is answered 503 (`503`) or refused (`refused`: a network error, which
 * the wire contract makes ambiguous). Counts every request per second by kind.
 */
class Server {
  buckets = new Map();
  committed = new Set();

  /** `retryAfterS`: the `Retry-After` of every 503 (none: 0). */
  constructor(sim, outage, retryAfterS = outage == '503-ra' ? RETRY_AFTER_S : 0, end = OUTAGE_END_MS) {
    this.sim = sim;
    this.end = end;
    this.outage = outage;
    this.retryAfterMs = retryAfterS * 1000 || undefined;
  }

  up(t) {
    return t < OUTAGE_START_MS || t >= this.end;
  }

  /**
   * kind: order (POST), lookup, probe (GET /health). Decided when sent; answered one round trip later.
   * `waiting`: the client sending it has an order waiting (pending or being sent). Its probes count
   * as order-bearing (bench/README.md), as a probe of steadycart now is the waiting order itself.
   */
  async request(kind, id, waiting = false) {
    const t = this.sim.now;
    const second = Math.floor(t / 1000);
    const b = this.buckets.get(second) ?? this.buckets.set(second, emptyBucket()).get(second);
    b[kind]++;
    if (kind == 'probe' && waiting) b.waitingProbe++;
    const up = this.up(t);
    await this.sim.sleep(RTT_MS);
    if (!up) {
      if (this.outage == 'refused') return { error: 'network', body: null, ms: RTT_MS };
      return { status: 503, body: null, ms: RTT_MS, retryAfterMs: this.retryAfterMs };
    }
    if (kind == 'probe') return { status: 200, body: { ok: true }, ms: RTT_MS };
    if (kind == 'lookup') return this.committed.has(id) ? { status: 200, body: { status: 201, body: {} }, ms: RTT_MS } : { status: 404, body: null, ms: RTT_MS };
    this.committed.add(id);
    return { status: 201, body: {}, ms: RTT_MS };
  }
}

/**
 * One shopper's page running steadycart as it was before issue 13, with one
 * checkout endpoint, page only (no service worker): its circuit (circuits.ts),
 * its retry budget, one order through placeOrder (outbox.ts `place`, place.ts
 * `run`), and the page's replay triggers (triggers.ts). Method names follow
 * the source of that time: an open circuit is probed with GET /health, also
 * when an order waits, and a replay after an ambiguous failure looks the order
 * up first. The baseline row of the policy that missed the target.
 */
class LegacySdkClient {
  constructor(sim, server, p, rng, id) {
    Object.assign(this, { sim, server, p, rng, id });
    this.t = p.config.tuning;
    this.rec = p.closedCircuit('main', this.t.openMs);
    this.budget = new p.RetryBudget(this.t.retryTokens, this.t.retryTokenRatio, undefined, () => sim.now);
    this.order = null;
    this.locked = false;
    this.draining = null;
    this.probeTimer = null;
    this.probing = null;
    this.replayTimer = null;
  }

  // --- circuits.ts
  set(record) {
    const before = this.rec;
    this.rec = record;
    // onRecovered, with how long the endpoint was out
    if (before.state != record.state && record.state == 'closed') this.recovered(record.updatedAt - (before.openedAt ?? record.updatedAt));
    this.schedule();
  }
  schedule() {
    if (this.probeTimer) this.probeTimer.cancelled = true;
    this.probeTimer = null;
    if (this.rec.state == 'closed') return;
    this.probeTimer = this.sim.at(Math.max(this.sim.now, this.rec.retryAt), () => this.p.permits(this.rec, this.sim.now) == 'probe' && this.probe());
  }
  success(latency) {
    this.set(this.p.succeeded(this.rec, this.sim.now, this.t.openMs, latency));
  }
  failure(reply) {
    this.set(this.p.failed(this.rec, { code: reply.error ?? 'http', message: '', status: reply.status, at: this.sim.now }, this.sim.now, this.t.maxOpenMs, reply.retryAfterMs, this.rng));
  }
  /** Whether this client's order waits (pending, or being sent): its probes are order-bearing. */
  waiting() {
    const o = this.order;
    return !!o && (o.status == 'pending' || o.status == 'sending');
  }
  probe(timeoutMs = this.t.attemptTimeoutMs) {
    // One probe at a time in a context: a second caller waits for the first's verdict.
    if (this.probing) return this.probing;
    this.set({ ...this.rec, state: 'half-open', retryAt: this.sim.now + timeoutMs, updatedAt: this.sim.now });
    this.probing = this.server.request('probe', this.id, this.waiting()).then((reply) => {
      this.probing = null;
      const ok = !!reply.status && reply.status < 300;
      if (ok) this.success();
      else this.failure(reply);
      return ok;
    });
    return this.probing;
  }

  // --- place.ts (one endpoint, so no hedging and no other domain)
  async place(deadline, fresh) {
    const { p, sim, order } = this;
    const left = () => deadline - sim.now;
    const ambiguous = new Set(fresh ? [] : order.domains);
    let attempts = 0;
    let tried = false;
    let round = 0;
    let hintMs = 0;
    const request = (kind) => (attempts++, this.server.request(kind, this.id));
    const observe = (reply, latency) => {
      const verdict = p.classify(reply.status);
      if (verdict == 'retry' || verdict == 'ambiguous') {
        this.failure(reply);
        this.budget.onFailure();
      } else {
        this.success(latency && verdict != 'busy' ? reply.ms : undefined);
        if (verdict != 'busy') this.budget.onSuccess();
      }
      return verdict;
    };
    // No latency history (no order of this shopper has succeeded yet): attemptTimeoutMs.
    const timeoutFor = () => Math.min(left(), this.t.attemptTimeoutMs);
    const usable = async () => {
      const permit = p.permits(this.rec, sim.now);
      return permit == 'yes' || (permit == 'probe' && (await this.probe(timeoutFor())));
    };
    const done = (status) => ({ status, attempts });
    try {
      // Reconcile first where an earlier attempt was ambiguous (open circuits are asked too).
      if (ambiguous.size && left() > 0) {
        const reply = await request('lookup');
        observe(reply, false);
        const answer = p.classifyLookup(reply.status, reply.body);
        if (answer.kind == 'absent') ambiguous.clear();
        if (answer.kind == 'found') return done('confirmed');
      }
      while (left() > 0) {
        if (tried || !(await usable())) {
          const now = sim.now;
          const due = p.permits(this.rec, now) == 'no' ? this.rec.retryAt - now : 0;
          const wait = Math.max(p.backoff(round, p.ROUND_BASE_MS, p.ROUND_CAP_MS, this.rng), hintMs, due);
          if (!this.budget.canRetry() || wait >= left()) break;
          await sim.sleep(wait);
          round++;
          hintMs = 0;
          tried = false;
          continue;
        }
        tried = true;
        const reply = await request('order');
        const verdict = observe(reply, true);
        if (verdict == 'done') return done('confirmed');
        if (verdict != 'retry') ambiguous.add('main');
      }
      return done('pending');
    } finally {
      order.domains = order.domains.filter((d) => ambiguous.has(d));
    }
  }

  // --- outbox.ts
  settle(outcome) {
    const { p, order } = this;
    order.status = outcome.status;
    order.due = this.sim.now + p.REPLAY_BASE_MS + p.backoff(order.runs, p.REPLAY_BASE_MS, p.REPLAY_CAP_MS, this.rng);
    if (order.status == 'confirmed') this.onConfirmed(this.sim.now);
  }
  async placeOrder() {
    this.order = { status: 'sending', runs: 0, due: this.sim.now, domains: ['main'] };
    this.locked = true;
    const outcome = await this.place(this.sim.now + this.p.config.budgetMs, true);
    this.settle(outcome);
    this.locked = false;
  }
  replay(force) {
    return (this.draining ??= this.drain(force).finally(() => (this.draining = null)));
  }
  /** Whether the circuit may be used now. */
  reachable() {
    return this.p.permits(this.rec, this.sim.now) != 'no';
  }
  async drain(force) {
    const reachable = () => this.reachable();
    for (let pass = 0; pass < this.p.DRAIN_PASSES; pass++) {
      const o = this.order;
      const due = o && !this.locked && (o.status == 'sending' || (o.status == 'pending' && ((force && !pass) || o.due <= this.sim.now)));
      if (!due) break;
      await this.replayOne(force && !pass, reachable());
      if (!reachable()) break;
    }
  }
  async replayOne(force, send) {
    const o = this.order;
    if (o.status == 'confirmed' || (o.status == 'pending' && !force && o.due > this.sim.now)) return;
    // While every circuit is open nothing is sent; an orphaned `sending` entry goes back to pending.
    if (!send) return o.status == 'sending' && this.settle({ status: 'pending', attempts: 0 });
    this.locked = true;
    o.status = 'sending';
    const outcome = await this.place(this.sim.now + this.p.config.budgetMs, false);
    if (outcome.attempts) o.runs++;
    this.settle(outcome);
    this.locked = false;
  }

  // --- triggers.ts: replay when an endpoint recovers (spread over as long as the outage lasted,
  // at most MAX_SPREAD_MS), then on a timer while the order waits
  recovered(outageMs) {
    if (this.replayTimer) this.replayTimer.cancelled = true;
    this.replayTimer = this.sim.at(this.sim.now + this.rng() * Math.min(this.p.MAX_SPREAD_MS, outageMs), () => this.runTriggers(true));
  }
  runTriggers(force) {
    if (this.replayTimer) this.replayTimer.cancelled = true;
    this.replay(force).then(() => {
      const o = this.order;
      if (o?.status != 'pending') return;
      if (this.replayTimer) this.replayTimer.cancelled = true;
      this.replayTimer = this.sim.at(this.timerAt(o.due), () => this.runTriggers(false));
    });
  }
  /** When the page's replay timer for an entry due at `due` fires (triggers.ts bounds it to 1 s … 5 min). */
  timerAt(due) {
    return this.sim.now + Math.min(this.p.MAX_TIMER_MS, Math.max(this.p.MIN_TIMER_MS, due - this.sim.now));
  }
}

/**
 * One shopper's page running steadycart now, as LegacySdkClient otherwise:
 * - a waiting order is its own probe: when the circuit falls due, a client
 *   with an order waiting replays it (circuits.ts `schedule` → outbox
 *   `replay(true)`), and the order sent to a circuit due a probe claims it
 *   (half-open, place.ts `loop` → `circuits.claim`); a health probe only where
 *   nothing waits, or when the circuit is still due after the replay;
 * - no lookup before a resend in the same domain (one endpoint, one domain
 *   here: no lookup at all);
 * - a `Retry-After` is the circuit's next probe time (breaker.ts `failed`);
 * - an order left waiting arms the page's replay timer for when it is due.
 */
class SdkClient extends LegacySdkClient {
  // outbox.ts `reachable`: a circuit due within an order's budget counts too (each run waits for it).
  reachable() {
    return super.reachable() || this.rec.retryAt < this.sim.now + this.p.config.budgetMs;
  }
  schedule() {
    if (this.probeTimer) this.probeTimer.cancelled = true;
    this.probeTimer = null;
    if (this.rec.state == 'closed') return;
    this.probeTimer = this.sim.at(Math.max(this.sim.now, this.rec.retryAt), () => this.due());
  }
  async due() {
    if (this.p.permits(this.rec, this.sim.now) != 'probe') return;
    if (this.waiting()) await this.replay(true);
    if (!this.waiting() && this.p.permits(this.rec, this.sim.now) == 'probe') this.probe();
  }
  claim(timeoutMs) {
    this.set({ ...this.rec, state: 'half-open', retryAt: this.sim.now + timeoutMs, updatedAt: this.sim.now });
  }
  runTriggers(force) {
    // triggers.ts `replay` clears the due timer; the replay re-arms it when it ends.
    if (this.dueTimer) this.dueTimer.cancelled = true;
    this.dueTimer = null;
    super.runTriggers(force);
  }
  // outbox `store` → triggers.ts `waiting`: an order left waiting brings the page's replay timer forward to when it is due.
  settle(outcome) {
    super.settle(outcome);
    const o = this.order;
    if (o.status != 'pending' || (this.dueTimer && !this.dueTimer.cancelled && this.dueAt <= o.due)) return;
    if (this.dueTimer) this.dueTimer.cancelled = true;
    this.dueAt = o.due;
    this.dueTimer = this.sim.at(this.timerAt(o.due), () => {
      this.dueTimer = null;
      this.runTriggers(false);
    });
  }
  async place(deadline) {
    const { p, sim } = this;
    const left = () => deadline - sim.now;
    let attempts = 0;
    let tried = false;
    let round = 0;
    const timeoutFor = () => Math.min(left(), this.t.attemptTimeoutMs);
    while (left() > 0) {
      const permit = p.permits(this.rec, sim.now);
      if (tried || permit == 'no') {
        const due = permit == 'no' ? this.rec.retryAt - sim.now : 0;
        const wait = Math.max(p.backoff(round, p.ROUND_BASE_MS, p.ROUND_CAP_MS, this.rng), due);
        if (!this.budget.canRetry() || wait >= left()) break;
        await sim.sleep(wait);
        round++;
        tried = false;
        continue;
      }
      if (permit == 'probe') this.claim(timeoutFor());
      tried = true;
      attempts++;
      const reply = await this.server.request('order', this.id);
      const verdict = p.classify(reply.status);
      if (verdict == 'retry' || verdict == 'ambiguous') {
        this.failure(reply);
        this.budget.onFailure();
      } else {
        this.success(reply.ms);
        this.budget.onSuccess();
      }
      if (verdict == 'done') return { status: 'confirmed', attempts };
    }
    return { status: 'pending', attempts };
  }
}

/** steadycart with the shop's own breaker tuning (`openMs`, `maxOpenMs`) in place of the defaults. */
class TunedSdkClient extends SdkClient {
  constructor(sim, server, p, rng, id, tuning) {
    super(sim, server, p, rng, id);
    this.t = { ...this.t, ...tuning };
    this.rec = p.closedCircuit('main', this.t.openMs);
  }
}

/** A shop's own retry loop: POST, and after a failure POST again after `delay(k)` ms, until it succeeds (bounded, as everything here). */
class LoopClient {
  constructor(sim, server, delay, id) {
    Object.assign(this, { sim, server, delay, id });
  }
  async placeOrder() {
    for (let k = 0; k < 10_000; k++) {
      const reply = await this.server.request('order', this.id);
      if (reply.status && reply.status < 300) return this.onConfirmed(this.sim.now);
      await this.sim.sleep(this.delay(k));
    }
  }
}

export const POLICIES = {
  steadycart: { label: 'steadycart (the waiting order is the probe; no lookup in the same domain; Retry-After shared)', make: (sim, server, p, rng, id) => new SdkClient(sim, server, p, rng, id) },
  legacy: { label: 'steadycart before issue 13 (GET /health probes, then the order; a lookup first after an ambiguous failure)', make: (sim, server, p, rng, id) => new LegacySdkClient(sim, server, p, rng, id) },
  fixed: { label: `fixed-interval retry (every ${FIXED_MS / 1000} s)`, make: (sim, server, p, rng, id) => new LoopClient(sim, server, () => FIXED_MS, id) },
  exponential: {
    label: 'exponential backoff, no jitter (1, 2, 4 … s, capped at 30 s)',
    make: (sim, server, p, rng, id) => new LoopClient(sim, server, (k) => Math.min(p.config.tuning.maxOpenMs, p.REPLAY_BASE_MS * 2 ** k), id),
  },
};

/**
 * The knobs a shop has over steadycart's pace, each run once on the same herd
 * (not judged against the targets): the backend's `Retry-After`, up to the
 * breakers' cap, and the breaker tuning. They show what the targets trade.
 */
export const KNOBS = [
  { label: 'defaults (`openMs` 2 s, `maxOpenMs` 30 s)', outage: '503' },
  { label: 'the backend sends `Retry-After: 30` (the cap)', outage: '503', retryAfterS: 30 },
  { label: '`openMs` 8 s', outage: '503', tuning: { openMs: 8_000 } },
  { label: '`openMs` 30 s (= `maxOpenMs`)', outage: '503', tuning: { openMs: 30_000 } },
  { label: '`openMs` 8 s, `maxOpenMs` 60 s', outage: '503', tuning: { openMs: 8_000, maxOpenMs: 60_000 } },
  { label: '`openMs` 30 s, `maxOpenMs` 60 s', outage: '503', tuning: { openMs: 30_000, maxOpenMs: 60_000 } },
];

/**
 * One simulation: orders arrive all along; 10,000 of them during the outage
 * (with `outageMs`, as many as arrive in it at the same rate). `knob`: a row
 * of {@link KNOBS} (steadycart only).
 */
async function simulate(p, policy, outage, knob, outageMs = OUTAGE_MS) {
  const outageEnd = OUTAGE_START_MS + outageMs;
  const sim = new Sim();
  const server = new Server(sim, outage, knob?.retryAfterS, outageEnd);
  const rng = seededRandom(SEED);
  let outstanding = 0;
  let drainedAt = null;
  let id = 0;
  /** When each order placed during the outage was confirmed, from the recovery. */
  const recoveredIn = [];
  const arrive = (inOutage) => {
    const client = knob?.tuning ? new TunedSdkClient(sim, server, p, rng, ++id, knob.tuning) : POLICIES[policy].make(sim, server, p, rng, ++id);
    if (inOutage) outstanding++;
    client.onConfirmed = (t) => {
      if (!inOutage) return;
      recoveredIn.push(t - outageEnd);
      if (--outstanding == 0 && sim.now >= outageEnd) drainedAt = t;
    };
    client.placeOrder();
  };
  // Exactly CLIENTS arrivals (fewer in a shorter outage, at the same rate) spread uniformly over the outage; a Poisson stream at the same rate outside it.
  for (let i = 0; i < Math.round(RATE_PER_MS * outageMs); i++) sim.at(OUTAGE_START_MS + rng() * outageMs, () => arrive(true));
  const gap = () => -Math.log(1 - rng()) / RATE_PER_MS;
  const poisson = (t) => {
    let next = t + gap();
    if (next >= OUTAGE_START_MS && next < outageEnd) next = outageEnd + gap();
    if (next < LIMIT_MS) sim.at(next, () => (arrive(false), poisson(sim.now)));
  };
  poisson(0);
  await sim.run(LIMIT_MS, () => drainedAt !== null && sim.now >= drainedAt + TAIL_MS);

  const rate = (from, to) => {
    let peak = 0;
    let at = from;
    let total = 0;
    // Order-bearing requests (bench/README.md): order POSTs, lookups, and the probes of a client with an order waiting.
    let orderPeak = 0;
    const kinds = emptyBucket();
    for (let s = Math.floor(from / 1000); s < Math.ceil(to / 1000); s++) {
      const b = server.buckets.get(s) ?? emptyBucket();
      const n = b.order + b.lookup + b.probe;
      total += n;
      for (const k in kinds) kinds[k] += b[k];
      if (n > peak) [peak, at] = [n, s * 1000];
      orderPeak = Math.max(orderPeak, b.order + b.lookup + b.waitingProbe);
    }
    return { peak, at, orderPeak, mean: total / ((to - from) / 1000), kinds };
  };
  const end = drainedAt ?? sim.now;
  const steady = rate(0, OUTAGE_START_MS).mean;
  const during = rate(OUTAGE_START_MS, outageEnd);
  const after = rate(outageEnd, Math.max(end, outageEnd + 1000));
  const whole = during.peak >= after.peak ? during : after;
  // Requests per 5 s, from 10 s before the outage to the end of the drain, for the sparkline.
  const series = [];
  for (let s = (OUTAGE_START_MS - 10_000) / 1000; s < Math.ceil(end / 1000) + 5; s += 5) {
    let n = 0;
    for (let i = s; i < s + 5; i++) {
      const b = server.buckets.get(i);
      if (b) n += b.order + b.lookup + b.probe;
    }
    series.push(n / 5);
  }
  return {
    steady,
    peak: whole.peak,
    peakAtS: whole.at / 1000,
    ratio: whole.peak / steady,
    orderRatio: Math.max(during.orderPeak, after.orderPeak) / steady,
    recoveryMedianMs: recoveredIn.length ? median(recoveredIn) : null,
    outagePeak: during.peak,
    outageRatio: during.peak / steady,
    outageKinds: during.kinds,
    recoveryPeak: after.peak,
    recoveryRatio: after.peak / steady,
    recoveryKinds: after.kinds,
    drainMs: drainedAt === null ? null : drainedAt - outageEnd,
    undrained: outstanding,
    series,
  };
}

export async function run() {
  const p = await loadPolicy();
  const results = {};
  for (const outage of Object.keys(OUTAGES)) {
    for (const policy of Object.keys(POLICIES)) {
      const started = Date.now();
      results[`${outage}/${policy}`] = { outage, policy, ...(await simulate(p, policy, outage)) };
      const r = results[`${outage}/${policy}`];
      progress(
        `  herd: outage ${outage}, ${policy}: peak ${r.ratio.toFixed(2)}x steady (order-bearing ${r.orderRatio.toFixed(2)}x), median recovery to confirmed ${ms(r.recoveryMedianMs)} ms, drained ${ms(r.drainMs)} ms after recovery (${Date.now() - started} ms real)`,
      );
    }
  }
  const knobs = [];
  for (const knob of KNOBS) {
    // The defaults are the table's own steadycart row: not simulated again.
    const r = knob.tuning || knob.retryAfterS ? await simulate(p, 'steadycart', knob.outage, knob) : results[`${knob.outage}/steadycart`];
    knobs.push({ ...knob, ...r, series: undefined });
    progress(`  herd: ${knob.label}: peak ${r.ratio.toFixed(2)}x steady (order-bearing ${r.orderRatio.toFixed(2)}x), median recovery to confirmed ${ms(r.recoveryMedianMs)} ms`);
  }
  // What a faster-growing probe interval would trade, on this herd and on shorter outages.
  const growths = [];
  for (const { factor } of GROWTHS) {
    const variant = factor == 2 ? p : await loadPolicy(factor);
    for (const outageMs of GROWTH_OUTAGES_MS) {
      const r = factor == 2 && outageMs == OUTAGE_MS ? results['503/steadycart'] : await simulate(variant, 'steadycart', '503', undefined, outageMs);
      growths.push({ factor, outageMs, ratio: r.ratio, orderRatio: r.orderRatio, recoveryMedianMs: r.recoveryMedianMs, drainMs: r.drainMs });
      progress(`  herd: growth x${factor}, outage ${outageMs / 1000} s: peak ${r.ratio.toFixed(2)}x steady, median recovery to confirmed ${ms(r.recoveryMedianMs)} ms`);
    }
  }
  const { tuning, budgetMs } = p.config;
  return {
    knobs,
    growths,
    clients: CLIENTS,
    outageMs: OUTAGE_MS,
    rttMs: RTT_MS,
    seed: SEED,
    retryAfterS: RETRY_AFTER_S,
    sdk: { ...tuning, budgetMs, REPLAY_BASE_MS: p.REPLAY_BASE_MS, REPLAY_CAP_MS: p.REPLAY_CAP_MS, ROUND_BASE_MS: p.ROUND_BASE_MS, ROUND_CAP_MS: p.ROUND_CAP_MS },
    results,
  };
}

/** steadycart's herd targets, as bench/check.mjs judges them. */
export const TARGETS = { orderRatio: 2, allRatio: 3, retryAfterAllRatio: 2, recoveryMedianMs: 15_000 };

/** Whether steadycart's row for `r.outage` meets its targets. */
export function meets(r) {
  const all = r.outage == '503-ra' ? TARGETS.retryAfterAllRatio : TARGETS.allRatio;
  return r.ratio < all && (r.outage == '503-ra' || r.orderRatio < TARGETS.orderRatio) && r.recoveryMedianMs !== null && r.recoveryMedianMs <= TARGETS.recoveryMedianMs;
}

/** Why steadycart's policy misses a target, from the figures (only when it does). */
function analysis(d) {
  const sdk = Object.values(d.results).filter((r) => r.policy == 'steadycart');
  if (sdk.every(meets)) return [];
  const r503 = d.results['503/steadycart'];
  const steady = r503.steady;
  const legacy503 = d.results['503/legacy'];
  const floor = d.clients / (d.sdk.maxOpenMs / 1000);
  const f = (v) => v.toFixed(1);
  const n = (v) => v.toLocaleString('en-US');
  const waitingShare = (k) => (k.waitingProbe === undefined ? 'an unknown number (results from before they were told apart)' : k.waitingProbe == k.probe ? 'all of them' : n(k.waitingProbe));
  return [
    `**steadycart misses targets here**: ${sdk.filter((r) => !meets(r)).map((r) => `${OUTAGES[r.outage]}: all requests ${f(r.ratio)}x, order-bearing ${f(r.orderRatio)}x, median recovery to confirmed ${ms(r.recoveryMedianMs)} ms`).join('; ')}. What the figures say:`,
    '',
    `1. A waiting order is its own probe, so every probe of a client with an order waiting is an order POST. By the same rule (bench/README.md), the GET /health probes that the policy before issue 13 sends while a client's order waits are order-bearing too: every row is counted alike. During the outage the ${n(d.clients)} clients sent ${n(r503.outageKinds.order)} order POSTs and ${n(r503.outageKinds.probe)} health probes (503); before issue 13, ${n(legacy503.outageKinds.order)} POSTs and ${n(legacy503.outageKinds.probe)} probes, ${waitingShare(legacy503.outageKinds)} from clients with an order waiting. The busiest second is at the end of the outage, when all ${n(d.clients)} orders wait.`,
    `2. The floor under any policy that probes each open circuit at least every ${d.sdk.maxOpenMs / 1000} s (the breakers' cap, which bounds a Retry-After too): with ${d.clients.toLocaleString('en-US')} orders waiting, at least ${floor.toFixed(0)} probes/s (${f(floor / steady)}x the steady rate of ${steady.toFixed(0)}/s), all of them orders by the rule above, on top of the new orders still arriving (1.0x): **${f(floor / steady + 1)}x** of order-bearing and of all requests, whatever the jitter. Under 2x order-bearing (or 2x all with Retry-After) needs each waiting client to probe less often than every ${(d.clients / steady).toFixed(0)} s.`,
    `3. The median target pulls the other way: confirming half of the ${d.clients.toLocaleString('en-US')} waiting orders within 15 s of the recovery takes at least ${(d.clients / 2 / 15).toFixed(0)} order POSTs/s beside the new orders, ${f(d.clients / 2 / 15 / steady + 1)}x the steady rate. A median ≤ 15 s and an order-bearing peak < 2x cannot both hold for this herd; steadycart meets the median (${ms(r503.recoveryMedianMs)} ms for 503, ${ms(d.results['503-ra/steadycart'].recoveryMedianMs)} ms with Retry-After) ${versusLegacy(d)}.`,
    ...knobsSay(d),
    ...growthSay(d),
  ];
}

/** `text` with its first letter in upper case. */
const capitalized = (text) => text.charAt(0).toUpperCase() + text.slice(1);

/** Item 5 of the analysis: what the growth table measured (results from before it existed have none). */
function growthSay(d) {
  if (!d.growths?.length) return [];
  const at = (factor, outageMs) => d.growths.find((g) => g.factor == factor && g.outageMs == outageMs);
  const lengths = [...new Set(d.growths.map((g) => g.outageMs))].sort((a, b) => a - b);
  const longest = lengths.at(-1);
  const shorter = lengths.slice(0, -1);
  const s = (v) => `${(v / 1000).toFixed(1)} s`;
  const variants = GROWTHS.filter((g) => g.factor != 2 && at(g.factor, longest));
  return [
    `5. Measured, in the growth table: a probe interval that grows faster than doubling calms this herd but slows the recovery from shorter outages. ` +
      capitalized(variants
        .map((g) => `${g.label.replace(/ \(a variant.*\)$/, '')}: ${at(g.factor, longest).ratio.toFixed(2)}x of all requests for the ${longest / 1000} s outage (doubling: ${at(2, longest).ratio.toFixed(2)}x), but a median recovery to confirmed of ${shorter.map((l) => `${s(at(g.factor, l).recoveryMedianMs)} after a ${l / 1000} s outage (doubling: ${s(at(2, l).recoveryMedianMs)})`).join(' and ')}`)
        .join('; ')) +
      '. None meets this herd\'s targets, and each slows the recovery from the shorter outages: the interval doubles.',
  ];
}

/** Item 3's comparison of steadycart's peaks (all requests, order-bearing) with the policy before issue 13, outage by outage. */
function versusLegacy(d) {
  const f = (v) => `${v.toFixed(2)}x`;
  const pairs = Object.keys(OUTAGES)
    .map((o) => [o, d.results[`${o}/steadycart`], d.results[`${o}/legacy`]])
    .filter(([, s, l]) => s && l);
  const higher = [];
  for (const [o, s, l] of pairs) {
    if (s.ratio >= l.ratio) higher.push(`all requests with ${OUTAGES[o]} (${f(s.ratio)} vs ${f(l.ratio)})`);
    if (s.orderRatio >= l.orderRatio) higher.push(`order-bearing with ${OUTAGES[o]} (${f(s.orderRatio)} vs ${f(l.orderRatio)})`);
  }
  const each = pairs.map(([o, s, l]) => `${OUTAGES[o]}: all ${f(s.ratio)} vs ${f(l.ratio)}, order-bearing ${f(s.orderRatio)} vs ${f(l.orderRatio)}`).join('; ');
  if (!higher.length) return `and its peaks, of all requests and of order-bearing ones, are lower than the policy before issue 13's with every outage (${each})`;
  return `and its peaks compare with the policy before issue 13's as follows (${each}): not lower for ${higher.join(', ')}`;
}

/** Item 4 of the analysis: what the knobs measured (results from before they existed have none). */
function knobsSay(d) {
  if (!d.knobs?.length) return [];
  const f = (v) => v.toFixed(2);
  const paced = d.knobs.find((k) => k.retryAfterS);
  const under = d.knobs.filter((k) => k.ratio < TARGETS.allRatio);
  const within = d.knobs.filter((k) => k.recoveryMedianMs !== null && k.recoveryMedianMs <= TARGETS.recoveryMedianMs);
  const best = within.reduce((a, k) => (k.ratio < a.ratio ? k : a), within[0]);
  /** A knob that lets the probe interval grow past the default cap. */
  const pastCap = (k) => (k.tuning?.maxOpenMs ?? d.sdk.maxOpenMs) > d.sdk.maxOpenMs;
  return [
    `4. Measured, on the knobs above: the slowest pace the design allows a server to ask for, ${paced ? `${paced.label.replace(/^the backend sends /, '')}, gives ${f(paced.ratio)}x of all requests with a median of ${ms(paced.recoveryMedianMs)} ms: the floor of item 2 and the median of item 3 at once` : ''}. ` +
      (best ? `Of the knobs that keep the median within ${TARGETS.recoveryMedianMs / 1000} s, the lowest peak is ${f(best.ratio)}x (${best.label}). ` : '') +
      (under.length
        ? `Peaks under ${TARGETS.allRatio}x come ${under.every(pastCap) ? `only past the ${d.sdk.maxOpenMs / 1000} s cap` : 'with'} (${under.map((k) => `${k.label}: ${f(k.ratio)}x all, ${f(k.orderRatio)}x order-bearing, median ${ms(k.recoveryMedianMs)} ms`).join('; ')}). `
        : `No knob here brings the peak under ${TARGETS.allRatio}x. `) +
      (d.knobs.some((k) => k.orderRatio < TARGETS.orderRatio) ? '' : `None reaches ${TARGETS.orderRatio}x order-bearing.`) +
      ' The defaults stay as they are: a first probe interval of 1 to 2 s (`openMs` 2 s, jittered) is what lets an order whose first attempt failed try again within its 3 s budget, and so be confirmed through an outage of a second or two instead of waiting `pending`.',
  ];
}

/** The knobs table (steadycart, one outage each; not judged). */
function knobsTable(d) {
  if (!d.knobs?.length) return [];
  return [
    `**What a shop can turn** (steadycart on the same herd, the outage answering 503; not judged against the targets): the backend's \`Retry-After\` (within the breakers' 30 s cap) and the breaker's tuning (\`openMs\`, the first probe interval; \`maxOpenMs\`, the cap it doubles up to). \`npm run bench -- --only=herd\` prints them.`,
    '',
    table(
      ['knob', 'all / steady', 'order-bearing / steady', 'recovery to confirmed, median', 'drained after'],
      d.knobs.map((k) => [k.label, `${k.ratio.toFixed(2)}x`, `${k.orderRatio.toFixed(2)}x`, k.recoveryMedianMs === null ? '–' : `${(k.recoveryMedianMs / 1000).toFixed(1)} s`, k.drainMs === null ? `not drained (${k.undrained} left)` : `${(k.drainMs / 1000).toFixed(1)} s`]),
    ),
    '',
  ];
}

/** The growth table: the probe interval's growth against the outage's length (steadycart, 503; not judged). */
function growthTable(d) {
  if (!d.growths?.length) return [];
  const lengths = [...new Set(d.growths.map((g) => g.outageMs))];
  const cell = (factor, outageMs) => d.growths.find((g) => g.factor == factor && g.outageMs == outageMs);
  const seconds = (v) => (v === null ? '–' : `${(v / 1000).toFixed(1)} s`);
  return [
    `**How fast the probe interval grows** (steadycart on the same herd, the outage answering 503, lasting ${lengths.map((l) => `${l / 1000} s`).join(', ')}, with as many orders as arrive in it at the same rate; not judged): steadycart doubles the interval with every failed probe; the variants, built from breaker.ts for this table only, grow it faster. Each cell: peak of all requests / steady rate, and the median time from the recovery to a confirmed order.`,
    '',
    table(
      ['growth', ...lengths.flatMap((l) => [`${l / 1000} s outage: all / steady`, `${l / 1000} s: recovery to confirmed, median`])],
      GROWTHS.filter((g) => cell(g.factor, lengths[0])).map((g) => [g.label, ...lengths.flatMap((l) => [`${cell(g.factor, l).ratio.toFixed(2)}x`, seconds(cell(g.factor, l).recoveryMedianMs)])]),
    ),
    '',
  ];
}

const SPARK = '▁▂▃▄▅▆▇█';
const spark = (series) => {
  const max = Math.max(...series, 1);
  return series.map((v) => SPARK[Math.min(7, Math.floor((v / max) * 8))]).join('');
};

export function report(d) {
  const bold = (text, over) => (over ? `**${text}**` : text);
  const rows = Object.values(d.results).map((r) => {
    const allBound = r.outage == '503-ra' ? TARGETS.retryAfterAllRatio : TARGETS.allRatio;
    return [
      OUTAGES[r.outage],
      POLICIES[r.policy].label,
      r.steady.toFixed(0),
      `${r.peak} (at ${r.peakAtS} s)`,
      bold(`${r.ratio.toFixed(2)}x`, r.ratio >= allBound),
      bold(`${r.orderRatio.toFixed(2)}x`, r.outage != '503-ra' && r.orderRatio >= TARGETS.orderRatio),
      `${r.outageRatio.toFixed(2)}x`,
      `${r.recoveryRatio.toFixed(2)}x`,
      r.recoveryMedianMs === null ? '–' : bold(`${(r.recoveryMedianMs / 1000).toFixed(1)} s`, r.recoveryMedianMs > TARGETS.recoveryMedianMs),
      r.drainMs === null ? `not drained (${r.undrained} left)` : `${(r.drainMs / 1000).toFixed(1)} s`,
    ];
  });
  const kinds = (k) => `${k.order} orders, ${k.probe} probes${k.probe && k.waitingProbe !== undefined ? ` (${k.waitingProbe} with an order waiting)` : ''}, ${k.lookup} lookups`;
  const counts = Object.keys(OUTAGES).map((o) => {
    const r = d.results[`${o}/steadycart`];
    return `${OUTAGES[o]}: during the outage ${kinds(r.outageKinds)}; during the recovery ${kinds(r.recoveryKinds)}`;
  });
  return [
    `Virtual time (Node), seed ${d.seed}. Orders arrive all along at one rate; the backend is down from t = 60 s to t = 120 s, and exactly ${d.clients.toLocaleString('en-US')} clients (shoppers' pages) place an order during the outage, spread uniformly over it. ` +
      `The backend answers 503, answers 503 with \`Retry-After: ${d.retryAfterS ?? 10}\`, or refuses connections (a network error: ambiguous). ` +
      `Each client is one page with one checkout endpoint and one order; every request (order POSTs, circuit probes, lookups) takes a ${d.rttMs} ms round trip and is counted when sent; CORS preflights are not counted. ` +
      `**Steady rate**: the mean request rate of normal traffic in the minute before the outage (one POST per order). **Peak**: the busiest 1 s window from the outage start to the end of the drain, of all requests and of order-bearing ones (order POSTs, lookups, and the probes of a client with an order waiting: bench/README.md). ` +
      `**Recovery to confirmed**: the median, over the orders placed during the outage, of the time from the recovery (t = 120 s) to the order's confirmation. **Drained**: the last of them is confirmed, counted from the recovery. ` +
      `Targets: order-bearing < ${TARGETS.orderRatio}x and all < ${TARGETS.allRatio}x for 503 and refused; all < ${TARGETS.retryAfterAllRatio}x with Retry-After; median recovery to confirmed ≤ ${TARGETS.recoveryMedianMs / 1000} s.`,
    '',
    `The steadycart models run the SDK's own \`backoff\`, \`failed\`/\`succeeded\`/\`permits\` (breaker.ts), \`RetryBudget\`, \`classify\`/\`classifyLookup\`, \`REPLAY_BASE_MS\`/\`REPLAY_CAP_MS\` and the option defaults (${JSON.stringify(d.sdk)}), bundled from src/ with esbuild; ` +
      `the constants src/ does not export (round backoff in place.ts, drain passes, timer bounds in triggers.ts) are read from the source text. Both follow the code: a new order tries within its 3 s budget, then waits \`pending\`; an open circuit falls due at its jittered \`retryAt\`, the interval doubling on every failed probe up to 30 s, never before a server's \`Retry-After\`. ` +
      `**steadycart** (now): when the circuit falls due, a client whose order waits replays it, and that order is the probe (it claims the circuit, half-open); within the budget too, the order goes to a circuit due a probe; a resend in the same domain has no lookup before it (one endpoint here: no lookups at all); a successful order closes the circuit. ` +
      `**Before issue 13** (baseline): a GET /health probe first (the page's timer, or inline within the budget), and its success replays the outbox, spread over up to as long as the outage (at most 30 s); a replay after an ambiguous failure (a refused connection) looks the order up first. ` +
      `A failed replay sets the entry's backoff (1 s + full jitter up to 5 min) and the page's replay timer. Page only: no service worker (its Background Sync would add one replay per waiting order, on Chromium only).`,
    '',
    table(['outage', 'policy', 'steady req/s', 'peak req/s', 'all / steady', 'order-bearing / steady', 'outage peak / steady', 'recovery peak / steady', 'recovery to confirmed, median', 'drained after'], rows),
    '',
    'Requests per second, 5 s windows from 10 s before the outage to the end of the drain (each line scaled to its own maximum):',
    '',
    '```',
    ...Object.values(d.results).map((r) => `${(r.outage + ' ' + r.policy).padEnd(24)} ${spark(r.series)}  max ${Math.max(...r.series).toFixed(0)}/s`),
    '```',
    '',
    `steadycart, requests: ${counts.join('. ')}.`,
    '',
    ...knobsTable(d),
    ...growthTable(d),
    ...analysis(d),
  ].join('\n');
}
