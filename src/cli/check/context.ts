/** What every check of one `check` run shares. */
import { randomUUID } from 'node:crypto';
import { retryAfterMs } from '../../transport/backoff';
import { lookupQuery } from '../../transport/reserved';
import { jsonOf, type Exchange, type Prober } from './http';
import { isTryLater } from './outcome';
import type { OrderSource } from './order';
import type { Target } from './target';

export interface CheckContext {
  prober: Prober;
  /** The URL under test. */
  primary: Target;
  /** `--region` URLs: the same idempotency domain as `primary`. */
  regions: Target[];
  orders: OrderSource;
}

/** A fresh random key per logical order, as the SDK mints them. */
export const freshKey = (): string => randomUUID();

/** At most this many sends per probe, each try-later answer waited out (its `Retry-After`, capped). */
const TRIES = 5;
const TRY_LATER_WAIT_CAP_MS = 2000;
const TRY_LATER_WAIT_MS = 250;

/** Called with a try-later answer before its request is sent again. */
export type BeforeResend = (answer: Exchange) => Promise<void>;

/** How a probe's try-later answers are handled. */
export interface Resend {
  /** Runs after each try-later answer that is asked again. */
  beforeResend?: BeforeResend;
  /**
   * True for a try-later answer that is the backend's last word, not sent
   * again: a closed key's 503 `{"error":"key_closed"}` says "not processed,
   * here or later", and asking again only adds requests a limiter may shed.
   */
  final?: (answer: Exchange) => boolean;
}

/**
 * Sends until the answer is not a try-later one (a rate limiter's 429, a
 * 503 while a store recovers) or is `final`, at most `TRIES` times: a
 * conforming backend may shed load, and that is not a wrong answer. `send`
 * gets the attempt number; `beforeResend` runs after each try-later answer
 * that is asked again.
 */
async function patiently(first: number, send: (attempt: number) => Promise<Exchange>, { beforeResend, final }: Resend = {}): Promise<Exchange> {
  for (let attempt = first; ; attempt++) {
    const x = await send(attempt);
    // The contract's "not processed; try later" answers (the ones the server half releases the key for): asked again, as the SDK would.
    if (!isTryLater(x) || final?.(x) || attempt - first == TRIES - 1) return x;
    await beforeResend?.(x);
    // Seconds or an HTTP date, as the SDK reads it.
    await new Promise((r) => setTimeout(r, Math.min(TRY_LATER_WAIT_CAP_MS, retryAfterMs(x.headers['retry-after']) ?? TRY_LATER_WAIT_MS)));
  }
}

/** A closed key's answer: 503 `{"error":"key_closed"}` (the body is how the SDK tells it from any other 503). */
export const isKeyClosed = (x: Exchange): boolean => x.status === 503 && (jsonOf(x.body) as { error?: unknown } | undefined)?.error === 'key_closed';

/**
 * POSTs an order body with a key (omitted when null), as the SDK sends it; a
 * try-later answer is sent again (see {@link Resend}). `attempt`: the first
 * `Steadycart-Attempt`; null sends none (a client that does not count).
 */
export function postOrder(ctx: CheckContext, target: Target, label: string, key: string | null, body: string, attempt: number | null = 1, resend: Resend = {}): Promise<Exchange> {
  const send = (n: number) =>
    ctx.prober.send({
      label,
      method: 'POST',
      url: target.checkout,
      headers: {
        'Content-Type': 'application/json',
        ...(key === null ? {} : { 'Idempotency-Key': key }),
        ...(attempt === null ? {} : { 'Steadycart-Attempt': String(n) }),
      },
      body,
    });
  return patiently(attempt ?? 1, send, resend);
}

/** Looks a key up; a try-later answer is asked again. */
export const lookup = (ctx: CheckContext, target: Target, label: string, key: string, close = false): Promise<Exchange> =>
  patiently(1, () => ctx.prober.send({ label, method: 'GET', url: lookupQuery(target.lookup(key), close) }));
