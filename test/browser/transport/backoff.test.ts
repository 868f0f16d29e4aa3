import { expect } from 'chai';
import { backoff, retryAfterMs } from '../../../src/transport/backoff';
import { RetryBudget } from '../../../src/transport/retry-budget';

describe('backoff and Retry-After', () => {
  it('invariant 6: full jitter: a random delay between 0 and min(cap, base * 2^step)', () => {
    expect(backoff(0, 100, 1000, () => 0.999)).to.equal(99);
    expect(backoff(3, 100, 1000, () => 0.5)).to.equal(400);
    expect(backoff(10, 100, 1000, () => 0.999)).to.equal(999);
    expect(backoff(500, 100, 1000, () => 0.5)).to.equal(500);
    expect(backoff(5, 100, 1000, () => 0)).to.equal(0);
  });

  it('reads Retry-After as seconds or as an HTTP date, and ignores garbage', () => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    expect(retryAfterMs('2', now)).to.equal(2000);
    expect(retryAfterMs(' 0 ', now)).to.equal(0);
    expect(retryAfterMs('Thu, 26 Nov 2026 12:00:05 GMT', now)).to.equal(5000);
    expect(retryAfterMs('Thu, 26 Nov 2026 11:00:00 GMT', now)).to.equal(0);
    // The two obsolete forms HTTP readers must accept: RFC 850, and asctime (no zone, but GMT).
    expect(retryAfterMs('Thursday, 26-Nov-26 12:00:05 GMT', now)).to.equal(5000);
    expect(retryAfterMs('Thu Nov 26 12:00:05 2026', now)).to.equal(5000);
    // No HTTP date, but sent by some servers: a numeric zone is read as given.
    expect(retryAfterMs('Thu, 26 Nov 2026 12:00:05 +0000', now)).to.equal(5000);
    expect(retryAfterMs('soon', now)).to.equal(undefined);
    expect(retryAfterMs('-1', now)).to.equal(undefined);
    expect(retryAfterMs(null, now)).to.equal(undefined);
  });
});

describe('retry budget (gRPC retryThrottling)', () => {
  it('invariant 6: the retry budget allows retries while more than half the tokens are left, and refills by the ratio on success', () => {
    const budget = new RetryBudget(10, 0.5, 0.1, () => 0);
    for (let i = 0; i < 4; i++) budget.onFailure();
    expect(budget.canRetry()).to.equal(true);
    budget.onFailure();
    expect(budget.tokens).to.equal(5);
    expect(budget.canRetry()).to.equal(false);
    budget.onSuccess();
    expect(budget.canRetry()).to.equal(true);
    for (let i = 0; i < 100; i++) budget.onSuccess();
    expect(budget.tokens).to.equal(10);
    for (let i = 0; i < 100; i++) budget.onFailure();
    expect(budget.tokens).to.equal(0);
  });

  it('also refills slowly with time, so one outage does not disable retries for good', () => {
    let now = 0;
    const budget = new RetryBudget(10, 0.1, 0.1, () => now);
    for (let i = 0; i < 10; i++) budget.onFailure();
    expect(budget.canRetry()).to.equal(false);
    now = 50_000;
    expect(budget.tokens).to.be.closeTo(5, 1e-9);
    expect(budget.canRetry()).to.equal(false);
    now = 51_000;
    expect(budget.canRetry()).to.equal(true);
    now = 1_000_000;
    expect(budget.tokens).to.equal(10);
  });

  it('a clock set back (the shopper fixes the time) leaves the retry budget as it was', () => {
    let now = 1_000_000;
    const budget = new RetryBudget(10, 0.1, 0.1, () => now);
    budget.onFailure();
    now = 1_000_000 - 3_600_000;
    expect(budget.tokens).to.equal(9);
    expect(budget.canRetry()).to.equal(true);
    now += 10_000;
    expect(budget.tokens).to.be.closeTo(10, 1e-9);
  });
});
