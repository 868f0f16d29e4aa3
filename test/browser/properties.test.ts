// Property-based tests (fast-check) of the pure logic: validators, the
// classification table, the breaker, backoff, the card-data guard and the
// cart merge. Seeded, so a failure reproduces.
import { expect } from 'chai';
import fc from 'fast-check';
import { addItem, checkItem, removeItem, setItemQty, toCart } from '../../src/cart/items';
import { isSteadyCartError } from '../../src/errors';
import { isCardNumber } from '../../src/guard/card-data';
import { toJsonBody } from '../../src/guard/json';
import { normalizeOptions } from '../../src/options';
import { backoff, retryAfterMs } from '../../src/transport/backoff';
import { BLIP_FAILURES, closedCircuit, failed, notBefore, permits, succeeded } from '../../src/transport/breaker';
import { classify } from '../../src/transport/classify';
import { RetryBudget } from '../../src/transport/retry-budget';
import type { CartItem, SteadyCartOptions } from '../../src/types';

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

/** Valid options, every field optional, numbers anywhere in their documented ranges. */
const validOptions: fc.Arbitrary<SteadyCartOptions> = fc
  .record(
    {
      endpoints: fc.uniqueArray(
        fc.record({ url: fc.constantFrom('https://us.example.com', 'https://eu.example.com/api/', 'http://127.0.0.1:8080', 'http://localhost:9', 'http://[::1]:9') }, { requiredKeys: ['url'] }),
        { minLength: 1, maxLength: 3, selector: (e) => e.url },
      ),
      domain: fc.constantFrom('main', 'backup'),
      budgetMs: fc.integer({ min: 100, max: 120_000 }),
      paths: fc.record(
        { checkout: fc.constantFrom('/checkout', '/api/orders/'), lookup: fc.constantFrom('/orders/by-key/{key}', '/orders/{key}/status'), health: fc.constantFrom<string | false>('/health', false) },
        { requiredKeys: [] },
      ),
      headers: fc.constantFrom<SteadyCartOptions['headers']>({ Authorization: 'Bearer t' }, { value: { 'X-Shop-Id': '42' }, storable: true }, { value: {}, storable: false }),
      outbox: fc.oneof(fc.constant(false as const), fc.record({ retentionMs: fc.integer({ min: 60_000, max: 30 * 86_400_000 }) }, { requiredKeys: [] })),
      serviceWorker: fc.oneof(
        fc.constant<SteadyCartOptions['serviceWorker']>('/sw.js'),
        fc.record({ url: fc.constant('/sw.js'), scope: fc.constant('/shop/'), offlineShell: fc.boolean() }, { requiredKeys: ['url'] }),
      ),
      namespace: fc.stringMatching(/^[\w.-]{1,64}$/),
      credentials: fc.constantFrom<RequestCredentials>('omit', 'same-origin', 'include'),
      allowCardLikeAt: fc.array(fc.constantFrom('items[0].sku', 'ref')),
      tuning: fc
        .record({ min: fc.integer({ min: 50, max: 60_000 }), open: fc.integer({ min: 100, max: 600_000 }), hedge: fc.boolean(), tokens: fc.integer({ min: 1, max: 1000 }) })
        .chain(({ min, open, hedge, tokens }) =>
          fc.record({
            minAttemptTimeoutMs: fc.constant(min),
            attemptTimeoutMs: fc.integer({ min, max: 120_000 }),
            hedgeDelayMs: fc.integer({ min: 10, max: 120_000 }),
            hedge: fc.constant(hedge),
            openMs: fc.constant(open),
            maxOpenMs: fc.integer({ min: open, max: 3_600_000 }),
            retryTokens: fc.constant(tokens),
            retryTokenRatio: fc.double({ min: 0, max: 1000, noNaN: true }),
          }, { requiredKeys: ['minAttemptTimeoutMs', 'attemptTimeoutMs', 'openMs', 'maxOpenMs'] }),
        ),
    },
    { requiredKeys: ['endpoints'] },
  )
  .map(({ domain, endpoints, ...rest }) => ({ ...rest, endpoints: endpoints.map((e, i) => (i == 0 ? { ...e, domain } : e)) }) as SteadyCartOptions);

