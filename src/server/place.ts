import { toJsonBody } from '../guard/json';
import { isSteadyCartError } from '../errors';
import { sleep } from '../time';
import { CLOSE_TRIES, closeKey, closedAnswer, isClosed } from './closed';
import { readBody, BodyTooLarge } from './http/body';
import { fingerprint } from './http/fingerprint';
import { parseKeyHeader } from './http/key';
import { errorJson, rawJson, type BaseHeaders } from './http/respond';
import { holdLease } from './lease';
import { inProgress } from './lookup';
import type { Settings } from './options';
import { CONTRACT_STATUSES, disposition, isHandlerStatus } from './outcome';
import type { StoredOutcome } from './store/types';
import type { Outcome, RequestTelemetry } from './telemetry/types';

/** The header that marks a stored outcome sent again. */
export const REPLAYED = 'idempotent-replayed';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Pauses before the outcome's write is tried again: the handler ran (it may have
 * charged), and a store's brief failure (a connection cut, a restart, a
 * statement timeout) must not end in an ambiguous 500 and a second run.
 */
const COMPLETE_RETRY_MS = [250, 1000];

/** What releasing the key after the handler's run means, for telemetry. */
const RELEASED: Record<'forget' | 'keep', Outcome> = { forget: 'released', keep: 'kept' };

/** A stored outcome, sent again byte for byte. */
const replay = (outcome: StoredOutcome, headers: BaseHeaders): Response =>
  rawJson(outcome.status, outcome.body, { ...headers, [REPLAYED]: 'true' });

/**
 * `POST {prefix}/checkout`: validate, reserve the key, run the merchant's
 * handler under a lease, then store, release or keep the key by its status.
 */
