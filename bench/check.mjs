// npm run bench:check: compares bench/results.json with steadycart's targets,
// one PASS/FAIL line per target; exits 1 when any target fails or lacks results.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OUTAGES, TARGETS as HERD } from './herd.mjs';
import { ROOT, srcFingerprint } from './lib.mjs';
import { BUDGETS } from './size.mjs';
import { STARTUP_RATIO, startupRatio } from './startup.mjs';

const SLACK_MS = 50;
const HEALTHY_MS = 10;
const SILENT_MS = 1500;
/** Target: the outbox drains at least this many times faster than workbox-background-sync. */
const DRAIN_SPEEDUP = 2;
/** Issue 10: the idempotency layer costs at most this much of the bare handler's p50 on loopback PostgreSQL. Reported, not gated on. */
const SERVER_P50_RATIO = 1.3;
/** The healthy-path target is judged at this endpoint latency (a nearby region); the 0 ms figure is shown beside it. */
const HEALTHY_LATENCY_MS = 25;

const f1 = (v) => (Math.abs(v) < 10 ? v.toFixed(1) : String(Math.round(v)));
const kb = (b) => `${b.toLocaleString('en-US')} B`;

/** One `{ target, pass, detail }` per target; `pass` is null when the results lack that benchmark. */
export function evaluate(results) {
  const s = results.sections ?? {};
  const lines = [];
  const add = (target, section, judge, reportOnly = false) => {
    if (!s[section]) return lines.push({ target, pass: null, detail: `no ${section} results: run \`npm run bench -- --only=${section}\``, reportOnly });
    const [pass, detail] = judge(s[section].data);
    lines.push({ target, pass, detail, reportOnly });
  };

  for (const group of ['cart', 'page', 'worker']) {
    add(`size: ${group} bundle ≤ ${kb(BUDGETS[group])} min+gzip`, 'size', (d) => {
      const r = d.rows.find((x) => x.group == group && x.budget);
      if (!r) return [false, `no ${group} row in the size results: run \`npm run bench -- --only=size\``];
      return [r.gzip <= r.budget, `${kb(r.gzip)} (${r.gzip <= r.budget ? `${kb(r.budget - r.gzip)} left` : `over by ${kb(r.gzip - r.budget)}, ${((r.gzip / r.budget - 1) * 100).toFixed(0)}%`})`];
    });
  }

  add(`healthy path: placeOrder adds ≤ ${HEALTHY_MS} ms median over plain fetch`, 'healthy', (d) => {
    const at = (l) => d.runs.find((r) => r.latencyMs == l);
    const real = at(HEALTHY_LATENCY_MS);
    const none = at(0);
    return [real.stats.sdk.added <= HEALTHY_MS, `+${f1(real.stats.sdk.added)} ms at ${HEALTHY_LATENCY_MS} ms endpoint latency (+${f1(none.stats.sdk.added)} ms at 0 ms)`];
  });

  add(`healthy path with headers ≤ ${HEALTHY_MS} ms over plain fetch, median`, 'healthy', (d) => {
    const at = (l) => d.runs.find((r) => r.latencyMs == l)?.stats.sdkHeaders;
    const [real, none] = [at(HEALTHY_LATENCY_MS), at(0)];
    if (!real || !none) return [false, 'no `headers` row in the healthy results: run `npm run bench -- --only=healthy`'];
    return [real.added <= HEALTHY_MS, `+${f1(real.added)} ms at ${HEALTHY_LATENCY_MS} ms endpoint latency (+${f1(none.added)} ms at 0 ms)`];
  });

  const failover = (d, ids, which, bound, label) => {
    const parts = [];
    let pass = true;
    for (const id of ids) {
      const sc = d.scenarios.find((x) => x.id == id);
      const r = sc.rows.steadycart[which];
      const ok = (r.outcomes.confirmed ?? 0) == sc.rows.steadycart.n && r.median <= bound;
      pass &&= ok;
      parts.push(`${label(sc)}: median ${f1(r.median)} ms, p95 ${f1(r.p95)} ms${(r.outcomes.confirmed ?? 0) == sc.rows.steadycart.n ? '' : ` (${JSON.stringify(r.outcomes)})`}`);
    }
    return [pass, `${parts.join('; ')} (bound ${f1(bound)} ms)`];
  };
  const where = (sc) => (sc.topology == 'cross' ? 'cross-domain' : 'same domain');
  // Judged on each scenario's median of its runs (the p95 is shown beside it). A refusal is judged in one domain only:
  // across domains the first order waits, by design. A refused connection is a network error, which a browser cannot
  // tell from a reset after commit, so the order may not cross until a lookup in the first domain says 404 (RESULTS.md).
  add(`failover: first endpoint refusing → confirmed within second's latency + ${SLACK_MS} ms (median; same domain)`, 'failover', (d) => {
    const [pass, detail] = failover(d, ['refuse'], 'first', d.latencyMs + SLACK_MS, () => 'first order');
    const cross = d.scenarios.find((x) => x.id == 'x-refuse')?.rows.steadycart.first;
    return [pass, detail + (cross ? `; not judged: cross-domain, the first order ${JSON.stringify(cross.outcomes)} by design, median ${f1(cross.median)} ms` : '')];
  });
  add(`failover: first endpoint answering 503 → confirmed within second's latency + ${SLACK_MS} ms (median)`, 'failover', (d) =>
    failover(d, ['503', 'x-503'], 'first', d.latencyMs + SLACK_MS, (sc) => `first order, ${where(sc)}`),
  );
  add(`failover: first endpoint silent → first order within ${SILENT_MS} ms + second's latency (median)`, 'failover', (d) =>
    failover(d, ['silent'], 'first', SILENT_MS + d.latencyMs, () => 'first order'),
  );
  add('failover: first endpoint silent → no time lost on the next order', 'failover', (d) => {
    const healthy = d.scenarios.find((x) => x.id == 'healthy').rows.steadycart.next.median;
    // "No time lost": as fast as a next order with every endpoint healthy, within 10 ms of noise.
    return failover(d, ['silent'], 'next', healthy + 10, () => `next order (healthy next order: ${f1(healthy)} ms, + 10 ms)`);
  });

  add(`outbox: drains 1,000 orders at least ${DRAIN_SPEEDUP}x faster than workbox-background-sync`, 'drain', (d) => {
    const { workbox: w, steadycart: sc, steadycart2: sc2 } = d.runs;
    const done = sc.placed == sc.orders && w.placed == w.orders;
    const s = (v) => (v / 1000).toFixed(1);
    const each = (r) => (r.drainsMs ?? [r.drainMs]).map(s).join(', ');
    return [
      done && sc.drainMs * DRAIN_SPEEDUP <= w.drainMs,
      `median of ${sc.rounds ?? 1} drains: steadycart ${s(sc.drainMs)} s (${each(sc)}) vs Workbox ${s(w.drainMs)} s (${each(w)}), same single endpoint, ${(w.drainMs / sc.drainMs).toFixed(2)}x as fast (${(sc.drainMs / w.drainMs).toFixed(2)}x the time); steadycart with two regions ${s(sc2.drainMs)} s` +
        // Not judged: Workbox's drain less the measured gaps between a failed replay and the next sync the harness fired.
        (w.workingMs === undefined ? '' : `; not judged: Workbox's working time (its drain less ${w.gaps.n} sync gaps, ${w.gaps.totalMs} ms in all) ${s(w.workingMs)} s, ${(w.workingMs / sc.drainMs).toFixed(2)}x`),
    ];
  });
  add('outbox: zero duplicates where workbox-background-sync sends duplicates', 'drain', (d) => {
    const { workbox: w, steadycart: sc, steadycart2: sc2 } = d.runs;
    return [sc.duplicates == 0 && sc2.duplicates == 0 && sc.placed == sc.orders, `steadycart ${sc.duplicates} of ${sc.orders} orders (and ${sc2.duplicates} of ${sc2.orders} with two regions), Workbox ${w.duplicates} of ${w.orders}`];
  });

  // The herd targets, each over steadycart's rows of the outages it names.
  const herd = (d, outages, judge) => {
    const rows = outages.map((o) => d.results[`${o}/steadycart`]);
    if (rows.some((r) => !r || r.orderRatio === undefined)) return [false, 'results from before issue 13 (no order-bearing figures): run `npm run bench -- --only=herd`'];
    const parts = rows.map((r) => judge(r));
    return [parts.every(([ok]) => ok), parts.map(([, text], i) => `${OUTAGES[outages[i]]}: ${text}`).join('; ')];
  };
  add(`herd: peak of order-bearing requests (order POSTs, lookups, probes of a client with an order waiting) < ${HERD.orderRatio}x the steady rate (503, refused)`, 'herd', (d) =>
    herd(d, ['503', 'refused'], (r) => [r.orderRatio < HERD.orderRatio, `${r.orderRatio.toFixed(2)}x`]),
  );
  add(`herd: peak of all requests < ${HERD.allRatio}x the steady rate (503, refused)`, 'herd', (d) =>
    herd(d, ['503', 'refused'], (r) => [r.ratio < HERD.allRatio, `${r.ratio.toFixed(2)}x (${r.outageRatio.toFixed(2)}x during, ${r.recoveryRatio.toFixed(2)}x after)`]),
  );
  add(`herd: with 503 and Retry-After, peak of all requests < ${HERD.retryAfterAllRatio}x the steady rate`, 'herd', (d) =>
    herd(d, ['503-ra'], (r) => [r.ratio < HERD.retryAfterAllRatio, `${r.ratio.toFixed(2)}x (${r.outageRatio.toFixed(2)}x during, ${r.recoveryRatio.toFixed(2)}x after)`]),
  );
  add(`herd: median time from the recovery to a confirmed order ≤ ${HERD.recoveryMedianMs / 1000} s`, 'herd', (d) =>
    herd(d, Object.keys(OUTAGES), (r) => [r.recoveryMedianMs !== null && r.recoveryMedianMs <= HERD.recoveryMedianMs, r.recoveryMedianMs === null ? "no order confirmed" : `${(r.recoveryMedianMs / 1000).toFixed(1)} s`]),
  );

  for (const [id, label] of [['cart', 'steadycart/cart'], ['full', 'full SDK']]) {
    add(`start-up: ${label} renders the cart count within ${STARTUP_RATIO}x plain idb (cold and warm)`, 'startup', (d) => {
      const [cold, warm] = [d.stats.cold, d.stats.warm];
      // From the stored medians (see `startupRatio`).
      const ratio = (m) => startupRatio(m[id].median, m.idb.median);
      const pass = ratio(cold) <= STARTUP_RATIO && ratio(warm) <= STARTUP_RATIO;
      const part = (name, m) => `${name} ${f1(m[id].median)} ms vs ${f1(m.idb.median)} ms, ${ratio(m).toFixed(2)}x`;
      // The cached rows are not judged: they say how much of a miss is the script's download and compilation.
      const cached = d.stats.cached ? `; not judged: warm with the script cached ${ratio(d.stats.cached).toFixed(2)}x` : '';
      return [pass, `${part('cold', cold)}; ${part('warm', warm)} (medians)${cached}`];
    });
  }
  add(
    `server: idempotency layer ≤ ${SERVER_P50_RATIO}x the bare handler's p50 on loopback PostgreSQL`,
    'server',
    (d) => {
      const pg = d.rows.find((r) => r.store == 'postgres');
      const others = d.rows.filter((r) => r != pg).map((r) => `${r.store} ${r.ratioP50.toFixed(2)}x (+${f1(r.addedP50Ms)} ms)`);
      return [pg.ratioP50 <= SERVER_P50_RATIO, `PostgreSQL ${pg.ratioP50.toFixed(2)}x (p50 ${f1(pg.layer.p50)} vs ${f1(pg.bare.p50)} ms, +${f1(pg.addedP50Ms)} ms)${others.length ? `; ${others.join('; ')}` : ''}`];
    },
    true,
  );
  return lines;
}