/** Values that are not a number in [min, max]. */
const notNumberIn = (min: number, max: number) =>
  fc.oneof(
    fc.double({ max: min, maxExcluded: true, noNaN: true }),
    fc.double({ min: max, minExcluded: true, noNaN: true }),
    fc.constantFrom<unknown>(NaN, null, '100', true, [], {}),
  );
/** Values that are not a non-empty string without spaces. */
const notText = fc.oneof(fc.constantFrom<unknown>('', 'a b', ' ', 'tab\there', 1, null, true, {}), fc.string().map((t) => `${t} ${t}`));
const notBoolean = fc.constantFrom<unknown>(0, 1, 'true', null, {}, []);
const notObject = fc.constantFrom<unknown>(1, 'x', true, [], null);

type Options = Record<string, unknown> & { endpoints: Array<Record<string, unknown>> };
/** One field made invalid: which branch of the validation it takes, and the path the error must name. */
interface BadField {
  branch: string;
  path: string;
  apply(options: Options): unknown;
}
const set = (options: Options, path: string[], value: unknown): Options => {
  let at: Record<string, unknown> = options;
  for (const key of path.slice(0, -1)) at = (at[key] = typeof at[key] == 'object' && at[key] ? at[key] : {}) as Record<string, unknown>;
  at[path.at(-1)!] = value;
  return options;
};
const field = (branch: string, path: string[], values: fc.Arbitrary<unknown>): fc.Arbitrary<BadField> =>
  values.map((value) => ({ branch, path: path.join('.'), apply: (o) => set(o, path, value) }));
/** A field of the service worker given as an object (the rest of it valid). */
const workerField = (key: string, values: fc.Arbitrary<unknown>): fc.Arbitrary<BadField> =>
  values.map((value) => ({
    branch: `serviceWorker.${key}`,
    path: `serviceWorker.${key}`,
    apply: (o) => set(o, ['serviceWorker'], { url: '/sw.js', ...(typeof o.serviceWorker == 'object' ? o.serviceWorker : {}), [key]: value }),
  }));
/** The endpoint list's branches: the last endpoint gets the bad value. */
const endpointField = (branch: string, key: 'url' | 'domain' | null, values: fc.Arbitrary<unknown>): fc.Arbitrary<BadField> =>
  values.map((value) => ({
    branch,
    path: 'endpoints[?]' + (key ? `.${key}` : ''),
    apply(o) {
      const i = o.endpoints.length - 1;
      this.path = `endpoints[${i}]` + (key ? `.${key}` : '');
      o.endpoints[i] = key ? { ...o.endpoints[i], [key]: value } : (value as never);
      return o;
    },
  }));
