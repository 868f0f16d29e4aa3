// Healthy path: what write-ahead and bookkeeping add to an order, against a plain
// fetch of the same request (same URL, headers and body), alternating, in one page.
import { startBackend } from '../test/backend/index.mjs';
import { launchBrowser, median, ms, openBenchPage, p95, progress, startStatic, table } from './lib.mjs';

const ORDERS = 200;
const WARMUP = 10;
/** No latency (the client's own cost, alone), and a nearby region's round trip (what a shopper feels). */
export const LATENCIES = [0, 25];

const order = (ref) => ({ orderRef: ref, items: [{ sku: 'mug-blue', qty: 2, unitPrice: 1200 }], currency: 'EUR', total: 2400, payment: { token: 'pm_bench' } });

export const CLIENTS = {
  fetch: 'plain fetch',
  fetchNoStore: "plain fetch with `cache: 'no-store'`",
  sdk: 'steadycart placeOrder (shipped)',
  sdkHeaders: 'steadycart placeOrder with the `headers` option (static + fresh bearer per attempt)',
};

/** The `headers` row's options: a static header on the instance, and a function on every endpoint minting a bearer token per attempt. */
const STATIC_HEADER = 'X-Csrf-Token';

async function measure(page, latencyMs) {
  const be = await startBackend({ endpoints: ['us:main', 'eu:main', 'backup:backup'].map((e) => e.split(':')).map(([name, domain]) => ({ name, domain, latencyMs })) });
  try {
    const endpoints = be.endpoints.map(({ url, domain }) => ({ url, domain }));
    // As a shop configures it: every endpoint, default budget and tuning. (The service
    // worker takes no part in placing an order, so it is left out.)
    const storage = await page.evaluate(([e, l]) => window.bench.create(`h${l}`, { endpoints: e, namespace: `healthy-${l}` }), [endpoints, latencyMs]);
    // Functions cannot cross into the page: the options are made there. (Both names are in the test backend's CORS allow list.)
    await page.evaluate(
      ([e, l, name]) => {
        window.bearers = 0;
        const bearer = () => ({ Authorization: `Bearer ${++window.bearers}-${crypto.randomUUID()}` });
        return window.bench.create(`hh${l}`, { endpoints: e.map((x) => ({ ...x, headers: bearer })), headers: { [name]: 'bench-csrf' }, namespace: `healthy-headers-${l}` });
      },
      [endpoints, latencyMs, STATIC_HEADER],
    );
    const url = `${be.endpoints[0].url}/checkout`;
    const calls = {
      fetch: (ref) => page.evaluate(([u, o]) => window.bench.fetch(u, crypto.randomUUID(), JSON.stringify(o), { attemptHeader: true }), [url, order(ref)]),
      fetchNoStore: (ref) => page.evaluate(([u, o]) => window.bench.fetch(u, crypto.randomUUID(), JSON.stringify(o), { attemptHeader: true, cache: 'no-store' }), [url, order(ref)]),
      sdk: (ref) => page.evaluate(([o, l]) => window.bench.place(`h${l}`, o), [order(ref), latencyMs]),
      sdkHeaders: (ref) => page.evaluate(([o, l]) => window.bench.place(`hh${l}`, o), [order(ref), latencyMs]),
    };
    const sides = Object.keys(calls);
    const times = Object.fromEntries(sides.map((s) => [s, []]));
    const preflights = Object.fromEntries(sides.map((s) => [s, 0]));
    const outcomes = new Set();
    for (let i = -WARMUP; i < ORDERS; i++) {
      // Rotate which side goes first, so drift and caches favour none.
      for (let k = 0; k < sides.length; k++) {
        const side = sides[(k + i + WARMUP) % sides.length];
        const seen = be.requests().length;
        const r = await calls[side](`h${latencyMs}-${side}-${i}`);
        outcomes.add(r.outcome);
        if (i < 0) continue;
        times[side].push(r.ms);
        // The calls take turns, so what the backend saw meanwhile is this call's.
        preflights[side] += be.requests().slice(seen).filter((e) => e.route == 'preflight').length;
      }
      if (i > 0 && i % 100 == 0) progress(`  healthy, ${latencyMs} ms latency: ${i}/${ORDERS} rounds`);
    }
    // Bearer tokens minted per order of the headers row, warm-up included: 1.00 when every order took one attempt.
    const bearersPerOrder = (await page.evaluate(() => window.bearers)) / (ORDERS + WARMUP);
    const ledger = be.ledger();
    const stats = Object.fromEntries(
      sides.map((s) => [s, { median: median(times[s]), p95: p95(times[s]), added: median(times[s]) - median(times.fetch), addedP95: p95(times[s]) - p95(times.fetch), preflights: preflights[s] / ORDERS }]),
    );
    return { latencyMs, storage, stats, outcomes: [...outcomes], charges: ledger.charges, duplicates: ledger.duplicates, bearersPerOrder };
  } finally {
    await be.close();
  }
}

