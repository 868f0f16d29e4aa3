// Property tests (fast-check) of the placer's pure decisions: decide() (the
// next move of a run) and judge() (what an answer means). Seeded, so a
// failure reproduces. The placer's network behaviour is in place-order.test.ts.
import { expect } from 'chai';
import fc from 'fast-check';
import type { Verdict } from '../../../src/transport/classify';
import { decide, judge, type Candidate, type Situation } from '../../../src/transport/decide';

const params = { seed: 20261130, numRuns: 500 };
const DOMAINS = ['main', 'backup', 'third'];

const candidate: fc.Arbitrary<Candidate> = fc
  .record({
    url: fc.constant(''),
    domain: fc.constantFrom(...DOMAINS),
    permit: fc.constantFrom<Candidate['permit']>('yes', 'probe', 'no'),
    dueInMs: fc.nat(60_000),
    tried: fc.boolean(),
  })
  .map((c) => ({ ...c, dueInMs: c.permit == 'no' ? c.dueInMs : 0 }));

const situation: fc.Arbitrary<Situation> = fc.record({
  leftMs: fc.integer({ min: -1000, max: 10_000 }),
  aborted: fc.boolean(),
  mayOrder: fc.boolean(),
  canRetry: fc.boolean(),
  firstTry: fc.boolean(),
  endpoints: fc.array(candidate, { minLength: 1, maxLength: 5 }).map((list) => list.map((c, i) => ({ ...c, url: `https://e${i}.example` }))),
  inDoubt: fc.subarray(DOMAINS),
  looked: fc.subarray(DOMAINS),
  backoffMs: fc.nat(1000),
  retryAfterMs: fc.nat(5000),
});

/** A situation in which the run may go on: time left, not aborted, the order sendable. */
const live = situation.map((s) => ({ ...s, leftMs: Math.max(1, s.leftMs), aborted: false, mayOrder: true }));

const domainOf = (s: Situation, url: string) => s.endpoints.find((e) => e.url == url)!.domain;

