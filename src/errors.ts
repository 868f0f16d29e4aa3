/**
 * Stable error codes. A code never changes meaning once published; match on
 * `error.code`, not on the message.
 */
export type ErrorCode =
  /**
   * An option or argument is invalid: of `createSteadyCart` or `createCart`,
   * of a call (`placeOrder`'s options, an outbox entry id, `on`'s event name
   * or listener, `resubmit`, `drill.start`), of `installSteadyCart`, or of
   * `instrument` (also when given no instance, or one instrumented already).
   */
  | 'INVALID_OPTIONS'
  /** A cart item or quantity is invalid. */
  | 'INVALID_ITEM'
  /** The item's currency differs from the cart's. */
  | 'CURRENCY_MISMATCH'
  /** `setQuantity` named a SKU that is not in the cart. */
  | 'ITEM_NOT_FOUND'
  /** The order cannot be serialized as JSON. */
  | 'INVALID_ORDER'
  /** The order, or a cart item, holds raw card data; nothing was stored or sent. */
  | 'CARD_DATA'
  /** `placeOrder` was called while no endpoint is configured. */
  | 'NO_ENDPOINTS'
  /**
   * The server answered 422: this key was used before with another body.
   * Never thrown: the order ends `failed`, with this code in `result.error.code`
   * (see `FailureCode`).
   */
  | 'IDEMPOTENCY_MISMATCH'
  /**
   * The caller's `AbortSignal` was aborted already when `placeOrder` was
   * called (nothing was stored). One that fires during the call ends it
   * with the order kept, code `aborted` in its result.
   */
  | 'ABORTED'
  /** The instance was closed. */
  | 'CLOSED'
  /** No outbox entry has this id (always so with `outbox: false`). */
  | 'NOT_FOUND'
  /** `outbox.resubmit` named an entry that is not in `needs-payment`, or that was already paid again. */
  | 'NOT_RESUBMITTABLE'
  /** An instance was created outside a browser (for example during a server render); importing is always safe. */
  | 'NOT_A_BROWSER';

/**
 * Every error steadycart throws or reports. `path` names the offending field
 * (for example `endpoints[1].url` or `payment.card.number`) where there is one.
 *
 * @example
 * ```ts
 * try { await sc.cart.add(item) }
 * catch (e) { if (isSteadyCartError(e) && e.code === 'INVALID_ITEM') showError(e.path) }
 * ```
 */
export class SteadyCartError extends Error {
  /** Always `SteadyCartError`, also across realms (see {@link isSteadyCartError}). */
  override readonly name = 'SteadyCartError';
  constructor(
    /** Stable, machine-readable reason. */
    readonly code: ErrorCode,
    message: string,
    /** JSON path of the offending field, when the error is about one. */
    readonly path?: string,
  ) {
    super(path ? `${message} (at ${path})` : message);
  }
}

/**
 * True for any steadycart error, also one created in another realm (an
 * iframe), where `instanceof` fails.
 */
export function isSteadyCartError(value: unknown): value is SteadyCartError {
  return value instanceof SteadyCartError || (value as Error | null)?.name === 'SteadyCartError';
}

/** @internal Shorthand used by the validators. */
export const fail = (code: ErrorCode, message: string, path?: string): never => {
  throw new SteadyCartError(code, message, path);
};