export async function run() {
  const site = await startStatic();
  const browser = await launchBrowser();
  try {
    const page = await openBenchPage(browser.context, site.origin);
    const runs = [];
    for (const latencyMs of LATENCIES) runs.push(await measure(page, latencyMs));
    return { orders: ORDERS, warmup: WARMUP, runs };
  } finally {
    await browser.close();
    await site.close();
  }
}

/** Says what the rows show about CORS preflights, only where the counts show it. */
function explain(d) {
  const sdk = Math.min(...d.runs.map((r) => r.stats.sdk.preflights));
  if (sdk < 0.5) return ["steadycart's POSTs use the CORS preflight cache, as the plain fetch does; the `no-store` row shows what a preflight on every order would cost."];
  return [
    `Every steadycart order was preceded by a CORS preflight (${sdk.toFixed(2)} per order), as every \`no-store\` fetch was, while the plain fetch used the preflight cache: ` +
      "something in the SDK's requests keeps Chromium from using its CORS preflight cache (as `cache: 'no-store'` does), so every order pays an OPTIONS round trip despite the endpoint's `Access-Control-Max-Age`.",
  ];
}

export function report(d) {
  const rows = [];
  for (const r of d.runs) {
    for (const [side, s] of Object.entries(r.stats)) {
      const added = side == 'fetch' ? '' : `${s.added > 0 ? '+' : ''}${ms(s.added)} / ${s.addedP95 > 0 ? '+' : ''}${ms(s.addedP95)}`;
      const sdk = side.startsWith('sdk');
      rows.push([`${r.latencyMs} ms`, sdk ? `**${CLIENTS[side]}**` : CLIENTS[side], ms(s.median), ms(s.p95), sdk ? `**${added}**` : added, s.preflights.toFixed(2)]);
    }
  }
  return [
    `${d.orders} orders per client and latency (after ${d.warmup} warm-up rounds), the clients taking turns in a rotating order in one page. ` +
      'Every client sends POST /checkout to the same endpoint with the same headers (Content-Type, Idempotency-Key, Steadycart-Attempt) and the same body; the endpoint answers with no added latency, then with 25 ms (a nearby region). ' +
      `steadycart as a shop configures it (three endpoints: us and eu in one domain, backup; defaults), storage ${d.runs[0].storage}, on a Chromium profile on disk. ` +
      `The \`headers\` row is a second instance with the same endpoints and \`headers\` in use: a static \`${STATIC_HEADER}\` on the instance and, on every endpoint, a function returning a fresh \`Authorization: Bearer\` token per attempt ` +
      `(${d.runs.map((r) => (r.bearersPerOrder == null ? '?' : r.bearersPerOrder.toFixed(2))).join(' / ')} tokens per order), so its requests carry those two headers besides the contract's.`,
    '',
    table(['endpoint latency', 'client', 'median ms', 'p95 ms', 'added over plain fetch, median / p95 ms', 'CORS preflights per order'], rows),
    '',
    `Backend counts: ${d.runs.map((r) => `${r.latencyMs} ms: ${r.charges} charges, ${r.duplicates} duplicates`).join('; ')}. ` +
      `Outcomes: ${[...new Set(d.runs.flatMap((r) => r.outcomes))].join(', ')}.`,
    '',
    ...explain(d),
  ].join('\n');
}
