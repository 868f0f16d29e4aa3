import type { OutboxStatus } from '../types';

/** Every outbox state, in the order an entry can reach them. The one list of them. */
export const STATUSES: readonly OutboxStatus[] = ['sending', 'pending', 'confirmed', 'rejected', 'needs-payment', 'expired', 'failed'];

/** States an entry never leaves: nothing more is sent for it. */
export const FINAL_STATUSES: readonly OutboxStatus[] = ['confirmed', 'rejected', 'needs-payment', 'expired', 'failed'];

/** True for a state an entry never leaves. */
export const isFinal = (status: OutboxStatus): boolean => FINAL_STATUSES.includes(status);