export async function placeOrder(s: Settings, request: Request, headers: BaseHeaders, t: RequestTelemetry): Promise<Response> {
  const key = parseKeyHeader(request.headers.get('idempotency-key'));
  if (!key) {
    const missing = request.headers.get('idempotency-key') == null;
    return errorJson(400, missing ? 'idempotency_key_missing' : 'idempotency_key_malformed', headers);
  }

  let raw: Uint8Array | undefined;
  let order: unknown;
  let refusal: Response | undefined;
  try {
    raw = await readBody(request, s.bodyLimit);
  } catch (err) {
    if (!(err instanceof BodyTooLarge)) throw err;
    refusal = errorJson(413, 'body_too_large', headers, { limit: s.bodyLimit });
  }
  if (raw) {
    try {
      order = JSON.parse(decoder.decode(raw));
      toJsonBody(order, s.allowCardLikeAt);
    } catch (err) {
      refusal = isSteadyCartError(err) && err.code == 'CARD_DATA' ? errorJson(400, 'card_data', headers, { path: err.path }) : errorJson(400, 'body_not_json', headers);
    }
  }
  // A key that has an outcome already gets it, whatever this server's own checks say of the body: a
  // region of the domain with another body limit or card-data allowance (a rolling deploy) may have
  // stored it, and a refusal, final to the SDK, would tell the shopper that a charged order was not placed.
  if (refusal) return (await refusedAnswer(s, key, raw, headers, t)) ?? refusal;
  raw = raw!;

  const fp = fingerprint(raw);
  const reservedAt = performance.now();
  let reservation;
  try {
    reservation = await t.step(
      'reserve',
      () => s.store.reserve(key, fp, { leaseMs: s.leaseMs, retentionMs: s.retentionMs }),
      (r) => ({ 'steadycart.reservation': r.kind }),
    );
  } catch (err) {
    // Nothing ran: the handler is only called after a reservation the store acknowledged.
    s.onError(err, { key, phase: 'reserve' });
    t.storeError('reserve');
    return errorJson(503, 'store_unavailable', { ...headers, 'retry-after': '1' });
  }
  switch (reservation.kind) {
    case 'mismatch':
      // Another body's fingerprint (422), or a lookup's mark: the key was closed here (closed.ts). Swept
      // since (no record): nothing ran, so it may be sent again.
      return (await storedAnswer(s, key, raw, headers, t)) ?? errorJson(503, 'store_changed', { ...headers, 'retry-after': '1' });
    case 'busy':
      t.outcome('in_progress');
      return inProgress(headers);
    case 'done':
      t.outcome('replayed');
      return replay(reservation.outcome, headers);
  }

  const { owner, attempt } = reservation;
  // The client went away before its key was reserved here (its attempt timed out: a store or a pool that
  // was slow to answer). Its SDK may since have looked the key up in another process of this domain, been
  // told 404, and placed the order in another domain: running it now would charge twice. Nothing runs, and
  // the key is free again. (A key taken over was known before: no lookup could have answered 404.)
  if (attempt == 1 && request.signal.aborted) {
    // Async: a store's release that throws at once is caught below too.
    await t.step('release', async () => s.store.release(key, owner, { forget: true })).catch((err: unknown) => {
      s.onError(err, { key, phase: 'release' });
      t.storeError('release');
    });
    t.outcome('client_gone');
    return errorJson(503, 'client_gone', { ...headers, 'retry-after': '1' });
  }
  if (attempt > 1) t.takeover(attempt);
  const lease = holdLease(s.store, key, owner, s.leaseMs, reservedAt, (err) => {
    s.onError(err, { key, phase: 'heartbeat' });
    t.storeError('heartbeat');
  });
  let status: number;
  let body: string;
  try {
    const context = { key, attempt, signal: lease.signal };
    const result = await t.step('handler', () => s.handle(order, context), (r) => ({ 'steadycart.attempt': attempt, 'steadycart.handler.status': r.status }));
    status = result.status;
    // A status the wire cannot carry as an outcome (a 302, a string, none) is a handler bug, treated like a throw.
    if (!isHandlerStatus(status)) throw new TypeError(`the handler answered status ${typeof status == 'string' ? JSON.stringify(status) : String(status)}: answer a number, 2xx, 4xx or 5xx`);
    // Replayed, the contract's own statuses would tell the SDK to wait for ever (409) or that the key was misused (422).
    if (CONTRACT_STATUSES.includes(status)) throw new TypeError(`the handler answered ${status}, which the wire contract keeps for itself: refuse an order with another 4xx`);
    // JSON.stringify gives no text for a function or a symbol: a handler bug, treated like a throw.
    // A 204 or 205 goes out without a body, so its lookup carries none either.
    const text: unknown = JSON.stringify(status == 204 || status == 205 ? null : (result.body ?? null));
    if (typeof text != 'string') throw new TypeError(`the handler's body for status ${status} is not JSON`);
    body = text;
  } catch (err) {
    s.onError(err, { key, phase: 'handler' });
    status = 500;
    body = JSON.stringify({ error: 'handler_failed' });
  } finally {
    lease.stop();
  }

  let what = disposition(status);
  // An earlier run of this key ended without an outcome (attempt > 1) and may have charged: this run's
  // "not processed" speaks for itself only. The key is kept, so that a lookup never answers 404, and the
  // answer is ambiguous, so that the SDK does not take the order to another domain.
  const inDoubt = what == 'forget' && attempt > 1;
  if (inDoubt) what = 'keep';
  try {
    if (what == 'store') {
      if (await complete(s, key, owner, { status, body }, t)) {
        t.outcome('stored');
        return rawJson(status, body, headers);
      }
      // The lease was lost while the handler ran, or an earlier try of this write committed though its
      // acknowledgement was lost: what is stored now is the answer.
      t.outcome('lease_lost');
      return await current(s, key, headers, t);
    }
    if (!(await t.step('release', () => s.store.release(key, owner, { forget: what == 'forget' })))) {
      // The lease was lost while the handler ran: this run's "not processed" may be false, since another owner ran the key.
      t.outcome('lease_lost');
      return await current(s, key, headers, t);
    }
    t.outcome(RELEASED[what]);
  } catch (err) {
    // The write may or may not have committed: an ambiguous 500, resolved by a retry or a lookup.
    const operation = what == 'store' ? 'complete' : 'release';
    s.onError(err, { key, phase: operation });
    t.storeError(operation);
    return errorJson(500, 'store_unavailable', headers);
  }
  if (inDoubt) return errorJson(500, 'in_doubt', headers);
  // Kept or released, the status is the handler's 5xx or 4xx (or the 500 of a throw): sent as it is.
  return rawJson(status, body, headers);
}

