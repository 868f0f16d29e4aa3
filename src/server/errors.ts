/**
 * Stable error codes of `steadycart/server`. A code never changes meaning once
 * published; match on `error.code`, not on the message.
 */
export type ServerErrorCode =
  /** An option passed to `createCheckoutHandler` or a store is invalid. */
  | 'INVALID_OPTIONS'
  /** Another process (or another store in this one) holds the PGlite data directory. */
  | 'STORE_LOCKED'
  /** The store answered something it never should (a corrupt or foreign record). */
  | 'STORE_CORRUPT'
  /**
   * A body parser consumed the request body before the checkout handler saw
   * its bytes. Never thrown: `toNodeListener` answers such a request 500 `body_consumed`.
   */
  | 'BODY_CONSUMED';

/**
 * The errors `steadycart/server` raises itself: invalid options, a locked or
 * corrupt store. Same shape as the SDK's `SteadyCartError`: a stable `code`,
 * and the offending option where there is one. What a dependency throws
 * (the database driver, the file system, a missing optional peer
 * dependency) comes as that dependency threw it.
 *
 * @example
 * ```ts
 * try { await pgliteStore({ dataDir }) }
 * catch (e) { if (isSteadyCartServerError(e) && e.code === 'STORE_LOCKED') process.exit(75) }
 * ```
 */
export class SteadyCartServerError extends Error {
  /** Always `SteadyCartServerError`. */
  override readonly name = 'SteadyCartServerError';
  constructor(
    /** Stable, machine-readable reason. */
    readonly code: ServerErrorCode,
    message: string,
    /** The option at fault, for `INVALID_OPTIONS`. */
    readonly option?: string,
  ) {
    super(option ? `${message} (option ${option})` : message);
  }
}

/** True for any `steadycart/server` error, also one from another copy of the module. */
export function isSteadyCartServerError(value: unknown): value is SteadyCartServerError {
  return value instanceof SteadyCartServerError || (value as Error | null)?.name === 'SteadyCartServerError';
}

/**
 * @internal The merchant's `report` callback (an `onError`), made safe to call
 * from anywhere: what it throws is dropped. A logger that is down must not
 * change an answer, nor end the process from a timer's or a promise's callback.
 */
export const quietly =
  <A extends unknown[]>(report: ((...args: A) => void) | undefined) =>
  (...args: A): void => {
    try {
      report?.(...args);
    } catch {
      // Nothing else to tell it to.
    }
  };

/** @internal Throws `INVALID_OPTIONS` naming `option`. */
export const invalidOption = (option: string, message: string): never => {
  throw new SteadyCartServerError('INVALID_OPTIONS', message, option);
};
