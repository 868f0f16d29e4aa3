// Property-based tests (fast-check) of the pure logic: validators, the
// classification table, the breaker, backoff, the card-data guard and the
// cart merge. Seeded, so a failure reproduces.
import { expect } from 'chai';
import fc from 'fast-check';
import { addItem, checkItem, setItemQty, toCart } from '../../src/cart/items';
import { isSteadyCartError } from '../../src/errors';
import { isCardNumber } from '../../src/guard/card-data';
import { toJsonBody } from '../../src/guard/json';
import { normalizeOptions } from '../../src/options';
import { backoff, retryAfterMs } from '../../src/transport/backoff';
import { closedCircuit, failed, permits, succeeded } from '../../src/transport/breaker';
import { classify } from '../../src/transport/classify';
import { RetryBudget } from '../../src/transport/retry-budget';
import type { CartItem } from '../../src/types';

const params = { seed: 20261126, numRuns: 300 };

/** Appends the Luhn check digit to a digit string. */
function withLuhn(digits: string): string {
  let sum = 0;
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    const d = +digits[i]! * (double ? 2 : 1);
    sum += d > 9 ? d - 9 : d;
  }
  return digits + ((10 - (sum % 10)) % 10);
}

describe('properties', () => {
  it('options: any input either normalizes or throws INVALID_OPTIONS with a path, never anything else', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true }), (input) => {
        try {
          const config = normalizeOptions({ endpoints: [{ url: 'https://a.example.com' }], ...(typeof input == 'object' && input ? input : { budgetMs: input }) } as never);
          expect(config.budgetMs).to.be.within(100, 120_000);
        } catch (error) {
          expect(isSteadyCartError(error), String(error)).to.equal(true);
          expect((error as { code: string }).code).to.equal('INVALID_OPTIONS');
          expect((error as { path?: string }).path).to.be.a('string');
        }
      }),
      params,
    );
  });

  it('options: every https URL is accepted; every http URL off loopback is refused', () => {
    fc.assert(
      fc.property(fc.webUrl({ validSchemes: ['https'] }), fc.domain(), (url, host) => {
        expect(normalizeOptions({ endpoints: [{ url }] }).endpoints[0]!.url.startsWith('https://')).to.equal(true);
        fc.pre(!['localhost'].includes(host));
        expect(() => normalizeOptions({ endpoints: [{ url: `http://${host}/` }] })).to.throw();
      }),
      params,
    );
  });

  it('classification: total over every status, and the regions of PROTOCOL.md', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), (status) => {
        const verdict = classify(status);
        if (status >= 200 && status < 300) expect(verdict).to.equal('done');
        else if ([408, 425, 429, 503].includes(status)) expect(verdict).to.equal('retry');
        else if (status == 409) expect(verdict).to.equal('busy');
        else if (status == 422) expect(verdict).to.equal('mismatch');
        else if (status >= 400 && status < 500) expect(verdict).to.equal('refused');
        else expect(verdict).to.equal('ambiguous');
      }),
      params,
    );
  });

  it('breaker: any sequence of outcomes keeps the state machine consistent', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('fail' as const), retryAfter: fc.nat(60_000), random: fc.double({ min: 0, max: 0.999, noNaN: true }) }),
      fc.record({ kind: fc.constant('ok' as const), latency: fc.nat(10_000) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        let r = closedCircuit('u', 2000);
        let now = 0;
        for (const s of steps) {
          now += 100;
          if (s.kind == 'fail') {
            // Every other failure is a failed probe (from half-open).
            if (now % 200 == 0 && r.state == 'open') r = { ...r, state: 'half-open' };
            const before = r;
            r = failed(r, { code: 'network', message: '', at: now }, now, 30_000, s.retryAfter, () => s.random);
            if (before.state == 'closed' && !before.failures && !s.retryAfter && before.okAt !== undefined && now - before.okAt < 5000) {
              // A blip right after an answer: still closed until a second failure.
              expect(r).to.include({ state: 'closed', failures: 1 });
              continue;
            }
            expect(r.state).to.equal('open');
            expect(r.openMs).to.be.within(2000, 30_000);
            expect(r.retryAt).to.be.at.least(now + s.retryAfter);
            expect(r.retryAt).to.be.at.most(now + Math.max(s.retryAfter, r.openMs));
            expect(permits(r, now)).to.equal(r.retryAt <= now ? 'probe' : 'no');
          } else {
            r = succeeded(r, now, 2000, s.latency);
            expect(r).to.include({ state: 'closed', failures: 0, openMs: 2000 });
            expect(permits(r, now)).to.equal('yes');
            expect(r.samples.length).to.be.at.most(20);
          }
        }
      }),
      params,
    );
  });

  it('backoff: within [0, min(cap, base * 2^step)) for every step; Retry-After seconds round-trip', () => {
    fc.assert(
      fc.property(fc.nat(200), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 600_000 }), fc.double({ min: 0, max: 0.9999, noNaN: true }), (step, base, cap, random) => {
        const delay = backoff(step, base, cap, () => random);
        expect(delay).to.be.at.least(0);
        expect(delay).to.be.below(Math.max(1, Math.min(cap, base * 2 ** Math.min(step, 30))));
      }),
      params,
    );
    fc.assert(
      fc.property(fc.nat(1_000_000), (seconds) => {
        expect(retryAfterMs(String(seconds), 0)).to.equal(seconds * 1000);
      }),
      params,
    );
  });

  it('retry budget: tokens stay within [0, max]; retries stop at half', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 200 }), (outcomes) => {
        const budget = new RetryBudget(10, 0.1, 0.1, () => 0);
        for (const ok of outcomes) {
          if (ok) budget.onSuccess();
          else budget.onFailure();
          expect(budget.tokens).to.be.within(0, 10);
          expect(budget.canRetry()).to.equal(budget.tokens > 5);
        }
      }),
      params,
    );
  });

  it('card guard: every Luhn-valid 13-19 digit number starting 2-6 is caught, grouped or not, anywhere in an order', () => {
    const card = fc
      .tuple(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 11, max: 17 }).chain((n) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`))))
      .map(([first, rest]) => withLuhn(`${first}${rest}`));
    fc.assert(
      fc.property(card, fc.constantFrom('', ' ', '-'), fc.array(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }), (number, sep, path) => {
        const grouped = sep ? number.replace(/(\d{4})(?=\d)/g, `$1${sep}`) : number;
        expect(isCardNumber(grouped), grouped).to.equal(true);
        const order: Record<string, unknown> = {};
        let node = order;
        for (const key of path.slice(0, -1)) node = (node[key] = {}) as Record<string, unknown>;
        node[path[path.length - 1]!] = [grouped];
        try {
          toJsonBody(order);
          expect.fail('card data passed');
        } catch (error) {
          expect((error as { code?: string }).code).to.equal('CARD_DATA');
        }
      }),
      params,
    );
  });

  it('card guard: numbers starting with 0, 1, 7, 8 or 9 (timestamps, references) pass', () => {
    fc.assert(
      fc.property(fc.constantFrom('0', '1', '7', '8', '9'), fc.stringMatching(/^[0-9]{12,18}$/), (first, rest) => {
        expect(isCardNumber(withLuhn(first + rest).slice(0, 19))).to.equal(false);
      }),
      params,
    );
  });

  it('cart merge: any sequence of valid operations keeps one line per SKU, quantities in 1..999, one currency', () => {
    const op = fc.oneof(
      fc.record({ add: fc.record({ sku: fc.constantFrom('a', 'b', 'c', 'd'), qty: fc.integer({ min: 1, max: 999 }), currency: fc.constantFrom('EUR', 'USD') }) }),
      fc.record({ set: fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 1, max: 999 })) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        let items: CartItem[] = [];
        for (const o of ops) {
          try {
            items = 'add' in o ? addItem(items, checkItem({ ...o.add, name: o.add.sku, unitPrice: 100 })) : setItemQty(items, o.set[0], o.set[1]);
          } catch (error) {
            expect(isSteadyCartError(error)).to.equal(true);
          }
          const skus = items.map((i) => i.sku);
          expect(new Set(skus).size).to.equal(skus.length);
          expect(items.every((i) => i.qty >= 1 && i.qty <= 999)).to.equal(true);
          expect(new Set(items.map((i) => i.currency)).size).to.be.at.most(1);
          const cart = toCart(items, 0);
          expect(cart.count).to.equal(items.reduce((n, i) => n + i.qty, 0));
        }
      }),
      params,
    );
  });

  it('JSON check: any JSON value serializes to what JSON.stringify gives; non-JSON is refused with a path', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        fc.pre(!JSON.stringify(value).match(/[2-6][\d -]{11,}/));
        expect(toJsonBody(value)).to.equal(JSON.stringify(value));
      }),
      params,
    );
    fc.assert(
      fc.property(fc.constantFrom<unknown>(() => 1, Symbol('s'), 1n, NaN, Infinity, new Date(0), new Map()), fc.string({ minLength: 1, maxLength: 5 }), (bad, key) => {
        try {
          toJsonBody({ ok: 1, [key]: bad });
          expect.fail('accepted');
        } catch (error) {
          expect((error as { code?: string }).code).to.equal('INVALID_ORDER');
          expect((error as { path?: string }).path).to.equal(key);
        }
      }),
      params,
    );
  });
});