describe('decide: the next move of a run', () => {
  it('sends and probes nothing once the budget is spent, the caller aborted, or the payment token died', () => {
    fc.assert(
      fc.property(situation, (s) => {
        const move = decide(s);
        if (s.leftMs <= 0 || s.aborted || !s.mayOrder) expect(move).to.deep.equal({ kind: 'stop' });
      }),
      params,
    );
  });

  it('invariant 3: while a domain is ambiguous, the order goes to no other domain (with two ambiguous domains, to none)', () => {
    fc.assert(
      fc.property(situation, (s) => {
        const move = decide(s);
        if (move.kind != 'send' && move.kind != 'probe') return;
        for (const d of s.inDoubt) expect(domainOf(s, move.url), `ambiguous ${d}`).to.equal(d);
      }),
      params,
    );
  });

  it('picks the first endpoint, in the configured order, that is untried, not open and in a free domain; probes it when its circuit is due', () => {
    fc.assert(
      fc.property(live, (s) => {
        const free = (d: string) => s.inDoubt.every((a) => a == d);
        const first = s.endpoints.find((e) => !e.tried && e.permit != 'no' && free(e.domain));
        const move = decide(s);
        if (first) expect(move).to.deep.equal({ kind: first.permit == 'yes' ? 'send' : 'probe', url: first.url });
        else expect(move.kind).to.be.oneOf(['lookup', 'wait', 'stop']);
      }),
      params,
    );
  });

  it('looks up only the first ambiguous domain, not yet asked this round, and only when another domain could take the order', () => {
    fc.assert(
      fc.property(live, (s) => {
        const move = decide(s);
        if (move.kind != 'lookup') return;
        // Never a second domain while the first is unanswered: each lookup closes the key where it finds none.
        expect(move.domain).to.equal(s.inDoubt[0]);
        expect(s.looked).to.not.include(move.domain);
        // Another domain that is up: one the doubt keeps the order from (with two ambiguous domains, every
        // one), with its circuit closed and not tried this round; never one only due a probe.
        expect(s.endpoints.some((e) => !s.inDoubt.every((a) => a == e.domain) && e.permit == 'yes' && !e.tried)).to.equal(true);
      }),
      params,
    );
  });

  it('invariant 6: waits at least the backoff, the Retry-After and until a circuit is due, within the budget, and only while the retry budget allows', () => {
    fc.assert(
      fc.property(live, (s) => {
        const move = decide(s);
        if (move.kind != 'wait') return;
        // A spent retry budget stops retries, not an order's first try.
        expect(s.canRetry || s.firstTry).to.equal(true);
        expect(move.ms).to.be.at.least(Math.max(s.backoffMs, s.retryAfterMs));
        expect(move.ms).to.be.below(s.leftMs);
        const free = s.endpoints.filter((e) => s.inDoubt.every((a) => a == e.domain));
        expect(move.ms).to.be.at.least(Math.min(...free.map((e) => e.dueInMs)));
      }),
      params,
    );
  });

  it('with nothing left to try, a spent retry budget stops the run', () => {
    fc.assert(
      fc.property(live, (s) => {
        const tried = { ...s, canRetry: false, firstTry: false, inDoubt: [], endpoints: s.endpoints.map((e) => ({ ...e, tried: true })) };
        expect(decide(tried)).to.deep.equal({ kind: 'stop' });
      }),
      params,
    );
  });

  it("a spent retry budget does not stop an order's first try: it waits for a circuit due within its budget", () => {
    const s: Situation = {
      leftMs: 3000,
      aborted: false,
      mayOrder: true,
      canRetry: false,
      firstTry: true,
      endpoints: [{ url: 'https://us.example', domain: 'main', permit: 'no', dueInMs: 500, tried: false }],
      inDoubt: [],
      looked: [],
      backoffMs: 0,
      retryAfterMs: 0,
    };
    expect(decide(s)).to.deep.equal({ kind: 'wait', ms: 500 });
    expect(decide({ ...s, firstTry: false })).to.deep.equal({ kind: 'stop' });
  });

  it("invariant 3 without losing the order: held to main by an ambiguous failure, it is not looked up (closing its key there) for a domain that is only due a probe, or failed this round; it is for one that is up", () => {
    const backup = (permit: Candidate['permit'], tried: boolean): Candidate => ({ url: 'https://backup.example', domain: 'backup', permit, dueInMs: 0, tried });
    const s = (other: Candidate): Situation => ({
      leftMs: 3000,
      aborted: false,
      mayOrder: true,
      canRetry: true,
      firstTry: false,
      endpoints: [{ url: 'https://us.example', domain: 'main', permit: 'yes', dueInMs: 0, tried: true }, other],
      inDoubt: ['main'],
      looked: [],
      backoffMs: 200,
      retryAfterMs: 0,
    });
    // Backup may still be down: the order goes round to main again, whose key stays open.
    expect(decide(s(backup('probe', false)))).to.deep.equal({ kind: 'wait', ms: 200 });
    expect(decide(s(backup('yes', true)))).to.deep.equal({ kind: 'wait', ms: 200 });
    expect(decide(s(backup('yes', false)))).to.deep.equal({ kind: 'lookup', domain: 'main' });
  });
});

describe('judge: what an answer means', () => {
  const verdicts: Verdict[] = ['done', 'refused', 'mismatch', 'busy', 'retry', 'ambiguous'];

  it('settles only on a definite answer, fails only on a key mismatch, and pins the domain of every answer that may have been processed', () => {
    for (const verdict of verdicts) {
      const move = judge(verdict);
      if (verdict == 'done') expect(move).to.deep.equal({ kind: 'settle', status: 'confirmed' });
      else if (verdict == 'refused') expect(move).to.deep.equal({ kind: 'settle', status: 'rejected' });
      else if (verdict == 'mismatch') expect(move).to.deep.equal({ kind: 'fail' });
      else expect(move, verdict).to.deep.equal({ kind: 'continue', pin: verdict != 'retry', honourRetryAfter: verdict == 'busy' });
    }
  });
});
