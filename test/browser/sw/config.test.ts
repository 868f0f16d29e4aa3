/**
 * The configuration the worker replays with: the page stores it normalized,
 * once, and the worker reads it as it is (its bundle carries no option
 * normalization).
 */
import { expect } from 'chai';
import type { SteadyCartOptions } from '../../../src/index';
import { CONFIG_FORMAT, normalizeOptions } from '../../../src/options';
import { cleanup, open, uniqueNamespace } from '../helpers';
import { rawAll } from '../hardening/raw-idb';

describe('worker configuration', () => {
  afterEach(cleanup);

  it('the page stores the normalized configuration (every default applied), not the raw options', async () => {
    const namespace = uniqueNamespace();
    const options: SteadyCartOptions = { namespace, endpoints: [{ url: 'http://127.0.0.1:9/', domain: 'main' }], budgetMs: 1500, tuning: { openMs: 500 } };
    await open(options);
    const stored = (await rawAll<{ id: string; value: unknown }>(namespace, 'meta')).find((r) => r.id == 'config');
    expect(stored?.value).to.deep.equal(normalizeOptions(options));
  });

  it('a page without an outbox stores no configuration: the worker goes on with the one of the pages that keep orders', async () => {
    const namespace = uniqueNamespace();
    const endpoints = [{ url: 'http://127.0.0.1:9/', domain: 'main' }];
    await open({ namespace, endpoints });
    // A "buy now" widget on the same origin and namespace, which keeps no orders.
    await open({ namespace, endpoints, outbox: false });
    const stored = (await rawAll<{ id: string; value: { retentionMs: number } }>(namespace, 'meta')).find((r) => r.id == 'config');
    // With 0, the worker would take every waiting order for expired and tell every tab so.
    expect(stored?.value.retentionMs).to.equal(86_400_000);
  });

  it('the stored format names the shape of the configuration: a change to what it holds needs a new CONFIG_FORMAT', async () => {
    // The worker replays with a stored configuration only of its own build's format (src/options.ts):
    // should this shape change while CONFIG_FORMAT stays, a worker could replay with another build's.
    const shape = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(shape) : v !== null && typeof v == 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, shape((v as Record<string, unknown>)[k])])) : typeof v;
    const namespace = uniqueNamespace();
    const headers = { value: { 'X-Shop': 'demo' }, storable: true };
    await open({ namespace, endpoints: [{ url: 'http://127.0.0.1:9/', domain: 'main', headers }], allowCardLikeAt: ['/gift/code'], serviceWorker: false });
    const stored = (await rawAll<{ id: string; format: number; value: unknown }>(namespace, 'meta')).find((r) => r.id == 'config');
    expect({ format: stored?.format, shape: shape(stored?.value) }).to.deep.equal({
      format: CONFIG_FORMAT,
      shape: {
        allowCardLikeAt: ['string'],
        budgetMs: 'number',
        credentials: 'string',
        drill: 'boolean',
        endpoints: [{ domain: 'string', headers: { fixed: { 'x-shop': 'string' }, fns: [] }, paths: { checkout: 'string', health: 'string', lookup: 'string' }, url: 'string' }],
        namespace: 'string',
        replayNeedsPage: 'boolean',
        retentionMs: 'number',
        tuning: {
          attemptTimeoutMs: 'number',
          hedge: 'boolean',
          hedgeDelayMs: 'number',
          maxOpenMs: 'number',
          minAttemptTimeoutMs: 'number',
          openMs: 'number',
          retryTokenRatio: 'number',
          retryTokens: 'number',
        },
        worker: 'boolean',
      },
    });
  });

  it('the standalone worker bundle carries no option normalization', async () => {
    const response = await fetch('/dist/steadycart-sw.js');
    expect(response.ok, 'dist/steadycart-sw.js (npm run build)').to.equal(true);
    const source = await response.text();
    // A message that only normalizeOptions carries.
    expect(source).to.not.contain('must be a URL string, an object or false');
  });

  it('the standalone worker bundle leaves out the events that only pages hear (STANDALONE_WORKER)', async () => {
    const [worker, page] = await Promise.all(['/dist/steadycart-sw.js', '/dist/steadycart.iife.js'].map(async (url) => (await fetch(url)).text()));
    for (const name of ['"attempt"', '"failover"', 'storage:corrupt']) {
      expect(page, `the page bundle emits ${name}`).to.contain(name);
      expect(worker, `the worker bundle emits ${name}`).to.not.contain(name);
    }
  });
});
