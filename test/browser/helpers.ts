import { createSteadyCart, type SteadyCart, type SteadyCartOptions } from '../../src/index';
import { closeBackends, startBackend, type LoggedRequest, type TestBackend } from './backend';
import { settledWithin } from './bounded';

/** Short timeouts and circuit intervals, so that orders queue and recover in about a second. */
export const QUICK_TUNING = { attemptTimeoutMs: 400, openMs: 300, maxOpenMs: 1000 } as const;

/**
 * Attempts of 3 s, for a test that an attempt timing out would break: on a busy machine a quick
 * 400 ms one can time out with the backend answering, and its order is resent or left to its backoff.
 */
export const ROOMY_ATTEMPTS = { attemptTimeoutMs: 3000, minAttemptTimeoutMs: 3000 } as const;

/** The quick circuits with roomy attempts: orders queue and recover quickly, and a busy machine's slow answer is still waited for. */
export const QUICK_ROOMY_TUNING = { ...QUICK_TUNING, ...ROOMY_ATTEMPTS } as const;

/** Options for an instance on `us` and `eu` whose orders queue quickly while the backend is down; `extra` overrides. */
export const quickOptions = (be: TestBackend, namespace: string, extra: SteadyCartOptions = {}): SteadyCartOptions => ({
  namespace,
  endpoints: extra.endpoints ?? be.sdk('us', 'eu'),
  budgetMs: 600,
  tuning: QUICK_TUNING,
  ...extra,
});

/** A small order of one line, as a shop would place it, under `ref`. */
export const order = (ref: string) => ({ orderRef: ref, items: [{ sku: 'mug', qty: 1 }], total: 1250, currency: 'EUR', payment: { token: 'pm_card_visa' } });

/** A namespace (database, channel, locks) of its own for one test. */
export function uniqueNamespace(): string {
  return `test-${Math.random().toString(36).slice(2, 10)}`;
}

const opened: Array<{ sc?: SteadyCart; frame?: HTMLIFrameElement; namespace: string }> = [];

/** An instance in this page, closed after the test by `cleanup`. */
export async function open(options: SteadyCartOptions = {}): Promise<SteadyCart> {
  const sc = await createSteadyCart(options);
  opened.push({ sc, namespace: options.namespace ?? 'steadycart' });
  return sc;
}

/** An instance in a second browsing context (an iframe loading the SDK itself): another tab, as far as storage and channels go. */
export async function openTab(
  options: SteadyCartOptions = {},
  query = '',
  page = '/test/fixtures/tab.html',
): Promise<{ sc: SteadyCart; frame: HTMLIFrameElement }> {
  const frame = document.createElement('iframe');
  frame.src = `${page}?options=${encodeURIComponent(JSON.stringify(options))}${query}`;
  document.body.append(frame);
  await new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  const win = frame.contentWindow as Window & { steadycart?: Promise<SteadyCart> };
  for (let i = 0; !win.steadycart && i < 100; i++) await sleep(20);
  const sc = await win.steadycart!;
  opened.push({ sc, frame, namespace: options.namespace ?? 'steadycart' });
  return { sc, frame };
}

/** What `freshInstance` gives each test: its backend, its namespace and an instance on them. */
export interface FreshInstance {
  be: TestBackend;
  namespace: string;
  sc: SteadyCart;
}

/**
 * Before each test of the suite: a fresh backend, a namespace of its own and an
 * instance on the backend's `regions`, handed to `use` (which may prepare more);
 * after each: every instance closed and every backend stopped.
 */
export function freshInstance(regions: string[], use: (fresh: FreshInstance) => void | Promise<void>): void {
  beforeEach(async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const sc = await open({ namespace, endpoints: be.sdk(...regions) });
    await use({ be, namespace, sc });
  });
  afterEach(async () => {
    await cleanup();
    await closeBackends();
  });
}

/** Worker scopes handed out by {@link workerScope}, for {@link unregisterWorkers}. */
const workerScopes = new Set<string>();

