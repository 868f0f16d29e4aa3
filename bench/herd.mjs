// Herd: 10,000 clients through a 60 s outage and the recovery, in virtual time.
// steadycart's retry policy is modelled on src/transport/place.ts, circuits.ts,
// src/outbox/outbox.ts and src/page/triggers.ts, and runs the SDK's own policy
// code (backoff, the breaker, the retry budget, classification, the replay
// constants and the option defaults), bundled from src/ with esbuild at run time.
// Compared with a fixed-interval retry and exponential backoff without jitter.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { BUILD, ROOT, ms, progress, seededRandom, table } from './lib.mjs';

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

const POLICY = join(BUILD, 'policy.mjs');

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
  await esbuild.build({
    stdin: {
      contents: [
        "export { backoff } from './src/transport/backoff';",
        "export { closedCircuit, failed, permits, succeeded } from './src/transport/breaker';",
        "export { RetryBudget } from './src/transport/retry-budget';",
        "export { classify, classifyLookup } from './src/transport/classify';",
        "export { REPLAY_BASE_MS, REPLAY_CAP_MS } from './src/outbox/outbox';",
        "export { normalizeOptions } from './src/options';",
        constant('src/transport/place.ts', 'ROUND_BASE_MS'),
        constant('src/transport/place.ts', 'ROUND_CAP_MS'),
        constant('src/outbox/outbox.ts', 'DRAIN_PASSES'),
        constant('src/page/triggers.ts', 'MIN_TIMER_MS'),
        constant('src/page/triggers.ts', 'MAX_TIMER_MS'),
        constant('src/page/triggers.ts', 'MAX_SPREAD_MS'),
      ].join('\n'),
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: POLICY,
    logLevel: 'error',
  });
}