/**
 * For a request this server refuses on its own checks (body limit, JSON, card
 * data), and for a reservation that met another fingerprint: 503 for a key
 * a lookup closed, the key's stored outcome when it has one, 422 when the key is known
 * with another body (compared when the body was read whole: one over the
 * limit cannot be), 409 while it runs or was kept in another region (which
 * may still store an outcome), 500 when the store cannot be read (in doubt:
 * it may run elsewhere in the domain), else `undefined`: the refusal stands.
 */
async function storedAnswer(s: Settings, key: string, raw: Uint8Array | undefined, headers: BaseHeaders, t: RequestTelemetry): Promise<Response | undefined> {
  let record;
  try {
    record = await t.step('read', () => s.store.read(key));
  } catch (err) {
    s.onError(err, { key, phase: 'read' });
    t.storeError('read');
    return errorJson(500, 'store_unavailable', headers);
  }
  if (!record) return;
  if (isClosed(record)) return closedAnswer(headers, t);
  if (raw && fingerprint(raw) != record.fingerprint) {
    t.outcome('key_mismatch');
    return errorJson(422, 'idempotency_key_reused', headers);
  }
  if (record.state == 'done' && record.outcome) {
    t.outcome('replayed');
    return replay(record.outcome, headers);
  }
  t.outcome('in_progress');
  return inProgress(headers);
}

/**
 * For a request this server refuses on its own checks: {@link storedAnswer},
 * and for a key with no record, closes it first, as a lookup's 404 does
 * (closed.ts). The refusal is final to the SDK, which then lets the shopper
 * pay again under a new key; a copy of this request held in a proxy's queue,
 * reaching a region of the domain with another body limit or card-data
 * allowance, would otherwise charge the order after it. `undefined`: closed,
 * the refusal stands.
 */
async function refusedAnswer(s: Settings, key: string, raw: Uint8Array | undefined, headers: BaseHeaders, t: RequestTelemetry): Promise<Response | undefined> {
  for (let tries = 0; tries < CLOSE_TRIES; tries++) {
    const answer = await storedAnswer(s, key, raw, headers, t);
    if (answer) return answer;
    try {
      if (await closeKey(s, key, t)) return;
    } catch (err) {
      // Not closed, maybe: a copy may still run elsewhere in the domain, so the answer is in doubt, not final.
      s.onError(err, { key, phase: 'reserve' });
      t.storeError('reserve');
      return errorJson(500, 'store_unavailable', headers);
    }
  }
  // Reserved and let go again each time: in progress, as a lookup answers then.
  return inProgress(headers);
}

/**
 * Stores the handler's outcome; a write that fails is tried again (see
 * `COMPLETE_RETRY_MS`), and the last failure throws. One that committed though
 * its acknowledgement was lost is found by the next try, which then stores
 * nothing (the record is no longer this owner's): the caller answers with what
 * is stored.
 */
async function complete(s: Settings, key: string, owner: string, outcome: StoredOutcome, t: RequestTelemetry): Promise<boolean> {
  const write = () => t.step('complete', () => s.store.complete(key, owner, outcome, s.retentionMs));
  for (const pause of COMPLETE_RETRY_MS) {
    try {
      return await write();
    } catch (err) {
      s.onError(err, { key, phase: 'complete' });
      t.storeError('complete');
      await sleep(pause);
    }
  }
  return write();
}

/**
 * The answer for a key whose lease this request lost: the stored outcome, or
 * 409. A lookup's mark (closed.ts) is no outcome of this run: the store lost
 * the key's record while the handler ran (a Redis restarted without
 * persistence), and a lookup then closed it. The handler may have charged, so
 * the mark's 404, final to the SDK, is not sent: the answer is in doubt.
 */
async function current(s: Settings, key: string, headers: BaseHeaders, t: RequestTelemetry): Promise<Response> {
  const record = await t.step('read', () => s.store.read(key));
  if (isClosed(record)) return errorJson(500, 'in_doubt', headers);
  if (record?.state == 'done' && record.outcome) return replay(record.outcome, headers);
  return inProgress(headers);
}