const TUNING_RANGES: Record<string, [number, number]> = {
  minAttemptTimeoutMs: [50, 60_000],
  hedgeDelayMs: [10, 120_000],
  openMs: [100, 600_000],
  retryTokens: [1, 1000],
  retryTokenRatio: [0, 1000],
};
const badField: fc.Arbitrary<BadField> = fc.oneof(
  notObject.filter((v) => v !== null).map((value): BadField => ({ branch: 'options', path: '', apply: () => value })),
  field('endpoints', ['endpoints'], notObject.filter((v) => !Array.isArray(v) && v != null)),
  endpointField('endpoint', null, notObject),
  endpointField('url:absolute', 'url', fc.constantFrom<unknown>('/checkout', 'us.example.com', '', 42, null)),
  endpointField('url:scheme', 'url', fc.constantFrom('http://pay.example.com', 'ftp://pay.example.com', 'ws://127.0.0.1:9', 'http://10.0.0.1')),
  endpointField('url:extras', 'url', fc.constantFrom('https://a:b@pay.example.com', 'https://pay.example.com/?x=1', 'https://pay.example.com/#top', 'https://user@pay.example.com')),
  endpointField('domain', 'domain', notText),
  // A duplicate: the first endpoint's URL again, written differently.
  fc.constant<BadField>({
    branch: 'url:duplicate',
    path: '',
    apply(o) {
      this.path = `endpoints[${o.endpoints.length}].url`;
      o.endpoints.push({ url: `${String(o.endpoints[0]!.url).replace(/\/+$/, '')}/` });
      return o;
    },
  }),
  field('paths', ['paths'], notObject.filter((v) => v != null)),
  field('paths.checkout', ['paths', 'checkout'], fc.constantFrom<unknown>('checkout', '/', '//', '/a b', '/x?y', 1, null)),
  field('paths.health', ['paths', 'health'], fc.constantFrom<unknown>('health', '/a b', '/x#y', true, 1, null)),
  field('paths.lookup', ['paths', 'lookup'], fc.constantFrom<unknown>('/orders', '/o/{key}/{key}', 'orders/{key}', '/a b/{key}', 1, null)),
  field('endpoints:empty', ['endpoints'], fc.constant([])),
  field('headers', ['headers'], fc.constantFrom<unknown>('Bearer t', 1, true, [])),
  fc.constantFrom('Idempotency-Key', 'content-type', 'STEADYCART-ATTEMPT').map((name): BadField => ({ branch: 'headers:reserved', path: `headers.${name}`, apply: (o) => set(o, ['headers'], { [name]: 'x' }) })),
  fc.constantFrom<unknown>(1, null, 'a\0b', 'a\r\nX-Injected: 1').map((value): BadField => ({ branch: 'headers:value', path: 'headers.X-Shop-Id', apply: (o) => set(o, ['headers'], { 'X-Shop-Id': value }) })),
  fc.constantFrom<unknown>(1, 'x', { value: 'x', storable: true }).map((value): BadField => ({
    branch: 'endpoint.headers',
    path: '',
    apply(o) {
      const i = o.endpoints.length - 1;
      this.path = `endpoints[${i}].headers` + (typeof value == 'object' ? '.value' : '');
      o.endpoints[i] = { ...o.endpoints[i], headers: value };
      return o;
    },
  })),
  field('outbox', ['outbox'], fc.constantFrom<unknown>(true, 1, 'on', [])),
  field('outbox.retentionMs', ['outbox', 'retentionMs'], notNumberIn(60_000, 30 * 86_400_000)),
  field('serviceWorker', ['serviceWorker'], fc.constantFrom<unknown>(true, 1, [])),
  field('serviceWorker:string', ['serviceWorker'], fc.constantFrom('', 'a b.js', ' /sw.js')),
  workerField('url', notText),
  workerField('scope', notText),
  workerField('offlineShell', notBoolean),
  field('allowCardLikeAt', ['allowCardLikeAt'], fc.constantFrom<unknown>('ref', [1], ['ok', null], {})),
  field('tuning', ['tuning'], notObject.filter((v) => v != null)),
  field('tuning.hedge', ['tuning', 'hedge'], notBoolean),
  ...Object.entries(TUNING_RANGES).map(([key, [min, max]]) =>
    field(`tuning.${key}`, ['tuning', key], notNumberIn(min, max)).map((bad) => ({
      ...bad,
      // Keep the fields bounded by this one valid whatever it becomes.
      apply: (o: Options) => bad.apply(set(set(o, ['tuning', 'attemptTimeoutMs'], 120_000), ['tuning', 'maxOpenMs'], 3_600_000)),
    })),
  ),
  // Below the minimum attempt timeout given beside it; below the open interval given beside it.
  fc.integer({ min: 50, max: 60_000 }).map((min): BadField => ({ branch: 'tuning.attemptTimeoutMs', path: 'tuning.attemptTimeoutMs', apply: (o) => set(set(o, ['tuning', 'minAttemptTimeoutMs'], min), ['tuning', 'attemptTimeoutMs'], min - 1) })),
  fc.integer({ min: 100, max: 600_000 }).map((open): BadField => ({ branch: 'tuning.maxOpenMs', path: 'tuning.maxOpenMs', apply: (o) => set(set(o, ['tuning', 'openMs'], open), ['tuning', 'maxOpenMs'], open - 1) })),
  field('budgetMs', ['budgetMs'], notNumberIn(100, 120_000)),
  field('namespace', ['namespace'], fc.constantFrom<unknown>('', 'a b', 'x/y', 'x'.repeat(65), 1, null)),
  field('credentials', ['credentials'], fc.constantFrom<unknown>('always', 'OMIT', '', 1, null)),
  // A misspelt option, at each level that has fixed keys: never ignored.
  fc.tuple(fc.constantFrom<string[]>(['budgetMS'], ['endpoint'], ['serviceworker'], ['paths', 'lookUp'], ['outbox', 'retention'], ['serviceWorker', 'scopes'], ['tuning', 'attemptTimeout']), fc.anything()).map(
    ([path, value]): BadField => ({ branch: 'unknown', path: path.join('.'), apply: (o) => set(o, path, value) }),
  ),
  fc.anything().map((value): BadField => ({
    branch: 'endpoint:unknown',
    path: '',
    apply(o) {
      const i = o.endpoints.length - 1;
      this.path = `endpoints[${i}].domian`;
      o.endpoints[i] = { ...o.endpoints[i], domian: value };
      return o;
    },
  })),
);
/** Every branch `badField` can take: each must be reached. */
const BRANCHES = [
  'options', 'endpoints', 'endpoint', 'url:absolute', 'url:scheme', 'url:extras', 'url:duplicate', 'domain', 'paths', 'paths.checkout', 'paths.health',
  'paths.lookup', 'endpoints:empty', 'headers', 'headers:reserved', 'headers:value', 'endpoint.headers',
  'outbox', 'outbox.retentionMs', 'serviceWorker', 'serviceWorker:string', 'serviceWorker.url', 'serviceWorker.scope', 'serviceWorker.offlineShell',
  'allowCardLikeAt', 'tuning', 'tuning.hedge', ...Object.keys(TUNING_RANGES).map((k) => `tuning.${k}`), 'tuning.attemptTimeoutMs', 'tuning.maxOpenMs',
  'budgetMs', 'namespace', 'credentials', 'unknown', 'endpoint:unknown',
];