/** The SDK's policy code (imported, never copied) and its option defaults. */
async function loadPolicy() {
  const policy = await import(pathToFileURL(POLICY).href);
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

/**
 * The checkout backend: up before and after the outage. During it, every
 * request is answered 503 (`503`) or refused (`refused`: a network error, which
 * PROTOCOL.md makes ambiguous). Counts every request per second by kind.
 */
class Server {
  buckets = new Map();
  committed = new Set();

  constructor(sim, outage) {
    this.sim = sim;
    this.outage = outage;
  }

  up(t) {
    return t < OUTAGE_START_MS || t >= OUTAGE_END_MS;
  }

  /** kind: order (POST), lookup, probe (GET /health). Decided when sent; answered one round trip later. */
  async request(kind, id) {
    const t = this.sim.now;
    const second = Math.floor(t / 1000);
    const b = this.buckets.get(second) ?? this.buckets.set(second, { order: 0, lookup: 0, probe: 0 }).get(second);
    b[kind]++;
    const up = this.up(t);
    await this.sim.sleep(RTT_MS);
    if (!up) return this.outage == '503' ? { status: 503, body: null, ms: RTT_MS } : { error: 'network', body: null, ms: RTT_MS };
    if (kind == 'probe') return { status: 200, body: { ok: true }, ms: RTT_MS };
    if (kind == 'lookup') return this.committed.has(id) ? { status: 200, body: { status: 201, body: {} }, ms: RTT_MS } : { status: 404, body: null, ms: RTT_MS };
    this.committed.add(id);
    return { status: 201, body: {}, ms: RTT_MS };
  }
}

/**
 * One shopper's page running steadycart with one checkout endpoint, page only
 * (no service worker): its circuit (circuits.ts), its retry budget, one order
 * through placeOrder (outbox.ts `place`, place.ts `run`), and the page's
 * replay triggers (triggers.ts). Method names follow the source.
 */
class SdkClient {
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
  probe(timeoutMs = this.t.attemptTimeoutMs) {
    // One probe at a time in a context: a second caller waits for the first's verdict.
    if (this.probing) return this.probing;
    this.set({ ...this.rec, state: 'half-open', retryAt: this.sim.now + timeoutMs, updatedAt: this.sim.now });
    this.probing = this.server.request('probe', this.id).then((reply) => {
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
  async drain(force) {
    const reachable = () => this.p.permits(this.rec, this.sim.now) != 'no';
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
      const delay = Math.min(this.p.MAX_TIMER_MS, Math.max(this.p.MIN_TIMER_MS, o.due - this.sim.now));
      this.replayTimer = this.sim.at(this.sim.now + delay, () => this.runTriggers(false));
    });
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
  steadycart: { label: 'steadycart (circuit probes with jitter, replay on recovery)', make: (sim, server, p, rng, id) => new SdkClient(sim, server, p, rng, id) },
  fixed: { label: `fixed-interval retry (every ${FIXED_MS / 1000} s)`, make: (sim, server, p, rng, id) => new LoopClient(sim, server, () => FIXED_MS, id) },
  exponential: {
    label: 'exponential backoff, no jitter (1, 2, 4 … s, capped at 30 s)',
    make: (sim, server, p, rng, id) => new LoopClient(sim, server, (k) => Math.min(p.config.tuning.maxOpenMs, p.REPLAY_BASE_MS * 2 ** k), id),
  },
};

/** One simulation: orders arrive all along; 10,000 of them during the outage. */
async function simulate(p, policy, outage) {
  const sim = new Sim();
  const server = new Server(sim, outage);
  const rng = seededRandom(SEED);
  let outstanding = 0;
  let drainedAt = null;
  let id = 0;
  const arrive = (inOutage) => {
    const client = POLICIES[policy].make(sim, server, p, rng, ++id);
    if (inOutage) outstanding++;
    client.onConfirmed = (t) => inOutage && --outstanding == 0 && sim.now >= OUTAGE_END_MS && (drainedAt = t);
    client.placeOrder();
  };
  // Exactly CLIENTS arrivals spread uniformly over the outage; a Poisson stream at the same rate outside it.
  for (let i = 0; i < CLIENTS; i++) sim.at(OUTAGE_START_MS + rng() * OUTAGE_MS, () => arrive(true));
  const gap = () => -Math.log(1 - rng()) / RATE_PER_MS;
  const poisson = (t) => {
    let next = t + gap();
    if (next >= OUTAGE_START_MS && next < OUTAGE_END_MS) next = OUTAGE_END_MS + gap();
    if (next < LIMIT_MS) sim.at(next, () => (arrive(false), poisson(sim.now)));
  };
  poisson(0);
  await sim.run(LIMIT_MS, () => drainedAt !== null && sim.now >= drainedAt + TAIL_MS);

  const rate = (from, to) => {
    let peak = 0;
    let at = from;
    let total = 0;
    const kinds = { order: 0, lookup: 0, probe: 0 };
    for (let s = Math.floor(from / 1000); s < Math.ceil(to / 1000); s++) {
      const b = server.buckets.get(s) ?? { order: 0, lookup: 0, probe: 0 };
      const n = b.order + b.lookup + b.probe;
      total += n;
      for (const k in kinds) kinds[k] += b[k];
      if (n > peak) [peak, at] = [n, s * 1000];
    }
    return { peak, at, mean: total / ((to - from) / 1000), kinds };
  };
  const end = drainedAt ?? sim.now;
  const steady = rate(0, OUTAGE_START_MS).mean;
  const during = rate(OUTAGE_START_MS, OUTAGE_END_MS);
  const after = rate(OUTAGE_END_MS, Math.max(end, OUTAGE_END_MS + 1000));
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
    outagePeak: during.peak,
    outageRatio: during.peak / steady,
    outageKinds: during.kinds,
    recoveryPeak: after.peak,
    recoveryRatio: after.peak / steady,
    recoveryKinds: after.kinds,
    drainMs: drainedAt === null ? null : drainedAt - OUTAGE_END_MS,
    undrained: outstanding,
    series,
  };
}

export async function run() {
  const p = await loadPolicy();
  const results = {};
  for (const outage of ['503', 'refused']) {
    for (const policy of Object.keys(POLICIES)) {
      const started = Date.now();
      results[`${outage}/${policy}`] = { outage, policy, ...(await simulate(p, policy, outage)) };
      const r = results[`${outage}/${policy}`];
      progress(`  herd: outage ${outage}, ${policy}: peak ${r.ratio.toFixed(2)}x steady, drained ${ms(r.drainMs)} ms after recovery (${Date.now() - started} ms real)`);
    }
  }
  const { tuning, budgetMs } = p.config;
  return {
    clients: CLIENTS,
    outageMs: OUTAGE_MS,
    rttMs: RTT_MS,
    seed: SEED,
    sdk: { ...tuning, budgetMs, REPLAY_BASE_MS: p.REPLAY_BASE_MS, REPLAY_CAP_MS: p.REPLAY_CAP_MS, ROUND_BASE_MS: p.ROUND_BASE_MS, ROUND_CAP_MS: p.ROUND_CAP_MS },
    results,
  };
}

/** Why steadycart's policy misses the target, from the figures (only when it does), and what could change. */
function analysis(d) {
  const sdk = Object.values(d.results).filter((r) => r.policy == 'steadycart');
  const worst = sdk.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  if (worst.ratio < 2) return [];
  const r503 = d.results['503/steadycart'];
  const probesPerS = r503.outageKinds.probe / (d.outageMs / 1000);
  return [
    `**steadycart misses the target**: peak ${worst.ratio.toFixed(1)}x the steady rate (outage: ${worst.outage}), ${(worst.ratio / 2).toFixed(1)} times the 2x bound. What in the policy causes it:`,
    '',
    `1. Probes scale with the number of clients in trouble, not with the order rate. Every client whose order failed probes its own circuit after 1–2 s, then 2–4 s, 4–8 s … up to 15–30 s (\`openMs\` ${d.sdk.openMs} ms doubling on every failed probe to \`maxOpenMs\` ${d.sdk.maxOpenMs} ms, jittered 50–100%), and probes spend no retry-budget tokens. ` +
      `During the outage the 10,000 clients sent ${r503.outageKinds.probe.toLocaleString('en-US')} probes (${probesPerS.toFixed(0)}/s on average, ${(probesPerS / r503.steady).toFixed(1)}x the steady rate) against ${r503.outageKinds.order.toLocaleString('en-US')} order POSTs: the outage alone peaks at ${r503.outageRatio.toFixed(1)}x.`,
    `2. The recovery adds each client's backlog on top of those probes. A successful probe closes the circuit and \`onRecovered\` → \`triggers.recovered(outageMs)\` replays at a random moment within as long as that client's circuit was open (at most \`MAX_SPREAD_MS\`, 30 s): the clients that failed early spread their replays over 30 s, but those that failed in the last seconds saw a short outage and replay within seconds, and every replay after refused connections looks the order up first (the failure was ambiguous), ` +
      `${sdkLookups(d)} lookups: ${r503.recoveryRatio.toFixed(1)}x (503) and ${d.results['refused/steadycart'].recoveryRatio.toFixed(1)}x (refused) in the busiest second, the drain taking about as long as the outage.`,
    `3. The bound itself: with 10,000 clients in trouble, any policy that probes each open circuit at least every 30 s (DESIGN.md: "backing off to at most 30 s") sends at least ${(10_000 / 30).toFixed(0)} probes/s at the end of a long outage, ${(10_000 / 30 / r503.steady).toFixed(1)}x the steady rate before a single order is retried or a new one placed. Under 2x needs probing slower than every ${(10_000 / r503.steady).toFixed(0)} s per client (or probes shared between clients, which pages cannot do), at the cost of noticing a recovery that much later.`,
    '',
    'What could lower it further, with its price: let a waiting order be its own probe (the replay POST or lookup instead of a health probe followed by it: one request less per client at recovery); spread every recovery over at least a fixed window (slower confirmation after short blips); skip the lookup when resending to the same idempotency domain (the key makes that safe, but the issue asks replays to look up first); start probing later than 1–2 s.',
  ];
}
const sdkLookups = (d) => d.results['refused/steadycart'].recoveryKinds.lookup.toLocaleString('en-US');

const SPARK = '▁▂▃▄▅▆▇█';
const spark = (series) => {
  const max = Math.max(...series, 1);
  return series.map((v) => SPARK[Math.min(7, Math.floor((v / max) * 8))]).join('');
};

export function report(d) {
  const rows = Object.values(d.results).map((r) => [
    r.outage == '503' ? 'answers 503' : 'refuses connections',
    POLICIES[r.policy].label,
    r.steady.toFixed(0),
    `${r.peak} (at ${r.peakAtS} s)`,
    r.ratio >= 2 ? `**${r.ratio.toFixed(2)}x**` : `${r.ratio.toFixed(2)}x`,
    `${r.outageRatio.toFixed(2)}x`,
    `${r.recoveryRatio.toFixed(2)}x`,
    r.drainMs === null ? `not drained (${r.undrained} left)` : `${(r.drainMs / 1000).toFixed(1)} s`,
  ]);
  const sdk503 = d.results['503/steadycart'];
  const sdkRef = d.results['refused/steadycart'];
  const kinds = (k) => `${k.order} orders, ${k.probe} probes, ${k.lookup} lookups`;
  return [
    `Virtual time (Node), seed ${d.seed}. Orders arrive all along at one rate; the backend is down from t = 60 s to t = 120 s, and exactly ${d.clients.toLocaleString('en-US')} clients (shoppers' pages) place an order during the outage, spread uniformly over it. ` +
      `Each client is one page with one checkout endpoint and one order; every request (order POSTs, circuit probes, lookups) takes a ${d.rttMs} ms round trip and is counted when sent; CORS preflights are not counted. ` +
      `**Steady rate**: the mean request rate of normal traffic in the minute before the outage (one POST per order). **Peak**: the busiest 1 s window from the outage start to the end of the drain. ` +
      `**Drained**: the last order placed during the outage is confirmed, counted from the recovery (t = 120 s).`,
    '',
    `The steadycart model runs the SDK's own \`backoff\`, \`failed\`/\`succeeded\`/\`permits\` (breaker.ts), \`RetryBudget\`, \`classify\`/\`classifyLookup\`, \`REPLAY_BASE_MS\`/\`REPLAY_CAP_MS\` and the option defaults (${JSON.stringify(d.sdk)}), bundled from src/ with esbuild; ` +
      `the constants src/ does not export (round backoff in place.ts, drain passes, timer bounds in triggers.ts) are read from the source text. It follows the code: a new order tries within its 3 s budget (POST; the circuit opens on the failure; a probe when it is due, inline; round backoff), then waits \`pending\`; ` +
      `an open circuit is probed by the page's timer at its jittered \`retryAt\`, the interval doubling on every failed probe up to 30 s; a successful probe closes the circuit, which replays the outbox (forced); a replay sends nothing while the circuit is open; a replay after an ambiguous failure (a refused connection) looks the order up first; ` +
      `a failed replay sets the entry's backoff (1 s + full jitter up to 5 min) and the page's replay timer. Page only: no service worker (its Background Sync would add one replay per waiting order, on Chromium only).`,
    '',
    table(['outage', 'policy', 'steady req/s', 'peak req/s', 'peak / steady', 'outage peak / steady', 'recovery peak / steady', 'drained after'], rows),
    '',
    'Requests per second, 5 s windows from 10 s before the outage to the end of the drain (each line scaled to its own maximum):',
    '',
    '```',
    ...Object.values(d.results).map((r) => `${(r.outage + ' ' + r.policy).padEnd(24)} ${spark(r.series)}  max ${Math.max(...r.series).toFixed(0)}/s`),
    '```',
    '',
    `steadycart, requests during the outage: ${kinds(sdk503.outageKinds)} (503), ${kinds(sdkRef.outageKinds)} (refused); during the recovery: ${kinds(sdk503.recoveryKinds)} (503), ${kinds(sdkRef.recoveryKinds)} (refused).`,
    '',
    ...analysis(d),
  ].join('\n');
}
