/**
 * What the pages and the service worker say to each other, public so that a
 * merchant's own worker (or its build) can speak it: the Background Sync tag
 * of the replay and the message that lets a waiting worker take over.
 */
/**
 * The Background Sync tag under which the pages ask the service worker to
 * replay the outbox: `steadycart:replay` (`<namespace>:replay` with another
 * `namespace`). A page registers it on the worker that controls it whenever
 * an order is left waiting; `installSteadyCart` answers it.
 *
 * @example
 * ```ts
 * // Background Sync is not in TypeScript's DOM types: hence the cast.
 * const registration = (await navigator.serviceWorker.ready) as ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } };
 * await registration.sync?.register(replaySyncTag()); // what the page already does for you
 * ```
 */
export function replaySyncTag(namespace = 'steadycart'): string {
  return `${namespace}:replay`;
}

/**
 * The message a page posts to a waiting service worker once no order is
 * being sent, and never while one is: the worker then calls `skipWaiting()`.
 * It is Workbox's own message (workbox-window's `messageSkipWaiting()`), so a
 * Workbox update prompt sends the same; `installSteadyCart` handles it.
 */
export interface SkipWaitingMessage {
  /** The message's kind, as Workbox names it. */
  readonly type: 'SKIP_WAITING';
}

/** The one {@link SkipWaitingMessage}. */
export const SKIP_WAITING: SkipWaitingMessage = Object.freeze({ type: 'SKIP_WAITING' });

/** Whether a message's data is a {@link SkipWaitingMessage}. */
export const isSkipWaiting = (data: unknown): data is SkipWaitingMessage =>
  typeof data == 'object' && data !== null && (data as { type?: unknown }).type === SKIP_WAITING.type;
