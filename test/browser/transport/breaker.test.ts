import { expect } from 'chai';
import { closedCircuit, failed, latency, permits, succeeded } from '../../../src/transport/breaker';

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

  it('a single network error or 5xx right after an answer is a blip; a second in a row, silence or Retry-After open it', () => {
    const answering = succeeded(closedCircuit('u', 2000), 1000, 2000, 5);
    const blip = failed(answering, { code: 'network', message: 'x', at: 2000 }, 2000, 30_000);
    expect(blip).to.include({ state: 'closed', failures: 1 });
    expect(failed(blip, error, 2100, 30_000).state).to.equal('open');
    expect(succeeded(blip, 2100, 2000).failures).to.equal(0);
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

  it('keeps the last 20 latencies and reports median and p95 once there are 5', () => {
    let r = closedCircuit('u', 2000);
    for (const ms of [10, 20, 30, 40]) r = succeeded(r, 0, 2000, ms);
    expect(latency(r)).to.deep.equal({ median: 30, p95: null });
    for (let ms = 50; ms <= 300; ms += 10) r = succeeded(r, 0, 2000, ms);
    expect(r.samples).to.have.length(20);
    expect(latency(r)).to.deep.equal({ median: 210, p95: 290 });
  });
});
