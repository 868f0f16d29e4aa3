import { isObject } from '../storage/validate';
import type { ErrorInfo, FailureCode } from '../types';
import type { Reply } from './http';

/**
 * The wire contract's response table (docs/backend-contract.md), in one place.
 * - `done`: 2xx, processed: confirmed.
 * - `refused`: other 4xx, processed and refused: rejected, never retried.
 * - `mismatch`: 422, the key was used with another body: failed, never retried.
 * - `busy`: 409, still being processed: ask the same domain again later.
 * - `retry`: 408, 425, 429, 503, not processed: retry anywhere.
 * - `ambiguous`: other 5xx, network error, timeout, abort: may have been
 *   processed; only the same domain, or another after a 404 lookup.
 */
export type Verdict = 'done' | 'refused' | 'mismatch' | 'busy' | 'retry' | 'ambiguous';

/** Classifies a POST's outcome; `undefined` stands for no HTTP answer at all. */
export function classify(status: number | undefined): Verdict {
  if (!status || status >= 500) return status == 503 ? 'retry' : 'ambiguous';
  if (status < 300 && status >= 200) return 'done';
  if (status == 409) return 'busy';
  if (status == 422) return 'mismatch';
  if (status == 408 || status == 425 || status == 429) return 'retry';
  // 1xx/3xx never reach script from fetch in practice; treat as no answer.
  return status >= 400 ? 'refused' : 'ambiguous';
}

/**
 * The answer of a lookup (`GET {checkout}/{key}`):
 * - `found` with the stored status and body, to treat as the POST's answer;
 * - `absent` (404): not processed in this domain;
 * - `busy` (409): in progress;
 * - `unknown`: anything else; no conclusion may be drawn.
 */
export type Lookup = { kind: 'found'; status: number; body: unknown } | { kind: 'absent' | 'busy' | 'unknown' };

/** Classifies a lookup's outcome from its status and parsed JSON body. */
export function classifyLookup(status: number | undefined, body: unknown): Lookup {
  if (status == 404) return { kind: 'absent' };
  if (status == 409) return { kind: 'busy' };
  const stored = body as { status?: unknown; body?: unknown } | null;
  // The wire's shape only ({"status": <integer>, "body": ...}): any other 200 (a gateway's JSON) proves nothing.
  if (status == 200 && isObject(stored) && 'body' in stored && Number.isInteger(stored.status) && (stored.status as number) >= 200 && (stored.status as number) < 600) {
    return { kind: 'found', status: stored.status as number, body: stored.body ?? null };
  }
  return { kind: 'unknown' };
}

/**
 * The `ErrorInfo` of a reply that settled nothing, for `lastError` and a
 * circuit's last error: `http` with its status, or why there was no answer.
 */
export function replyError(reply: Reply): ErrorInfo {
  const at = Date.now();
  if (reply.status) return { code: 'http', message: `HTTP ${reply.status}`, status: reply.status, at };
  const code: FailureCode = reply.error ?? 'network';
  return { code, message: reply.message ?? (code == 'timeout' ? 'no answer in time' : code == 'aborted' ? 'aborted' : 'network error'), at };
}
