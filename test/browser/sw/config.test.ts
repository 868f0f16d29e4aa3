/**
 * The configuration the worker replays with: the page stores it normalized,
 * once, and the worker reads it as it is (its bundle carries no option
 * normalization).
 */
import { expect } from 'chai';
import type { SteadyCartOptions } from '../../../src/index';
import { normalizeOptions } from '../../../src/options';
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

  it('the standalone worker bundle carries no option normalization', async () => {
    const response = await fetch('/dist/steadycart-sw.js');
    expect(response.ok, 'dist/steadycart-sw.js (npm run build)').to.equal(true);
    const source = await response.text();
    // A message that only normalizeOptions carries.
    expect(source).to.not.contain('must be a URL string, an object or false');
  });
});
