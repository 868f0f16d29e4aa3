import { fail } from '../errors';
import { checkObject, type Config } from '../options';
import { updateRecord, type OutboxRecord, type Storage } from '../storage';
import { isObject } from '../storage/validate';
import type { OrderResult, ResubmitOptions } from '../types';
import type { Outbox } from './outbox';
import { checkPlacement } from './placement';

/**
 * Paying again (`outbox.resubmit`). An order in `needs-payment` was never
 * processed by any backend (its token died before it was sent, or every
 * domain that may have seen it answered a lookup with 404), so placing it
 * again under a new key with a new payment cannot charge twice, provided the
 * old order is never sent again and is paid again only once. Both hold by
 * construction: `needs-payment` is final (no replay path sends a final
 * entry), and the link that marks it paid again is written in the same
 * transaction as the new order's write-ahead, only if no other context wrote
 * one first. (Page-only: the service worker never pays again.)
 */

/** @internal `outbox.resubmit`, see the API's documentation. */
export async function resubmit(outbox: Outbox, config: Config, id: string, options: ResubmitOptions): Promise<OrderResult> {
  checkObject(options, '');
  const old = await outbox.record(id);
  if (!old) return fail('NOT_FOUND', 'no outbox entry has this id', 'id');
  return outbox.place(checkPlacement(config, paidAgain(old, options.payment), options, ' payment'), (storage, record) => writeAheadPaidAgain(storage, id, record));
}

/** Throws `NOT_RESUBMITTABLE` unless `record` may be paid again: in `needs-payment`, not paid again already, and not a memory copy. */
function assertResubmittable(record: OutboxRecord): void {
  if (record.replacedBy) fail('NOT_RESUBMITTABLE', `was paid again already, as ${record.replacedBy}`, 'id');
  if (record.status != 'needs-payment') fail('NOT_RESUBMITTABLE', `is ${record.status}, not needs-payment`, 'id');
  // A memory copy of the database's order: a link written here alone would leave that order unpaid for every other context.
  if (record.copied) fail('NOT_RESUBMITTABLE', 'is a copy: reload', 'id');
}

/** The order of `record` with `payment` in place of its own top-level `payment` field. */
function paidAgain(record: OutboxRecord, payment: unknown): object {
  assertResubmittable(record);
  checkObject(payment, 'payment');
  const order: unknown = JSON.parse(record.body);
  if (!isObject(order)) fail('NOT_RESUBMITTABLE', 'the order is not a JSON object', 'id');
  return { ...(order as object), payment };
}

/**
 * The write-ahead of `record`, the order that pays again for `oldId`: one
 * transaction stores it (as `replaces` oldId) and marks the old one
 * `replacedBy` it, or, should another context have paid again first (or the
 * old one be gone), stores nothing and throws.
 */
async function writeAheadPaidAgain(storage: Storage, oldId: string, record: OutboxRecord): Promise<void> {
  record.replaces = oldId;
  const link = (old: OutboxRecord | undefined): OutboxRecord => {
    if (!old) return fail('NOT_FOUND', 'no outbox entry has this id', 'id');
    assertResubmittable(old);
    return { ...old, replacedBy: record.id };
  };
  await updateRecord(storage, 'outbox', oldId, link, 'strict', [record]);
}
