import type { Verdict } from './classify';

/**
 * The pure decisions of one run of attempts for an order (see `Placer`):
 * what to do with an answer, and where to go next. No I/O, no clock, no
 * randomness: the caller gathers the facts, these say what they allow.
 */

/** What an endpoint looks like to the next decision. */
export interface Candidate {
  url: string;
  domain: string;
  /** Its circuit: usable, due a probe, or open. */
  permit: 'yes' | 'probe' | 'no';
  /** Time until its open circuit may be probed (0 unless `permit` is `no`). */
  dueInMs: number;
  /** Already tried (sent to, or probed in vain) in this round. */
  tried: boolean;
}

/** The facts the next move depends on. */
export interface Situation {
  /** Time left in the run's budget. */
  leftMs: number;
  /** The caller gave up (its signal fired). */
  aborted: boolean;
  /** Whether an order may still be sent: the outbox's payment-token policy. */
  mayOrder: boolean;
  /** Whether the retry budget allows another round. */
  canRetry: boolean;
  /** A new order (not a replay) with nothing sent yet: waiting for a circuit to fall due is its first try, not a retry. */
  firstTry: boolean;
  /** Every endpoint, in the configured order. */
  endpoints: readonly Candidate[];
  /** Domains where a POST may have been processed without a definite answer. */
  inDoubt: readonly string[];
  /** Ambiguous domains already looked up in this round. */
  looked: readonly string[];
  /** This round's backoff before going round again. */
  backoffMs: number;
  /** The longest `Retry-After` of a 409 in this round. */
  retryAfterMs: number;
}

/**
 * The next move of a run:
 * - `send`: the order to this endpoint (usable, in a domain the order may reach);
 * - `probe`: this endpoint's open circuit is due a probe: the order goes to it as the probe;
 * - `lookup`: ask this ambiguous domain whether it has the order, since another domain could take it;
 * - `wait`: every usable endpoint was tried: wait this long, then start a new round;
 * - `stop`: the order stays pending (budget spent, caller gone, no order may be sent, or nothing to wait for).
 */
export type Move =
  | { kind: 'send' | 'probe'; url: string }
  | { kind: 'lookup'; domain: string }
  | { kind: 'wait'; ms: number }
  | { kind: 'stop' };

/**
 * Decides the next move. While any domain is ambiguous, only that domain may
 * receive the order (no double charge): with two ambiguous domains, none.
 */
export function decide(s: Situation): Move {
  if (s.aborted || s.leftMs <= 0 || !s.mayOrder) return { kind: 'stop' };
  const free = (domain: string) => s.inDoubt.every((d) => d == domain);
  const next = s.endpoints.find((e) => !e.tried && e.permit != 'no' && free(e.domain));
  if (next) return { kind: next.permit == 'yes' ? 'send' : 'probe', url: next.url };
  // Held to a domain by an ambiguous failure while another domain is up: only a 404 lookup
  // in the first lets the order go elsewhere. The first domain in doubt only, until it answers: the
  // lookup closes the key there, and one whose answer was lost may have closed it. Closing another
  // meanwhile could close the key everywhere, and no domain would ever take the order. Up: an
  // endpoint whose circuit is closed and that has not failed this round. Not one merely due a
  // probe: the key would be closed in a domain that answers for one that may still be down (its
  // health probe tells first), and the order could then never go back.
  const pinned = s.inDoubt[0];
  if (pinned && !s.looked.includes(pinned) && s.endpoints.some((e) => !free(e.domain) && e.permit == 'yes' && !e.tried)) return { kind: 'lookup', domain: pinned };
  // Every usable endpoint was tried: wait (backoff, Retry-After, or until a circuit is due), then go round again.
  const dueMs = Math.min(...s.endpoints.filter((e) => free(e.domain)).map((e) => e.dueInMs));
  const ms = Math.max(s.backoffMs, s.retryAfterMs, dueMs);
  if ((!s.canRetry && !s.firstTry) || ms >= s.leftMs) return { kind: 'stop' };
  return { kind: 'wait', ms };
}

/**
 * What an answer to the order means for the run (the wire contract's table):
 * - `settle`: definite; the order is confirmed or rejected;
 * - `fail`: 422, the key was seen with another body; never retried;
 * - `continue`: nothing settled; with `pin`, the answer's domain may have the
 *   order (ambiguous, or still processing it), so it holds the order;
 *   with `honourRetryAfter`, the next round waits at least the server's `Retry-After`.
 */
export type AnswerMove =
  | { kind: 'settle'; status: 'confirmed' | 'rejected' }
  | { kind: 'fail' }
  | { kind: 'continue'; pin: boolean; honourRetryAfter: boolean };

const MOVES: Record<Verdict, AnswerMove> = {
  done: { kind: 'settle', status: 'confirmed' },
  refused: { kind: 'settle', status: 'rejected' },
  mismatch: { kind: 'fail' },
  busy: { kind: 'continue', pin: true, honourRetryAfter: true },
  retry: { kind: 'continue', pin: false, honourRetryAfter: false },
  ambiguous: { kind: 'continue', pin: true, honourRetryAfter: false },
};

/** What an answer of this verdict means for the run. */
export const judge = (verdict: Verdict): AnswerMove => MOVES[verdict];