/** Report-only lines say MET / NOT MET and never fail the check. */
export const format = ({ target, pass, detail, reportOnly }) =>
  `${pass === null ? 'MISSING' : reportOnly ? (pass ? 'MET' : 'NOT MET') : pass ? 'PASS' : 'FAIL'}  ${target}${reportOnly ? ' (reported, not gated)' : ''}: ${detail}`;

if (process.argv[1] == fileURLToPath(import.meta.url)) {
  let results;
  try {
    results = JSON.parse(readFileSync(new URL('results.json', import.meta.url), 'utf8'));
  } catch {
    console.error('bench/results.json is missing: run `npm run bench` first');
    process.exit(1);
  }
  const lines = evaluate(results);
  for (const line of lines) console.log(format(line));
  // Results of other bundles than dist/'s today (or, without dist/, of another src/) are judged all the same, and said
  // to be so. Compared: the minified bundles (the script tags', the worker and its shell, the drill chunk), which a
  // change of comments alone, unlike src/ and the unminified ES modules, leaves as they were.
  const MINIFIED = /\.iife\.js$|^steadycart-sw(-shell)?\.js$|^steadycart-drill\.mjs$/;
  const now = srcFingerprint();
  const hashOf = (file) => {
    try {
      return createHash('sha256').update(readFileSync(join(ROOT, 'dist', file))).digest('hex').slice(0, 12);
    } catch {
      return null;
    }
  };
  const current = ({ source, bundles }) => {
    // Each file read once: [recorded hash, today's].
    const measured = Object.entries(bundles ?? {}).filter(([file]) => MINIFIED.test(file)).map(([file, hash]) => [hash, hashOf(file)]);
    if (measured.length && measured.every(([, today]) => today !== null)) return measured.every(([hash, today]) => hash == today);
    return String(source).slice(0, 12) == now;
  };
  const stale = Object.entries(results.sections ?? {}).filter(([, v]) => v.machine?.source && !current(v.machine));
  if (stale.length) {
    const runs = [...new Set(stale.map(([, v]) => `src/ ${String(v.machine.source).slice(0, 12)} at ${v.machine.commit}`))].join(', ');
    console.log(`note: ${stale.map(([k]) => k).join(', ')} measured the bundles of ${runs}, not dist/'s today (src/ ${now}): \`npm run bench\` measures today's`);
  }
  const gated = lines.filter((l) => !l.reportOnly);
  const failed = gated.filter((l) => l.pass !== true).length;
  console.log(`${gated.length - failed} of ${gated.length} targets met${failed ? '; exit 1' : ''}`);
  process.exit(failed ? 1 : 0);
}
