import type { EndpointRecord } from '../storage';
import { isTime } from '../storage/validate';
import type { ErrorInfo } from '../types';

/** Latency samples kept per endpoint. */
const SAMPLES = 20;
/** A failure this soon after a success is taken as a blip: see `failed`. */
const BLIP_MS = 5000;
/**
 * Failures in a row that a blip may be: two. A drain of a thousand orders
 * with one answer in twenty dropped sees two drops in a row two or three
 * times, and each would stop it for a probe delay; three in a row, about
 * once in eight such drains (the drain of bench/RESULTS.md).
 */
export const BLIP_FAILURES = 2;

/** @internal A fresh, closed circuit. */
export const closedCircuit = (id: string, openMs: number): EndpointRecord => ({
  id,
  state: 'closed',
  failures: 0,
  openMs,
  retryAt: 0,
  samples: [],
  updatedAt: 0,
});

/**
 * Whether an endpoint may be used now: `yes` when closed, `probe` when open
 * and due for a probe (or half-open: a probe of another context that may
 * have died), `no` while open.
 */
export function permits(record: EndpointRecord, now: number): 'yes' | 'probe' | 'no' {
  if (record.state == 'closed') return 'yes';
  return now >= record.retryAt ? 'probe' : 'no';
}

/** An answer arrived: the circuit closes, and a POST's latency joins the samples. */
export function succeeded(record: EndpointRecord, now: number, baseOpenMs: number, latencyMs?: number): EndpointRecord {
  return {
    ...record,
    state: 'closed',
    failures: 0,
    openMs: baseOpenMs,
    retryAt: 0,
    samples: latencyMs === undefined ? record.samples : [...record.samples, Math.round(latencyMs)].slice(-SAMPLES),
    okAt: now,
    notBefore: undefined,
    updatedAt: now,
  };
}

/**
 * The earliest time a server's `Retry-After` allows a probe (0 without one).
 * Never later than the circuit's `retryAt`, which is checked wherever a
 * record comes from, so a tampered value cannot keep an endpoint out of use.
 */
export function notBefore(record: EndpointRecord): number {
  const t = record.notBefore;
  return isTime(t) ? Math.min(t, record.retryAt) : 0;
}

/**
 * A failure opens the circuit, with one exception: up to `BLIP_FAILURES`
 * network errors or 5xx in a row within seconds of a success, on an endpoint
 * that is answering (dropped connections among hundreds of answers while the
 * outbox drains), are a blip; the next failure in a row opens it. Silence (a
 * timeout; never one the order's budget cut short, see `Placer.observe`) and a
 * `Retry-After` always open it at once. The probe delay doubles with every failed
 * probe (capped at `maxOpenMs`), not with every failure seen while open (late
 * answers, lookups), so that a short outage is noticed within seconds. It is
 * jittered so that many clients do not probe in step, and never falls before
 * a server's `Retry-After` (capped at `maxOpenMs`), which is also kept as
 * `notBefore`: no context probes earlier, not even one asked to probe now.
 */
export function failed(
  record: EndpointRecord,
  error: ErrorInfo,
  now: number,
  maxOpenMs: number,
  retryAfterMs = 0,
  random: () => number = Math.random,
): EndpointRecord {
  // (A 429, 408 or 425 is the server asking for less, no blip: `status < 500` is false without a status.)
  if (record.state == 'closed' && record.failures < BLIP_FAILURES && error.code != 'timeout' && !(error.status! < 500) && !retryAfterMs && now - (record.okAt ?? -BLIP_MS) < BLIP_MS) {
    return { ...record, failures: record.failures + 1, lastError: error, updatedAt: now };
  }
  // Doubling, not faster: the growth table of bench/RESULTS.md (section 5) measures quadrupling,
  // and going to the cap after the first failed probe, against outages of 5, 20 and 60 s. Each
  // lowers the herd's peak in the 60 s outage (6.6x the steady rate to 5.1x and 4.5x), and each
  // slows the recovery from the shorter ones several-fold (20 s: 3.7 s to 11.3 s and 12.7 s).
  // Within this context's cap also when not doubled: another page's larger tuning, or a record of
  // any interval from storage or the channel, would otherwise take the endpoint out for as long.
  const openMs = Math.min(maxOpenMs, record.state == 'half-open' ? record.openMs * 2 : record.openMs);
  // The server's pace, within the cap: no context probes before it.
  const serverMs = Math.min(maxOpenMs, retryAfterMs);
  return {
    ...record,
    state: 'open',
    openedAt: record.state == 'closed' ? now : record.openedAt ?? now,
    failures: record.failures + 1,
    openMs,
    // Nor does a later failure without one (a 502 from a proxy, a dropped connection, a lookup) undercut it.
    retryAt: Math.max(now + Math.max(serverMs, Math.round(openMs * (0.5 + random() / 2))), notBefore(record)),
    notBefore: serverMs ? now + serverMs : record.notBefore,
    lastError: error,
    updatedAt: now,
  };
}

/** Median and 95th percentile of the samples (`null` without enough of them). */
export function latency(record: EndpointRecord): { median: number | null; p95: number | null } {
  const sorted = [...record.samples].sort((a, b) => a - b);
  const n = sorted.length;
  return {
    median: n ? sorted[n >> 1]! : null,
    p95: n >= 5 ? sorted[Math.ceil(n * 0.95) - 1]! : null,
  };
}
