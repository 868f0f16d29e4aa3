// @ts-check
/**
 * Shared by the multi-process tests (regions, kill): the real PostgreSQL and
 * Redis to run on, fresh temporary folders, and plain node:http requests
 * over a bounded socket pool.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/** @type {Map<string, Promise<string>>} */
const started = new Map();

/**
 * The URL of a real server of that kind: `STEADYCART_TEST_POSTGRES_URL` /
 * `STEADYCART_TEST_REDIS_URL` when scripts/test.mjs started one, else a
 * throwaway instance started here (test/runner/services.mjs) and stopped
 * after the file's tests.
 * @param {'postgres' | 'redis'} kind
 * @returns {Promise<string>}
 */
export function serviceUrl(kind) {
  const env = process.env[kind === 'postgres' ? 'STEADYCART_TEST_POSTGRES_URL' : 'STEADYCART_TEST_REDIS_URL'];
  if (env) return Promise.resolve(env);
  let p = started.get(kind);
  if (!p) {
    p = import('../runner/services.mjs').then(async (services) => {
      const s = kind === 'postgres' ? await services.startPostgres() : await services.startRedis();
      after(() => s.stop());
      return s.url;
    });
    started.set(kind, p);
  }
  return p;
}

/**
 * A fresh temporary folder, removed after the file's tests.
 * @param {string} prefix
 */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `steadycart-${prefix}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * @typedef {object} Answer
 * @property {number} status
 * @property {string} text
 * @property {http.IncomingHttpHeaders} headers
 */

/**
 * One HTTP request; resolves with the answer, rejects on a network error or
 * after `timeoutMs`.
 * @param {string} url
 * @param {{ method?: string, headers?: Record<string, string>, body?: string, agent?: http.Agent, timeoutMs?: number }} [init]
 * @returns {Promise<Answer>}
 */
export function request(url, init = {}) {
  return new Promise((resolve, reject) => {
    const body = init.body === undefined ? undefined : Buffer.from(init.body);
    const req = http.request(
      url,
      {
        method: init.method ?? 'GET',
        agent: init.agent ?? false,
        headers: { ...init.headers, ...(body ? { 'Content-Type': 'application/json', 'Content-Length': String(body.length) } : {}) },
      },
      (res) => {
        /** @type {Buffer[]} */
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.setTimeout(init.timeoutMs ?? 30_000, () => req.destroy(new Error(`no answer from ${url} within ${init.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * POST {base}/checkout with a key.
 * @param {string} base
 * @param {string} key
 * @param {string} body
 * @param {http.Agent | undefined} [agent]
 * @param {number} [timeoutMs] how long to wait for the answer (default 30 s)
 */
export const postOrder = (base, key, body, agent, timeoutMs) => request(`${base}/checkout`, { method: 'POST', headers: { 'Idempotency-Key': key }, body, agent, timeoutMs });

/**
 * GET {base}/checkout/{key}.
 * @param {string} base
 * @param {string} key
 * @param {http.Agent | undefined} [agent]
 */
export const lookup = (base, key, agent) => request(`${base}/checkout/${encodeURIComponent(key)}`, { agent });

/**
 * The demo order `serve`'s payment handler takes (the demo shop's shape).
 * @param {string} ref
 * @param {string} [token]  `tok_ok` charges, anything else is declined
 */
export const demoOrder = (ref, token = 'tok_ok') =>
  JSON.stringify({ orderRef: ref, items: [{ sku: 'mug-oat', qty: 1, price: 1800 }], totals: { subtotal: 1800, shipping: 500, total: 2300, currency: 'EUR' }, payment: { token } });
