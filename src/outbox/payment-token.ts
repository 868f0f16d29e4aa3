import { STANDALONE_WORKER } from '../build-flags';
import type { OutboxRecord } from '../storage';
import type { ErrorInfo } from '../types';

/**
 * The outbox's payment-token policy. A dead payment token is never sent: once
 * it expires (even in the middle of a run) only lookups go out, and an order
 * that no domain may have processed moves to `needs-payment`. The transport
 * knows nothing of tokens; the outbox tells it, per run, whether the order may
 * still be sent.
 */

/** Whether the order's payment token has expired: no order may be sent for it any more. */
export function tokenExpired({ tokenExpiresAt }: OutboxRecord): boolean {
  return !!tokenExpiresAt && Date.now() >= tokenExpiresAt;
}

/** Why an order with a dead token was not sent. */
export const tokenExpiredError = (): ErrorInfo => ({ code: 'token-expired', message: 'the payment token expired', at: Date.now() });

/**
 * The `mayOrder` of a run for this record: only while its token lives, and
 * never for a page's memory copy of it (`copied`, which the standalone worker never has).
 */
export const whileTokenLives = (record: OutboxRecord) => (): boolean => !tokenExpired(record) && (STANDALONE_WORKER || !record.copied);

/**
 * Whether only a new payment can place the order: its token died and no
 * domain may have processed it. Never so for a page's memory copy, whose
 * lookups close nothing: the database's copy may still be placed.
 */
export const needsNewPayment = (r: OutboxRecord): boolean => Date.now() >= needsPaymentAt(r);

/** When only a new payment can place the order: its token's death, if no domain may have processed it (else never). */
export const needsPaymentAt = (r: OutboxRecord): number => (!r.domains.length && (STANDALONE_WORKER || !r.copied) && r.tokenExpiresAt) || Infinity;
