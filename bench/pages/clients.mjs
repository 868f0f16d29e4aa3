// The page side of the browser benchmarks, bundled to bench/out/clients.js:
// steadycart timed from the page, and the clients shops write today (plain fetch,
// ky as shipped, a naive loop over a fallback list). Every call resolves with
// { ms, outcome, status? }; outcome is confirmed, rejected, pending, failed,
// error (a network error), timeout or no-answer (the harness gave up waiting).
import ky from 'ky';

const now = () => performance.now();

/** The wire contract's headers; `attempt` adds Steadycart-Attempt, so the request is byte for byte the SDK's. */
const headers = (key, attempt) => ({ 'Content-Type': 'application/json', 'Idempotency-Key': key, ...(attempt ? { 'Steadycart-Attempt': '1' } : {}) });

const outcomeOf = (status) => (status >= 200 && status < 300 ? 'confirmed' : 'failed');

/** Instances by name, so that the harness can place several orders on one. */
const instances = new Map();

window.bench = {
  async create(name, options) {
    instances.get(name)?.close();
    const sc = await window.SteadyCart.createSteadyCart(options);
    instances.set(name, sc);
    return sc.health().storage;
  },
  close(name) {
    instances.get(name)?.close();
    instances.delete(name);
  },
  health: (name) => instances.get(name).health(),
  list: (name) => instances.get(name).outbox.list(),

  /** steadycart's placeOrder, timed around the call. */
  async place(name, order, options) {
    const start = now();
    const r = await instances.get(name).placeOrder(order, options);
    return { ms: now() - start, outcome: r.status, status: r.result?.status, id: r.id, attempts: r.attempts };
  },

  /** One plain fetch; the harness gives up after `capMs` (fetch itself never times out). */
  async fetch(url, key, body, { capMs = 12_000, attemptHeader = false, cache } = {}) {
    const start = now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), capMs);
    try {
      const res = await fetch(url, { method: 'POST', headers: headers(key, attemptHeader), body, credentials: 'same-origin', cache, signal: controller.signal });
      await res.text();
      return { ms: now() - start, outcome: outcomeOf(res.status), status: res.status };
    } catch {
      return { ms: now() - start, outcome: controller.signal.aborted ? 'no-answer' : 'error' };
    } finally {
      clearTimeout(timer);
    }
  },

  /** ky as shipped: its default timeout (10 s) and retry (which leaves POST alone). */
  async ky(url, key, body) {
    const start = now();
    try {
      const res = await ky.post(url, { headers: headers(key), body });
      await res.text();
      return { ms: now() - start, outcome: outcomeOf(res.status), status: res.status };
    } catch (error) {
      const status = error?.response?.status;
      return { ms: now() - start, outcome: status ? 'failed' : error?.name == 'TimeoutError' ? 'timeout' : 'error', status };
    }
  },

  /** The fallback loop shops write: each URL in turn, 10 s timeout per attempt, same key, next on 5xx or a network error. */
  async naive(urls, key, body, timeoutMs = 10_000) {
    const start = now();
    let last = { outcome: 'error' };
    for (const url of urls) {
      try {
        const res = await fetch(url, { method: 'POST', headers: headers(key), body, signal: AbortSignal.timeout(timeoutMs) });
        await res.text();
        if (res.status < 500) return { ms: now() - start, outcome: outcomeOf(res.status), status: res.status };
        last = { outcome: 'failed', status: res.status };
      } catch (error) {
        last = { outcome: error?.name == 'TimeoutError' ? 'timeout' : 'error' };
      }
    }
    return { ms: now() - start, ...last };
  },
};
