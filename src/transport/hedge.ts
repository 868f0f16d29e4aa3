import type { Endpoint } from '../options';
import { sleep } from '../time';
import { classify } from './classify';
import { judge } from './decide';
import { mayOrder, Placer, type Answer, type Flight, type RunState } from './place';

/** Never hedge sooner than this, however fast the endpoint usually is. */
const MIN_HEDGE_MS = 100;

/**
 * @internal The page's placer: past an endpoint's slow threshold, the order
 * also goes to the next endpoint of the same domain (same key, same bytes),
 * and the first definite answer wins. A hedge buys latency for a shopper who
 * waits at the button: a new order's. Replays (the page's and the service
 * worker's) have none to buy, so they send one request at a time and add no
 * second one to a recovering backend; and a replay's request may wait behind
 * others of the drain for a connection, which is no slowness of the endpoint's.
 */
export class HedgingPlacer extends Placer {
  protected override async exchange(state: RunState, endpoint: Endpoint): Promise<Answer[]> {
    state.tried.add(endpoint.url);
    const first = this.fly(state, endpoint, 'order');
    // No hedge possible (a replay, hedging off, no other endpoint): no delay to wait out either.
    if (!this.hedgeFor(state, endpoint)) return [await first.answer];
    const { p95 } = this.circuits.latency(endpoint);
    const delay = p95 == null ? this.config.tuning.hedgeDelayMs : Math.max(MIN_HEDGE_MS, p95);
    const early = await Promise.race([first.answer, sleep(delay, state.controller.signal)]);
    // Chosen once the delay is over: meanwhile another context may have opened its circuit, or a server set its pace.
    const hedge = this.hedgeFor(state, endpoint);
    if (early || !hedge || this.stopped(state) || !mayOrder(state)) return [await first.answer];
    state.tried.add(hedge.url);
    return this.race(first, this.fly(state, hedge, 'hedge'));
  }

  /** The endpoint a slow order may be hedged to: the next untried, usable one of its domain. */
  private hedgeFor(state: RunState, endpoint: Endpoint): Endpoint | undefined {
    if (!state.run.fresh || !this.config.tuning.hedge || !this.budget.canRetry()) return;
    return this.config.endpoints.find((e) => e.domain == endpoint.domain && !state.tried.has(e.url) && this.circuits.permits(e) == 'yes');
  }

  /**
   * Both answers, or the first definite one. A first flight the hedge beat,
   * past its slow threshold, counts against its circuit; a hedge the first
   * flight beat does not: it only started later, and its endpoint may just
   * be farther away.
   */
  private race(first: Flight, second: Flight): Promise<Answer[]> {
    return new Promise((resolve) => {
      const answers: Answer[] = [];
      const arrive = (answer: Answer, other: Flight) => {
        answers.push(answer);
        if (answers.length == 2) resolve(answers);
        else if (judge(classify(answer[1].status)).kind != 'continue') {
          if (other == first) this.circuits.failure(first.endpoint, { body: null, error: 'timeout', ms: 0 });
          other.controller.abort();
          resolve([answer]);
        }
      };
      first.answer.then((a) => arrive(a, second));
      second.answer.then((a) => arrive(a, first));
    });
  }
}
