/**
 * A misspelt option is refused, naming it, rather than left to its default
 * without a word; and a rejected value is told the rule it broke.
 */
import { expect } from 'chai';
import type { SteadyCartOptions } from '../../../src/index';
import { cleanup, open, rejection, uniqueNamespace } from '../helpers';

const url = 'https://pay.example.com';

describe('options: misspelt keys and the rules of values', () => {
  afterEach(cleanup);

  it('an unknown key is INVALID_OPTIONS naming it, at every level, and no instance is made', async () => {
    const cases: Array<[unknown, string]> = [
      [{ endpoints: [{ url }], budgetMS: 10_000 }, 'budgetMS'],
      [{ endpoints: [{ url, domian: 'main' }] }, 'endpoints[0].domian'],
      [{ endpoints: [{ url }, { url: 'https://b.example.com', path: { checkout: '/pay' } }] }, 'endpoints[1].path'],
      [{ endpoints: [{ url }], paths: { lookUp: '/orders/{key}' } }, 'paths.lookUp'],
      [{ endpoints: [{ url, paths: { heatlh: '/up' } }] }, 'endpoints[0].paths.heatlh'],
      [{ endpoints: [{ url }], tuning: { attemptTimeout: 800 } }, 'tuning.attemptTimeout'],
      [{ endpoints: [{ url }], outbox: { retention: 60_000 } }, 'outbox.retention'],
      [{ endpoints: [{ url }], serviceWorker: { url: '/sw.js', offlineshell: true } }, 'serviceWorker.offlineshell'],
    ];
    for (const [options, path] of cases) {
      const error = await rejection(open({ namespace: uniqueNamespace(), ...(options as SteadyCartOptions) }));
      expect(error, path).to.include({ code: 'INVALID_OPTIONS', path });
      expect(error.message, path).to.contain('is not an option');
    }
  });

  it('every documented option is known: the same options spelled right make an instance', async () => {
    const sc = await open({
      namespace: uniqueNamespace(),
      endpoints: [{ url, domain: 'main', paths: { checkout: '/pay', lookup: '/orders/{key}', health: false }, headers: { 'X-Shop': 'a' } }],
      budgetMs: 10_000,
      paths: { checkout: '/checkout', lookup: '/checkout/{key}', health: '/health' },
      headers: { 'X-Shop-Id': 's1' },
      outbox: { retentionMs: 60_000 },
      serviceWorker: false,
      credentials: 'omit',
      allowCardLikeAt: ['giftCard.reference'],
      tuning: { attemptTimeoutMs: 800, minAttemptTimeoutMs: 400, hedge: false, hedgeDelayMs: 500, openMs: 1000, maxOpenMs: 20_000, retryTokens: 5, retryTokenRatio: 0.2 },
      drill: false,
    });
    expect(sc.health().endpoints.map((e) => e.url)).to.deep.equal([url]);
  });

  it('a refused namespace or path is told the rule it broke', async () => {
    const namespace = await rejection(open({ namespace: 'shop:eu' }));
    expect(namespace).to.include({ code: 'INVALID_OPTIONS', path: 'namespace' });
    expect(namespace.message).to.contain('1 to 64 letters, digits, _ . or -');
    const path = await rejection(open({ namespace: uniqueNamespace(), endpoints: [{ url, paths: { checkout: '/pay?x=1' } }] }));
    expect(path).to.include({ code: 'INVALID_OPTIONS', path: 'endpoints[0].paths.checkout' });
    expect(path.message).to.contain('a path from /, without spaces, ? or #');
  });
});