describe('properties', () => {
  it('options: one bad field anywhere in valid options is refused with INVALID_OPTIONS at its exact path; every validation branch is reached', () => {
    const reached = new Set<string>();
    fc.assert(
      fc.property(validOptions, badField, (options, bad) => {
        const input = bad.apply(structuredClone(options) as unknown as Options);
        let error: unknown;
        try {
          normalizeOptions(input as never);
        } catch (e) {
          error = e;
        }
        expect(isSteadyCartError(error), `${bad.path} = ${fc.stringify(input)}`).to.equal(true);
        expect(error).to.include({ code: 'INVALID_OPTIONS', path: bad.path });
        reached.add(bad.branch);
      }),
      { ...params, numRuns: 1000 },
    );
    expect([...reached].sort()).to.deep.equal([...BRANCHES].sort());
  });

  it('options: valid options normalize to what was given, defaults where nothing was', () => {
    fc.assert(
      fc.property(validOptions, (options) => {
        const config = normalizeOptions(options);
        expect(config.endpoints.map((e) => e.url)).to.deep.equal(options.endpoints!.map((e) => e.url.replace(/\/+$/, '')));
        expect(config.budgetMs).to.equal(options.budgetMs ?? 3000);
        expect(config.namespace).to.equal(options.namespace ?? 'steadycart');
        expect(config.tuning.hedge).to.equal(options.tuning?.hedge ?? true);
        expect(config.retentionMs).to.equal(options.outbox === false ? 0 : (options.outbox?.retentionMs ?? 86_400_000));
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

  it('classification: total over every status, and the regions of the wire contract', () => {
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
            if (before.state == 'closed' && before.failures < BLIP_FAILURES && !s.retryAfter && before.okAt !== undefined && now - before.okAt < 5000) {
              // A blip right after an answer: still closed until BLIP_FAILURES + 1 failures in a row.
              expect(r).to.include({ state: 'closed', failures: before.failures + 1 });
              continue;
            }
            expect(r.state).to.equal('open');
            expect(r.openMs).to.be.within(2000, 30_000);
            // A server's Retry-After is honoured up to the 30 s cap (maxOpenMs), never beyond.
            const serverMs = Math.min(s.retryAfter, 30_000);
            expect(r.retryAt).to.be.at.least(now + serverMs);
            // Nor before an earlier Retry-After, which a failure without one does not undercut.
            expect(r.retryAt).to.be.at.least(notBefore(before));
            expect(r.retryAt).to.be.at.most(Math.max(now + Math.max(serverMs, r.openMs), notBefore(before)));
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

  it('card guard: every Luhn-valid 13-19 digit number starting as a card number can (22-27, 3-6, 81, 82, 9792) is caught, grouped or not, anywhere in an order', () => {
    const card = fc
      .tuple(fc.constantFrom('22', '23', '24', '25', '26', '27', '3', '4', '5', '6', '81', '82', '9792'), fc.integer({ min: 13, max: 19 }))
      .chain(([first, length]) => fc.stringMatching(new RegExp(`^[0-9]{${length - 1 - first.length}}$`)).map((rest) => withLuhn(`${first}${rest}`)));
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

  it('card guard: numbers starting with 0, 1, 20, 21, 28, 29, 7, 80, 83-89, or 9 but not 9792 (timestamps, date-times, references) pass', () => {
    // (81 and 82 start UnionPay and RuPay cards, 9792 Troy's.)
    const starts = fc.constantFrom('0', '1', '20', '21', '28', '29', '7', '80', '83', '84', '85', '86', '87', '88', '89', '90', '91', '92', '93', '94', '95', '96', '98', '99', '970', '978', '9790', '9791', '9793', '9799');
    fc.assert(
      fc.property(starts, fc.stringMatching(/^[0-9]{12,18}$/), (first, rest) => {
        expect(isCardNumber(withLuhn(first + rest).slice(0, 19))).to.equal(false);
      }),
      params,
    );
  });

  it('cart merge: any sequence of valid operations (add, set, remove units) keeps one line per SKU, quantities in 1..999, one currency', () => {
    const op = fc.oneof(
      fc.record({ add: fc.record({ sku: fc.constantFrom('a', 'b', 'c', 'd'), qty: fc.integer({ min: 1, max: 999 }), currency: fc.constantFrom('EUR', 'USD') }) }),
      fc.record({ set: fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 1, max: 999 })) }),
      fc.record({ take: fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.option(fc.integer({ min: 1, max: 999 }), { nil: undefined })) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        let items: CartItem[] = [];
        for (const o of ops) {
          if ('take' in o) {
            // Removing never throws: only that line changes, losing `qty` units (all of them without), and goes when none is left.
            const [sku, qty] = o.take;
            const had = items.find((i) => i.sku == sku)?.qty ?? 0;
            const others = items.filter((i) => i.sku != sku);
            items = removeItem(items, sku, qty);
            expect(items.filter((i) => i.sku != sku)).to.deep.equal(others);
            expect(items.find((i) => i.sku == sku)?.qty ?? 0).to.equal(qty ? Math.max(had - qty, 0) : 0);
          } else {
            try {
              items = 'add' in o ? addItem(items, checkItem({ ...o.add, name: o.add.sku, unitPrice: 100 })) : setItemQty(items, o.set[0], o.set[1]);
            } catch (error) {
              expect(isSteadyCartError(error)).to.equal(true);
            }
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
