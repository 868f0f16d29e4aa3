import { errorJson, type BaseHeaders } from './http/respond';
import type { Settings } from './options';
import type { KeyRecord } from './store/types';
import type { RequestTelemetry } from './telemetry/types';

/**
 * The fingerprint of a key closed by a lookup: no SHA-256 hex digest equals it,
 * so a POST of the key meets it as another body's, and the store needs no new
 * operation.
 */
export const CLOSED = 'closed';

/** Closes tried before a 409: each lost one saw a POST reserve the key and let it go again. */
export const CLOSE_TRIES = 3;

/** The stored outcome of a closed key (never replayed: its requests are answered as below). */
const CLOSED_OUTCOME = { status: 404, body: '{"error":"not_found"}' };

/** Whether the key was closed by a lookup that found no record of it. */
export const isClosed = (record: KeyRecord | null): boolean => record?.fingerprint == CLOSED;

/**
 * A lookup found no record of `key`: closes it in this domain, so that the
 * 404 stays true. A POST of the key still on its way (held in a proxy's
 * queue after its client gave up) would otherwise charge an order the SDK,
 * told 404, has since placed in another domain. Resolves `true` once the key
 * is closed, `false` when a POST reserved it first (the caller reads it again).
 */
export async function closeKey(s: Settings, key: string, t: RequestTelemetry): Promise<boolean> {
  const reservation = await t.step('reserve', () => s.store.reserve(key, CLOSED, { leaseMs: s.leaseMs, retentionMs: s.retentionMs }));
  if (reservation.kind != 'acquired') return false;
  // Stored as done at once: kept for the retention period like any outcome, never run, never taken over.
  await t.step('complete', () => s.store.complete(key, reservation.owner, CLOSED_OUTCOME, s.retentionMs));
  return true;
}

/**
 * The answer to a POST of a closed key: not processed, here or later; the
 * SDK, which closed it, sends it elsewhere (a 503: it may go to any domain).
 */
export function closedAnswer(headers: BaseHeaders, t: RequestTelemetry): Response {
  t.outcome('key_closed');
  return errorJson(503, 'key_closed', headers);
}
