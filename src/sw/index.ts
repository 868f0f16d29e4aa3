/**
 * steadycart inside a service worker: `import { installSteadyCart } from 'steadycart/sw'`.
 * Its types reference the WebWorker library (`ServiceWorkerGlobalScope`), so
 * that a worker's own project compiles them with `skipLibCheck: false` too.
 * @packageDocumentation
 */
import { fail } from '../errors';
import { namespaceOption } from '../namespace';
import { isObject } from '../storage/validate';
import { knownKeys, normalizeOptions } from '../options';
import type { SteadyCartOptions } from '../types';
import { installWorker } from './install';
import { installShell } from './shell';

export type { Credentials, EndpointOptions, HeadersFunction, HeadersInput, HeadersLike, HeadersOption, PathOptions, RequestContext, StorableHeaders, SteadyCartOptions, TuningOptions } from '../types';
export { SKIP_WAITING, isSkipWaiting, replaySyncTag, type SkipWaitingMessage } from '../worker-protocol';

/** Options of {@link installSteadyCart}. */
export interface InstallOptions {
  /**
   * The configuration to replay with, validated once, at install (an invalid
   * one throws `INVALID_OPTIONS` there). Its `outbox` is not used: an order's
   * age is judged by the retention the pages stored. Default: the one the pages stored
   * (`createSteadyCart` keeps its normalized configuration for the worker),
   * read afresh at every replay so the worker always uses the current
   * endpoints.
   */
  config?: SteadyCartOptions | undefined;
  /** Namespace, when the pages use another than `steadycart`. Default: `config.namespace`, else the `namespace` query parameter of the worker's URL. */
  namespace?: string | undefined;
  /**
   * Serve same-origin pages and their assets network-first with a cache
   * fallback, so that a reload while offline still shows the shop and its
   * cart. Default: the `offline` query parameter of the worker's URL (set by
   * `serviceWorker: { offlineShell: true }` on the page).
   */
  offlineShell?: boolean | undefined;
}

/**
 * Adds steadycart to a service worker: replays the outbox on Background Sync
 * (`sync` events), with the one-replayer lock shared with the pages, and lets
 * the pages activate a waiting update only while no order is in flight.
 * Throws `INVALID_OPTIONS` for an option it does not know (a misspelt one
 * would be ignored), a bad `namespace`, `offlineShell` or `config`.
 *
 * @example
 * ```ts
 * // sw.ts, built by the merchant (for example with Workbox)
 * import { installSteadyCart } from 'steadycart/sw';
 * installSteadyCart(self);
 * ```
 */
export function installSteadyCart(worker: ServiceWorkerGlobalScope, options: InstallOptions = {}): void {
  if (!isObject(options)) fail('INVALID_OPTIONS', 'options must be an object', '');
  knownKeys(options, 'config namespace offlineShell');
  const { config, namespace, offlineShell } = options;
  if (offlineShell !== undefined && typeof offlineShell != 'boolean') fail('INVALID_OPTIONS', 'must be true or false', 'offlineShell');
  installWorker(worker, installShell, {
    // `outbox: false` there would be a retention of 0, which replays nothing: whether orders are kept is the pages' choice.
    config: config && normalizeOptions({ ...config, outbox: config.outbox || undefined, serviceWorker: false }),
    namespace: namespace === undefined ? config?.namespace : namespaceOption(namespace),
    offlineShell,
  });
}
