import { expect } from 'chai';
import { BLIP_FAILURES, closedCircuit, failed, latency, permits, succeeded } from '../../../src/transport/breaker';

const error = { code: 'network' as const, message: 'x', at: 0 };

describe('circuit breaker', () => {
  it('opens on a failure, is probed when due, doubles its delay with each failed probe (capped), and closes on success', () => {
    let r = closedCircuit('u', 2000);
    expect(permits(r, 0)).to.equal('yes');
    r = failed(r, error, 1000, 30_000, 0, () => 1);
    expect(r.state).to.equal('open');
    expect(r.retryAt).to.equal(3000);
    expect(permits(r, 2999)).to.equal('no');
    expect(permits(r, 3000)).to.equal('probe');
    // Failures seen while already open (late answers, lookups) do not lengthen the wait...
    r = failed(r, error, 1000, 30_000, 0, () => 1);
    expect(r.openMs).to.equal(2000);
    // ...failed probes (from half-open) do.
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      r = failed({ ...r, state: 'half-open' }, error, 0, 30_000, 0, () => 1);
      delays.push(r.openMs);
    }
    expect(delays).to.deep.equal([4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000]);
    r = succeeded(r, 5, 2000, 42);
    expect(r).to.include({ state: 'closed', failures: 0, openMs: 2000 });
    expect(permits(r, 0)).to.equal('yes');
  });

  it('up to two network errors or 5xx in a row right after an answer are a blip; a third in a row, silence or Retry-After open it', () => {
    expect(BLIP_FAILURES).to.equal(2);
    const answering = succeeded(closedCircuit('u', 2000), 1000, 2000, 5);
    const blip = failed(answering, { code: 'network', message: 'x', at: 2000 }, 2000, 30_000);
    expect(blip).to.include({ state: 'closed', failures: 1 });
    const second = failed(blip, { code: 'http', status: 503, message: 'x', at: 2050 }, 2050, 30_000);
    expect(second).to.include({ state: 'closed', failures: 2 });
    expect(failed(second, error, 2100, 30_000)).to.include({ state: 'open', failures: 3 });
    expect(succeeded(second, 2100, 2000).failures).to.equal(0);
    // A rate limiter's 429 (or a 408, 425) without Retry-After is the server asking for less: it opens the circuit at once.
    for (const status of [429, 408, 425]) expect(failed(answering, { code: 'http', status, message: 'x', at: 2000 }, 2000, 30_000), String(status)).to.include({ state: 'open' });
    // A success between failures starts the count again.
    expect(failed(succeeded(second, 2100, 2000, 5), error, 2200, 30_000)).to.include({ state: 'closed', failures: 1 });
    // A timeout is never a blip, even after one.
    expect(failed(blip, { code: 'timeout', message: 'x', at: 2100 }, 2100, 30_000).state).to.equal('open');
    expect(failed(answering, { code: 'timeout', message: 'x', at: 2000 }, 2000, 30_000).state).to.equal('open');
    expect(failed(answering, { code: 'http', status: 503, message: 'x', at: 2000 }, 2000, 30_000, 1000).state).to.equal('open');
    // Long after the last answer, one failure is enough.
    expect(failed(answering, error, 1000 + 6000, 30_000).state).to.equal('open');
  });

  it('jitters the probe time between half and all of the open interval, and never before Retry-After', () => {
    const open = (random: number, retryAfter = 0) => failed(closedCircuit('u', 2000), error, 0, 30_000, retryAfter, () => random).retryAt;
    expect(open(0)).to.equal(1000);
    expect(open(1)).to.equal(2000);
    expect(open(0, 10_000)).to.equal(10_000);
  });

  it("a later failure without Retry-After (a proxy's 502, a dropped connection, a lookup) keeps the server's pace", () => {
    let r = failed(closedCircuit('u', 2000), error, 0, 30_000, 20_000, () => 1);
    expect(r.retryAt).to.equal(20_000);
    r = failed(r, error, 1000, 30_000, 0, () => 1);
    expect(r.retryAt, 'no probe before the Retry-After').to.equal(20_000);
    expect(permits(r, 19_999)).to.equal('no');
    // Past it, a failed probe waits its usual, doubled, interval.
    r = failed({ ...r, state: 'half-open' }, error, 21_000, 30_000, 0, () => 1);
    expect(r.retryAt).to.equal(25_000);
  });

  it("opens within this context's cap whatever interval the record carries (another page's tuning, a forged record)", () => {
    const r = failed({ ...closedCircuit('u', 2000), openMs: 1e12 }, error, 5000, 30_000, 0, () => 1);
    expect(r).to.include({ state: 'open', openMs: 30_000, retryAt: 35_000 });
    expect(failed({ ...r, state: 'open', openMs: 1e12 }, error, 6000, 30_000, 0, () => 1).retryAt).to.equal(36_000);
  });

  it('keeps the last 20 latencies and reports median and p95 once there are 5', () => {
    let r = closedCircuit('u', 2000);
    for (const ms of [10, 20, 30, 40]) r = succeeded(r, 0, 2000, ms);
    expect(latency(r)).to.deep.equal({ median: 30, p95: null });
    for (let ms = 50; ms <= 300; ms += 10) r = succeeded(r, 0, 2000, ms);
    expect(r.samples).to.have.length(20);
    expect(latency(r)).to.deep.equal({ median: 210, p95: 290 });
  });
});
