import { fail } from '../errors';
import { toJsonBody } from '../guard/json';
import { checkObject, knownKeys, number, type Config } from '../options';
import { isObject } from '../storage/validate';
import type { PlaceOrderOptions } from '../types';

/** @internal A new order's input once checked: what `Outbox.place` stores and sends. */
export interface Placement {
  /** `performance.now()` when the call began, for the result's `elapsedMs`. */
  start: number;
  /** The order serialized once, card guard passed. */
  body: string;
  budgetMs: number;
  tokenExpiresAt?: number;
  signal?: AbortSignal;
}

/**
 * @internal Checks `placeOrder`'s input (and `outbox.resubmit`'s, whose
 * options also take `payment`: `keys`); throws a typed error for bad input,
 * before anything is stored. Page-only: the service worker replays stored
 * orders and never takes a new one.
 */
export function checkPlacement(config: Config, order: unknown, options: PlaceOrderOptions = {}, keys = ''): Placement {
  const start = performance.now();
  checkObject(options, '');
  // A misspelt option would be dropped: a token expiry lost sends a dead token later.
  knownKeys(options, 'budgetMs paymentTokenExpiresAt signal' + keys);
  const budgetMs = number(options.budgetMs, config.budgetMs, 100, 120_000, 'budgetMs');
  let expires = options.paymentTokenExpiresAt;
  if (expires instanceof Date) expires = expires.getTime();
  // In ms since the epoch: one in seconds (1.8e9 now) would read as 1970, and the token as dead already.
  if (expires !== undefined && !(typeof expires == 'number' && expires > 1e12 && expires < 1e14)) fail('INVALID_OPTIONS', 'must be a time in ms (not seconds) or a Date', 'paymentTokenExpiresAt');
  const { signal } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) fail('INVALID_OPTIONS', 'must be an AbortSignal', 'signal');
  // Not a list either: `outbox.resubmit` takes an order's fields, and `allowCardLikeAt` names no top-level element.
  if (!isObject(order)) fail('INVALID_ORDER', 'an order must be an object', '');
  if (!config.endpoints.length) fail('NO_ENDPOINTS', 'this instance is cart-only', 'endpoints');
  const body = toJsonBody(order, config.allowCardLikeAt);
  if (signal?.aborted) fail('ABORTED', 'the signal was already aborted');
  return { start, body, budgetMs, tokenExpiresAt: expires as number | undefined, signal };
}
