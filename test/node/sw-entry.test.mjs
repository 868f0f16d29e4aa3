// steadycart/sw's installSteadyCart checks its options before it touches the
// worker's scope: a misspelt option is refused, never ignored. Needs `npm run build`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

describe('steadycart/sw: installSteadyCart options', () => {
  it('refuses an option it does not know, a bad namespace or offlineShell, and a bad config, with INVALID_OPTIONS naming it', async () => {
    // Workbox's modules note their version on `self` as they load: Node has none.
    globalThis.self ??= globalThis;
    const { installSteadyCart } = await import('steadycart/sw');
    const cases = [
      [{ namespce: 'shop-b' }, 'namespce'],
      [{ namespace: '../shop' }, 'namespace'],
      [{ offlineShell: 'yes' }, 'offlineShell'],
      [{ config: { endpoints: [{ url: 'http://127.0.0.1:9/', domian: 'main' }] } }, 'endpoints[0].domian'],
      ['shop-b', ''],
    ];
    for (const [options, path] of cases) {
      // An empty object stands in for the worker's scope: nothing may reach it.
      assert.throws(() => installSteadyCart(/** @type {never} */ ({}), /** @type {never} */ (options)), { code: 'INVALID_OPTIONS', path }, JSON.stringify(options));
    }
  });
});
