/**
 * Hardening, older engines: steadycart places, times out, fails over and
 * aborts orders in an engine without `AbortSignal.any` and
 * `AbortSignal.timeout` (Safari before 17.4 and 16): it combines the caller's
 * abort and its own timer itself, and waits for its locks with a timer.
 */
// First: the engine loses those methods before the SDK's modules load.
import { removed } from './older-engine';
import { expect } from 'chai';
import type { SteadyCart, SteadyCartOptions } from '../../../src/index';
import { closeBackends, startBackend, type TestBackend } from '../backend';
import { cleanup, open, uniqueNamespace } from '../helpers';
import { abortedSlowOrder } from '../transport/abort-scenario';

const order = (ref = 'old-1') => ({ orderRef: ref, items: [{ sku: 'mug', qty: 1 }], total: 1250, currency: 'EUR', payment: { token: 'pm_card_visa' } });

const sdk = (be: TestBackend, names: string[], options: SteadyCartOptions = {}): Promise<SteadyCart> =>
  open({ namespace: uniqueNamespace(), endpoints: be.sdk(...names), ...options });

describe('an engine without AbortSignal.any and AbortSignal.timeout', () => {
  afterEach(async () => {
    await cleanup();
    await closeBackends();
  });

  it('is what this page runs in', () => {
    expect(removed).to.deep.equal(['any', 'timeout']);
    expect(AbortSignal.any).to.equal(undefined);
    expect(AbortSignal.timeout).to.equal(undefined);
  });

  it('places an order: confirmed, one charge', async () => {
    const be = await startBackend();
    const sc = await sdk(be, ['us', 'eu', 'backup']);
    const r = await sc.placeOrder(order());
    expect(r.status).to.equal('confirmed');
    expect(r.result!.endpoint).to.equal(be.url('us'));
    expect(await be.charges(r.id)).to.equal(1);
  });

  it('times out a silent endpoint and fails over within the domain: confirmed by eu, one charge', async () => {
    const be = await startBackend();
    await be.fault('us', { kind: 'silent', routes: ['checkout'] });
    // No hedge: eu gets the order only once us's attempt has timed out.
    const sc = await sdk(be, ['us', 'eu'], { budgetMs: 10_000, tuning: { hedge: false, attemptTimeoutMs: 500 } });
    const r = await sc.placeOrder(order());
    expect(r.status).to.equal('confirmed');
    expect(r.result!.endpoint).to.equal(be.url('eu'));
    expect(await be.charges(r.id)).to.equal(1);
  });

  it('stops at the caller\'s abort: pending, with an aborted error, long before the slow answer', async () => {
    await abortedSlowOrder((be) => sdk(be, ['us'], { budgetMs: 10_000 }), order());
  });
});
