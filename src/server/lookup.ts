import { CLOSE_TRIES, closeKey, isClosed } from './closed';
import { checkKey } from './http/key';
import { errorJson, rawJson, type BaseHeaders } from './http/respond';
import type { Settings } from './options';
import type { RequestTelemetry } from './telemetry/types';

/**
 * `GET {prefix}/checkout/{key}`: 200 `{status, body}` for a stored outcome,
 * 409 while a record is running (also after its lease ended: the key was
 * reserved, so it may have been processed), 404 only when there is no row;
 * with `close` (`?close=1`) it then writes one, closing the key (closed.ts).
 */
export async function lookUp(s: Settings, encodedKey: string, close: boolean, headers: BaseHeaders, t: RequestTelemetry): Promise<Response> {
  let key: string | null;
  try {
    key = checkKey(decodeURIComponent(encodedKey));
  } catch {
    key = null;
  }
  if (!key) return errorJson(400, 'idempotency_key_malformed', headers);
  let record;
  let closed = false;
  try {
    record = await t.step('read', () => s.store.read(key));
    // No record, asked to close (the SDK is about to send the order elsewhere, or gives it up): closed, so
    // that no POST of the key still on its way runs after this 404. A POST that reserved it meanwhile is
    // answered as it stands now; if that POST has already let the key go again (not processed, or its client
    // gone), there is no record to answer with, and the key is not closed: close it again.
    for (let tries = 0; !record && close && !closed && tries < CLOSE_TRIES; tries++) {
      closed = await closeKey(s, key, t);
      if (!closed) record = await t.step('read', () => s.store.read(key));
    }
  } catch (err) {
    s.onError(err, { key, phase: 'lookup' });
    t.storeError('read');
    return errorJson(503, 'store_unavailable', { ...headers, 'retry-after': '1' });
  }
  // A 404 here would say the key is closed when it is not. POSTs of it keep coming and going: in progress, as
  // far as the SDK is concerned (it asks again after the Retry-After, and sends the order nowhere else meanwhile).
  if (!record && close && !closed) return inProgress(headers);
  if (!record || isClosed(record)) return errorJson(404, 'not_found', headers);
  if (record.state == 'done' && record.outcome) {
    // Built by hand so that the stored body text is sent unchanged.
    return rawJson(200, `{"status":${record.outcome.status},"body":${record.outcome.body}}`, headers);
  }
  return inProgress(headers);
}

/**
 * 409 for a key that runs, or ran and was kept (it may run again): ask again
 * in a second. Not when its lease ends: a run usually ends within seconds,
 * while its lease (renewed as it runs) is 30 s by default, and the SDK holds
 * an order as long as a 409's `Retry-After` says, pending though confirmed
 * meanwhile. A crashed run's key is taken over once its lease ends.
 */
export const inProgress = (headers: BaseHeaders): Response => errorJson(409, 'in_progress', { ...headers, 'retry-after': '1' });

/** `GET {prefix}/health`: 200 while the store answers a ping within 2 s, else 503. */
export async function health(s: Settings, headers: BaseHeaders, t: RequestTelemetry): Promise<Response> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('store ping timed out')), 2000);
  });
  try {
    await t.step('ping', () => Promise.race([s.store.ping(), timeout]));
    return rawJson(200, '{"ok":true}', headers);
  } catch (err) {
    s.onError(err, { phase: 'health' });
    t.storeError('ping');
    return errorJson(503, 'store_unavailable', headers);
  } finally {
    clearTimeout(timer);
  }
}
