/**
 * What each handler status means for the key (docs/backend-contract.md, "Placing an order"):
 * stored and replayed, released because nothing was processed, or kept for a
 * retry because it may have been processed.
 */
export type Disposition = 'store' | 'forget' | 'keep';

/** Statuses the wire contract keeps for the layer itself: 409 (still in progress) and 422 (the key with another body). */
export const CONTRACT_STATUSES: readonly number[] = [409, 422];

/** Statuses that say "not processed, try later": the key is released (and `steadycart check` asks again). */
const NOT_PROCESSED = new Set([408, 425, 429, 503]);

/** Whether a handler may answer `status`: 2xx, 4xx or 5xx, the only outcomes the wire carries. */
export function isHandlerStatus(status: unknown): status is number {
  return Number.isInteger(status) && (status as number) >= 200 && (status as number) <= 599 && !((status as number) >= 300 && (status as number) < 400);
}

/** The disposition of a status; anything but 2xx/4xx/5xx is a handler bug and kept like a throw. */
export function disposition(status: number): Disposition {
  if (NOT_PROCESSED.has(status)) return 'forget';
  return isHandlerStatus(status) && status < 500 ? 'store' : 'keep';
}
