import type { OutboxStatus } from '../types';
import { STATUSES } from '../outbox/statuses';
import type { EndpointRecord, OutboxRecord } from './schema';

/**
 * Checks of what is read back from storage or received from another
 * context: a record written by an older build, by something else on the
 * origin, or tampered with, is never acted on as if it were ours.
 */

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v == 'object' && v !== null && !Array.isArray(v);

/** A finite number: a time, a count. */
export const isTime = (v: unknown): v is number => typeof v == 'number' && isFinite(v);
const isStrings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s == 'string');

/** An outbox record's id: its idempotency key. */
export const isId = (v: unknown): v is string => typeof v == 'string' && /^[\w-]{8,64}$/.test(v);

type FieldCheck = [string, (v: unknown) => boolean];
/**
 * @internal An outbox record's fields and their checks, made once: every scan of the outbox reads
 * every record. Exported for the test that pins the stored format to the schema version (schema.ts).
 */
export const REQUIRED = Object.entries({ id: isId, body: (v: unknown) => typeof v == 'string', createdAt: isTime, updatedAt: isTime, attempts: isTime, runs: isTime, due: isTime, domains: isStrings }) as FieldCheck[];
export const OPTIONAL = Object.entries({ closed: isStrings, tokenExpiresAt: isTime, expiresAt: isTime, holdUntil: isTime, allowCardLikeAt: isStrings, replaces: isId, replacedBy: isId }) as FieldCheck[];

/**
 * Why an outbox record's fields cannot be trusted, or `undefined` when they
 * can. Cheap: the body is only checked to be a string; what it holds (JSON,
 * no card data) is the reader's check, made once per record (src/outbox/records.ts).
 */
export function outboxFieldProblem(r: Record<string, unknown>): string | undefined {
  if (!STATUSES.includes(r.status as OutboxStatus)) return 'unknown status';
  // Required, then optional (checked only when present): the first that fails is named.
  const bad = REQUIRED.find(([k, ok]) => !ok(r[k]))?.[0] ?? OPTIONAL.find(([k, ok]) => r[k] !== undefined && !ok(r[k]))?.[0];
  if (bad) return `bad ${bad}`;
}

/** A quarantined copy of a bad record: kept for the shop to see, never sent. */
export function quarantined(r: Record<string, unknown>, reason: string): OutboxRecord {
  const now = Date.now();
  return {
    id: r.id as string,
    body: typeof r.body == 'string' ? r.body : 'null',
    status: 'failed',
    createdAt: isTime(r.createdAt) ? (r.createdAt as number) : now,
    updatedAt: now,
    attempts: isTime(r.attempts) ? (r.attempts as number) : 0,
    runs: 0,
    domains: [],
    due: 0,
    lastError: { code: 'corrupt', message: `quarantined: ${reason}`, at: now },
  };
}

/** Whether an endpoint record is well-formed. */
export function isEndpointRecord(r: unknown): r is EndpointRecord {
  return (
    isObject(r) &&
    typeof r.id == 'string' &&
    ['closed', 'open', 'half-open'].includes(r.state as string) &&
    ['failures', 'openMs', 'retryAt', 'updatedAt'].every((k) => isTime(r[k])) &&
    // Within tuning.openMs's bounds: a record with 0 would have a failing endpoint probed without pause, in every tab.
    (r.openMs as number) >= 100 &&
    Array.isArray(r.samples) &&
    r.samples.every(isTime)
  );
}
