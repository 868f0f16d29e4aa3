/**
 * Outcomes as the wire contract defines them: what a POST answered for a key, how
 * a replay must match it, and how the lookup must wrap it.
 */
import { isDeepStrictEqual } from 'node:util';
import { CONTRACT_STATUSES, disposition } from '../../server/outcome';
import { excerpt, jsonOf, statusText, type Exchange } from './http';

/** A stored outcome as the first POST for a key answered it. */
export interface Outcome {
  status: number;
  body: Buffer;
}

/**
 * What a server stores and replays (2xx and 4xx but "not processed": 408, 425,
 * 429) is an outcome, except the contract's own 409 (in progress) and 422 (another body).
 */
export function isOutcomeStatus(status: number | null): status is number {
  return status !== null && !CONTRACT_STATUSES.includes(status) && disposition(status) == 'store';
}

/** The outcome an exchange carries, or null when it is not one. */
export function outcomeOf(x: Exchange): Outcome | null {
  return isOutcomeStatus(x.status) ? { status: x.status, body: x.body } : null;
}

/** `201 "{…}"`: an outcome quoted in evidence. */
export const describeOutcome = (o: Outcome): string => `${o.status} ${excerpt(o.body)}`;

/**
 * How an answer is the outcome again: the same status and the same body,
 * `bytes` for byte or `json` as equal JSON; null when it is not. The contract
 * asks for the stored status and body, which the SDK reads as JSON: a backend
 * that keeps it in a `jsonb` column and writes it back with its keys in
 * another order conforms (docs/backend-contract.md, "What you must store").
 */
export function outcomeMatch(x: Exchange, o: Outcome): 'bytes' | 'json' | null {
  if (x.status !== o.status) return null;
  if (x.body.equals(o.body)) return 'bytes';
  return isDeepStrictEqual(bodyAsSdkReadsIt(x.body), bodyAsSdkReadsIt(o.body)) ? 'json' : null;
}

/** True when an answer is the outcome again (see {@link outcomeMatch}). */
export const sameOutcome = (x: Exchange, o: Outcome): boolean => outcomeMatch(x, o) !== null;

/**
 * A body as the SDK reads an answer's (src/transport/http.ts): its text
 * (a UTF-8 BOM dropped, as `Response.text()` does), empty text as null, JSON
 * as its value, any other text as that string.
 */
export function bodyAsSdkReadsIt(body: Buffer): unknown {
  const text = new TextDecoder().decode(body);
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A "not processed; try later" answer (408, 425, 429, 503): no outcome, and none to compare. */
export const isTryLater = (x: Exchange): boolean => x.status !== null && disposition(x.status) == 'forget';

/** How an answer differs from the outcome, for evidence. */
export function difference(x: Exchange, o: Outcome): string {
  if (x.status !== o.status) return `answered ${statusText(x)} ${excerpt(x.body)} where the outcome is ${describeOutcome(o)}`;
  return `same status ${o.status} but another body: ${excerpt(x.body)} vs ${excerpt(o.body)}`;
}

/** A lookup answer's body when it is the `{"status", "body"}` wrapper, else null. */
export function lookupWrapper(x: Exchange): { status: unknown; body: unknown } | null {
  const wrapped = jsonOf(x.body);
  return wrapped !== null && typeof wrapped === 'object' && 'status' in wrapped && 'body' in wrapped ? wrapped : null;
}

/**
 * Checks a lookup answer against the outcome: 200 `{"status", "body"}` with
 * the stored status and the stored body, compared with the POST's body as
 * the SDK read it (an empty one, of a 204, as null). Null when it matches,
 * else what is wrong.
 */
export function lookupMismatch(x: Exchange, o: Outcome): string | null {
  if (x.status !== 200) return `lookup answered ${statusText(x)} ${excerpt(x.body)}, not 200`;
  const wrapped = lookupWrapper(x);
  if (!wrapped) return `lookup answered 200 ${excerpt(x.body)}: not the {"status", "body"} wrapper`;
  if (wrapped.status !== o.status) return `lookup says status ${JSON.stringify(wrapped.status)} where the POST answered ${o.status}`;
  if (!isDeepStrictEqual(wrapped.body, bodyAsSdkReadsIt(o.body))) {
    return `lookup body ${excerpt(Buffer.from(JSON.stringify(wrapped.body)))} differs from the POST's ${excerpt(o.body)}`;
  }
  return null;
}
