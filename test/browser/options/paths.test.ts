/**
 * Request paths: instance-wide, per endpoint on top of them, the lookup as
 * a template; validated with the option's path in the error.
 */
import { expect } from 'chai';
import type { SteadyCartOptions } from '../../../src/index';
import { normalizeOptions } from '../../../src/options';
import { closeBackends, startBackend } from '../backend';
import { cleanup, open, rejection, uniqueNamespace } from '../helpers';

const order = (ref = 'o-1') => ({ orderRef: ref, items: [{ sku: 'mug', qty: 1 }], total: 1250, currency: 'EUR', payment: { token: 'pm_card_visa' } });
const TUNING = { hedge: false } as const;

describe('paths', () => {
  afterEach(async () => {
    await cleanup();
    await closeBackends();
  });

  it('the server receives the order on the configured checkout path and the lookup on the filled-in template', async () => {
    const be = await startBackend({ checkoutPath: '/api/orders', lookupPath: '/orders/by-key/{key}' });
    await be.fault('us', 'commit-drop');
    const sc = await open({
      namespace: uniqueNamespace(),
      endpoints: be.sdk('us', 'backup'),
      paths: { checkout: '/api/orders', lookup: '/orders/by-key/{key}' },
      tuning: TUNING,
    });
    const r = await sc.placeOrder(order());
    expect(r.status).to.equal('confirmed');
    const seen = (await be.requests()).filter((q) => q.route != 'preflight').map((q) => `${q.method} ${q.path} ${q.route} ${q.status}`);
    expect(seen).to.deep.equal(['POST /api/orders checkout dropped', `GET /orders/by-key/${r.id} lookup 200`]);
    expect(await be.charges(r.id)).to.equal(1);
  });

  it("an endpoint's own paths apply on top of the instance's: the failover goes to the second backend's routes", async () => {
    const main = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }] });
    const other = await startBackend({ endpoints: [{ name: 'backup', domain: 'backup' }], checkoutPath: '/v2/pay', lookupPath: '/v2/pay/status/{key}', healthPath: '/v2/up' });
    await main.fault('us', '503');
    const [backup] = other.sdk('backup');
    const sc = await open({
      namespace: uniqueNamespace(),
      paths: { checkout: '/checkout' },
      endpoints: [...main.sdk('us'), { ...backup!, paths: { checkout: '/v2/pay', lookup: '/v2/pay/status/{key}', health: '/v2/up' } }],
      tuning: TUNING,
    });
    const r = await sc.placeOrder(order());
    expect(r).to.deep.include({ status: 'confirmed' });
    expect(r.result!.endpoint).to.equal(other.url('backup'));
    expect((await main.requestsTo('us')).map((q) => q.path)).to.deep.equal(['/checkout']);
    expect((await other.requestsTo('backup')).map((q) => `${q.path} ${q.route}`)).to.deep.equal(['/v2/pay checkout']);
  });

  it('each path falls back to the instance path, then to the default; a lookup given nowhere follows its endpoint checkout path', () => {
    const config = normalizeOptions({
      paths: { checkout: '/api/checkout', health: false },
      endpoints: [{ url: 'https://a.example.com' }, { url: 'https://b.example.com', paths: { checkout: '/b/', health: '/up' } }, { url: 'https://c.example.com', paths: { lookup: '/status/{key}' } }],
    });
    expect(config.endpoints.map((e) => e.paths)).to.deep.equal([
      { checkout: '/api/checkout', lookup: '/api/checkout/{key}', health: false },
      { checkout: '/b', lookup: '/b/{key}', health: '/up' },
      { checkout: '/api/checkout', lookup: '/status/{key}', health: false },
    ]);
    const defaults = normalizeOptions({ endpoints: [{ url: 'https://a.example.com' }] });
    expect(defaults.endpoints[0]!.paths).to.deep.equal({ checkout: '/checkout', lookup: '/checkout/{key}', health: '/health' });
    const shared = normalizeOptions({ paths: { lookup: '/orders/{key}' }, endpoints: [{ url: 'https://a.example.com', paths: { checkout: '/pay' } }] });
    expect(shared.endpoints[0]!.paths.lookup).to.equal('/orders/{key}');
  });

  it('a bad path is INVALID_OPTIONS naming the option path', async () => {
    const url = 'https://pay.example.com';
    const cases: Array<[unknown, string]> = [
      [{ paths: { lookup: '/orders/by-key' } }, 'paths.lookup'],
      [{ paths: { lookup: '/orders/{key}/{key}' } }, 'paths.lookup'],
      [{ endpoints: [{ url }, { url: 'https://b.example.com', paths: { lookup: 'orders/{key}' } }] }, 'endpoints[1].paths.lookup'],
      [{ endpoints: [{ url, paths: { checkout: 'pay' } }] }, 'endpoints[0].paths.checkout'],
      [{ endpoints: [{ url, paths: { checkout: '/' } }] }, 'endpoints[0].paths.checkout'],
      [{ endpoints: [{ url, paths: { health: true } }] }, 'endpoints[0].paths.health'],
      [{ endpoints: [{ url, paths: '/checkout' }] }, 'endpoints[0].paths'],
    ];
    for (const [options, path] of cases) {
      const error = await rejection(open({ namespace: uniqueNamespace(), ...(options as SteadyCartOptions) }));
      expect(error, path).to.include({ code: 'INVALID_OPTIONS', path });
    }
  });
});
