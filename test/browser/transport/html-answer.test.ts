/**
 * A layer in front of the checkout API answers in its place with an HTML
 * page and a 2xx: a maintenance page, a single-page app's fallback route for
 * a path it does not know. That page is not the order's outcome: the order
 * is never told confirmed by it. The API's own JSON stays its answer,
 * whatever its Content-Type says.
 */
import { expect } from 'chai';
import { closeBackends, startBackend } from '../backend';
import { cleanup, open, order, QUICK_TUNING, quickOptions, ROOMY_ATTEMPTS, uniqueNamespace, until } from '../helpers';

const MAINTENANCE_PAGE = { kind: 'status', status: 200, html: true };

describe('a 2xx answered as an HTML page', () => {
  afterEach(async () => {
    await cleanup();
    await closeBackends();
  });

  it('is no confirmation: the order goes on to the next endpoint of its domain, and is placed there once', async () => {
    const be = await startBackend();
    // Roomy attempts and a budget for them: an attempt timed out on a busy machine would leave the order waiting.
    const sc = await open(quickOptions(be, uniqueNamespace(), { endpoints: be.sdk('us', 'eu'), budgetMs: 8000, tuning: { ...QUICK_TUNING, ...ROOMY_ATTEMPTS } }));
    await be.fault('us', MAINTENANCE_PAGE);
    const r = await sc.placeOrder(order('maintenance'));
    expect(r.status).to.equal('confirmed');
    expect(await be.charges(r.id), 'placed by eu').to.equal(1);
  });

  it("the API's JSON served as text/html (a server's default type) is still its answer: confirmed, one charge", async () => {
    const be = await startBackend();
    const sc = await open(quickOptions(be, uniqueNamespace(), { endpoints: be.sdk('us'), budgetMs: 8000, tuning: { ...QUICK_TUNING, ...ROOMY_ATTEMPTS } }));
    // The real request and answer, the answer relabelled on its way to the SDK, as a backend that never sets
    // its Content-Type sends it (PHP's default is text/html).
    const realFetch = globalThis.fetch;
    globalThis.fetch = async (input, init) => {
      const answer = await realFetch(input, init);
      return new Response(await answer.text(), { status: answer.status, headers: { 'Content-Type': 'text/html; charset=UTF-8' } });
    };
    try {
      const r = await sc.placeOrder(order('text-html-json'));
      expect(r.status).to.equal('confirmed');
      expect(await be.charges(r.id)).to.equal(1);
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  it('to a health probe, a page is an answer: a health route may be any page, and its 200 closes the circuit', async () => {
    const be = await startBackend();
    // No outbox: nothing waits, so the open circuit is probed with its health route, not with an order.
    const sc = await open(quickOptions(be, uniqueNamespace(), { endpoints: be.sdk('us'), outbox: false }));
    await be.fault('us', '503');
    expect((await sc.placeOrder(order('opens'))).status).to.equal('failed');
    expect(sc.health().endpoints[0]!.state, 'the circuit opened').to.not.equal('closed');
    await be.fault('us', { ...MAINTENANCE_PAGE, routes: ['health'] });
    await until(() => sc.health().endpoints[0]!.state == 'closed', 'the circuit closed by a health probe answered with a page', 10_000);
  });

  it('from every endpoint: the order waits, pending, nothing charged, and is placed once when the API answers again', async () => {
    const be = await startBackend();
    const sc = await open(quickOptions(be, uniqueNamespace(), { endpoints: be.sdk('us', 'eu'), budgetMs: 1500, tuning: { ...QUICK_TUNING, ...ROOMY_ATTEMPTS } }));
    await be.fault('us', MAINTENANCE_PAGE);
    await be.fault('eu', MAINTENANCE_PAGE);
    const r = await sc.placeOrder(order('all-maintenance'));
    expect(r.status).to.equal('pending');
    expect(await be.charges(r.id)).to.equal(0);
    await be.fault('us', 'healthy');
    await be.fault('eu', 'healthy');
    const entry = await sc.outbox.retry(r.id);
    expect(entry.status).to.equal('confirmed');
    expect(await be.charges(r.id)).to.equal(1);
  });
});
