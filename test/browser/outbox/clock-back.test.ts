/**
 * The device's clock goes back while orders wait (a phone or laptop whose
 * time was corrected): the times steadycart stored before (a circuit's next
 * probe, an order's backoff and hold) lie ahead by as much. The page's clock
 * is moved by replacing `Date.now` with the real one less an offset: the one
 * stand-in in this file, for what a test cannot do to a browser, set the
 * system's clock. Requests, IndexedDB and timers are real.
 */
import { expect } from 'chai';
import { closeBackends, startBackend } from '../backend';
import { cleanup, open, order, QUICK_TUNING, quickOptions, ROOMY_ATTEMPTS, uniqueNamespace } from '../helpers';

const HOUR = 3_600_000;

describe('the device clock set back while orders wait', () => {
  const realNow = Date.now;
  afterEach(async () => {
    Date.now = realNow;
    await cleanup();
    await closeBackends();
  });

  it('with the store back, a new order goes to the circuit opened before, and a waiting order is placed when retried, not an hour later: one charge each', async () => {
    const be = await startBackend();
    // Roomy attempts and a budget for them: an attempt timed out on a busy machine would leave an order waiting.
    const sc = await open(quickOptions(be, uniqueNamespace(), { endpoints: be.sdk('us'), budgetMs: 8000, tuning: { ...QUICK_TUNING, ...ROOMY_ATTEMPTS } }));
    await be.fault('us', '503');
    const waiting = await sc.placeOrder(order('waiting'), { budgetMs: 1000 });
    expect(waiting.status).to.equal('pending');
    expect(sc.health().endpoints[0]!.state, 'the circuit opened').to.not.equal('closed');

    Date.now = () => realNow() - HOUR;
    await be.fault('us', 'healthy');
    // The circuit's next probe was stamped an hour ahead of the clock now: it is due now.
    const fresh = await sc.placeOrder(order('fresh'));
    expect(fresh.status, 'a new order after the clock went back').to.equal('confirmed');
    // The waiting order's hold was stamped an hour ahead too: a retry sends it now.
    const retried = await sc.outbox.retry(waiting.id);
    expect(retried.status, 'the waiting order, retried').to.equal('confirmed');
    expect(await be.charges(fresh.id)).to.equal(1);
    expect(await be.charges(waiting.id)).to.equal(1);
  });
});
