/** What every check of one `check` run shares. */
import { randomUUID } from 'node:crypto';
import { retryAfterMs } from '../../transport/backoff';
import { lookupQuery } from '../../transport/reserved';
import { jsonOf, type Exchange, type Prober } from './http';
import { isTryLater, sameOutcome, type Outcome } from './outcome';
import type { OrderSource } from './order';
import type { Target } from './target';

export interface CheckContext {
  prober: Prober;
  /** The URL under test. */
  primary: Target;
  /** `--region` URLs: the same idempotency domain as `primary`. */
  regions: Target[];
  orders: OrderSource;
  /**
   * The URLs (bases) seen answering a repeat `Idempotent-Replayed: true`:
   * there, a repeat answered the outcome without that mark is a second run
   * of the order (a deterministic handler gives it the same bytes).
   */
  marking: Set<string>;
}

/** True when an answer says `Idempotent-Replayed: true`. */
export const isMarked = (x: Exchange): boolean => x.headers['idempotent-replayed'] === 'true';

/** Notes the URLs whose answers to repeats of a key with an outcome carry the replay mark. */
export function noteMarks(ctx: CheckContext, target: Target, repeats: readonly Exchange[]): void {
  if (repeats.some(isMarked)) ctx.marking.add(target.base);
}

/**
 * True when a repeat of a key with outcome `o` answered `o` again without
 * the mark, at a URL seen marking its replays: the order ran again.
 */
export const ranAgainUnmarked = (ctx: CheckContext, target: Target, x: Exchange, o: Outcome): boolean =>
  ctx.marking.has(target.base) && sameOutcome(x, o) && !isMarked(x);

/** `answered the outcome without …: it ran again, unmarked`: a {@link ranAgainUnmarked} repeat, for evidence. */
export const ranAgainText = (target: Target): string =>
  `answered the outcome without Idempotent-Replayed: true, which ${target.base} puts on its replays: it ran again, unmarked (a handler that derives the order from the key answers a second run with the same bytes)`;

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
   * Asked again after `beforeResend`, which may have found the answer final
   * (a try-later answer that a lookup showed to be a lie needs no resend).
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
    if (final?.(x)) return x;
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
export function postOrder(ctx: CheckContext, target: Target, label: string, key: string | null, body: string, attempt: number | null = 1, resend: Resend = {}, bare = false): Promise<Exchange> {
  const send = (n: number) =>
    ctx.prober.send({
      label,
      bare,
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
