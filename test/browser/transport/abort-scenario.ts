import { expect } from 'chai';
import type { OrderResult, SteadyCart } from '../../../src/index';
import { startBackend, type TestBackend } from '../backend';

/**
 * The caller's abort, as place-order.test.ts checks it and
 * older-engines.test.ts checks it again in an engine without
 * `AbortSignal.any`: an order to one endpoint that answers after 5 s, aborted
 * after 200 ms, ends pending with an aborted error, long before that answer.
 * `open` makes the instance (with a budget that outlasts the answer).
 */
export async function abortedSlowOrder(
  open: (be: TestBackend) => Promise<SteadyCart>,
  order: Parameters<SteadyCart['placeOrder']>[0],
): Promise<{ sc: SteadyCart; r: OrderResult }> {
  const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }] });
  await be.fault('us', { kind: 'slow', ms: 5000 });
  const sc = await open(be);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 200);
  const r = await sc.placeOrder(order, { signal: controller.signal });
  expect(r.status).to.equal('pending');
  expect(r.error!.code).to.equal('aborted');
  expect(r.elapsedMs).to.be.below(5000);
  return { sc, r };
}