/**
 * A service worker scope of the test's own. Registrations are shared by every
 * test file of the origin, and files run side by side: a test unregisters its
 * own scopes ({@link unregisterWorkers}), never every one.
 */
export function workerScope(namespace: string): string {
  const scope = `/test/sw-scope/${namespace}/`;
  workerScopes.add(scope);
  return scope;
}

/** Unregisters the workers of the scopes {@link workerScope} handed out in this file, and no other. */
export async function unregisterWorkers(): Promise<void> {
  for (const scope of workerScopes) {
    const reg = await navigator.serviceWorker.getRegistration(scope);
    // getRegistration matches by prefix: a broader scope is not this test's.
    if (reg?.scope == new URL(scope, location.href).href) await reg.unregister();
  }
}

/** Closes every instance and frame opened by the test and deletes their databases. */
export async function cleanup(): Promise<void> {
  const names = new Set<string>();
  for (const { sc, frame, namespace } of opened.splice(0)) {
    try {
      sc?.close();
    } catch {
      // Already closed by the test.
    }
    frame?.remove();
    names.add(namespace);
  }
  await Promise.all([...names].map((name) => settledWithin(deleteDatabase(name), `deleting database ${name}`)));
}

/**
 * Deletes the database `name`; resolves with how that went: `blocked` when a
 * connection was still open (it is deleted once that closes), never rejects.
 */
export function deleteDatabase(name: string): Promise<'deleted' | 'blocked' | `error: ${string}`> {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onblocked = () => resolve('blocked');
    request.onsuccess = () => resolve('deleted');
    request.onerror = () => resolve(`error: ${request.error?.name}`);
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves once the server (or the fault front before it) holds a POST of order `id`, not answered yet. */
export const postHeld = (be: { requests(): Promise<LoggedRequest[]> }, id: string) =>
  until(async () => (await be.requests()).some((q) => q.key == id && q.route == 'checkout' && q.status === null), 'the POST held at the server');

/**
 * Resolves once the backend has had no request in flight, and none arriving, for `quietMs`: a context
 * closed or stopped just before may still have one on its way, which a busy machine delivers late.
 */
export async function backendQuiet(be: { requests(): Promise<LoggedRequest[]> }, quietMs: number, what: string, timeoutMs: number): Promise<void> {
  let heard = -1;
  let quietSince = 0;
  await until(
    async () => {
      const log = await be.requests();
      if (log.length != heard) [heard, quietSince] = [log.length, Date.now()];
      return log.every((r) => r.status !== null) && Date.now() - quietSince >= quietMs;
    },
    what,
    timeoutMs,
  );
}

/** Polls `check` until it returns a truthy value, failing after `timeoutMs`. */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Discards outbox entry `id` between its replays: `discard` refuses an entry in flight, and an open
 * circuit's timer replays a waiting order as its probe at any time.
 */
export const discardBetweenReplays = (sc: SteadyCart, id: string) => until(() => sc.outbox.discard(id), 'the entry to be discarded between replays', 10_000);

/** Records the promise rejections this page leaves unhandled (keeping them off the console) until `stop()`. */
export function unhandledRejections(): { reasons: unknown[]; stop(): void } {
  const reasons: unknown[] = [];
  const record = (event: PromiseRejectionEvent) => {
    reasons.push(event.reason);
    event.preventDefault();
  };
  addEventListener('unhandledrejection', record);
  return { reasons, stop: () => removeEventListener('unhandledrejection', record) };
}

/** Catches the error a promise rejects with (fails when it resolves). */
export async function rejection(promise: Promise<unknown> | (() => unknown)): Promise<Error & { code?: string; path?: string }> {
  try {
    await (typeof promise == 'function' ? promise() : promise);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

export const item = (sku: string, extra: Record<string, unknown> = {}) => ({
  sku,
  name: `Item ${sku}`,
  unitPrice: 1250,
  currency: 'EUR',
  ...extra,
});
