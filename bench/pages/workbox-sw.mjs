// The baseline service worker, bundled to bench/out/workbox-sw.js: a
// workbox-background-sync Queue as shops use it (the queue BackgroundSyncPlugin
// fills when a POST fails), replayed on Background Sync.
import { Queue } from 'workbox-background-sync';

/**
 * Seen by the harness (through the worker's devtools target): whether a replay runs, how many
 * syncs ran and failed, and `gaps`, the ms (worker clock, `performance.now()`) from the end of
 * each failed replay to the start of the next sync, however that sync was fired.
 */
self.bench = { syncs: 0, failed: 0, running: false, gaps: [] };
/** When the last failed replay ended (0: the last replay did not fail). */
let failedAt = 0;
/** The harness's pending `nextFailure` call, if any. */
let waiter = null;

/**
 * For the harness: resolves with the number of failed replays as soon as it exceeds `seen` (at
 * once if it already does), so that the harness can fire the next sync the moment a replay fails.
 * `release()` resolves a pending call with null.
 */
self.benchFailures = {
  next: (seen) => (self.bench.failed > seen ? Promise.resolve(self.bench.failed) : new Promise((resolve) => (waiter = resolve))),
  release: () => {
    waiter?.(null);
    waiter = null;
  },
};

self.queue = new Queue('orders', {
  maxRetentionTime: 24 * 60,
  // Exactly the default (replayRequests, rethrowing so the browser retries the sync later), instrumented.
  async onSync({ queue }) {
    const start = performance.now();
    if (failedAt) self.bench.gaps.push(Math.round((start - failedAt) * 10) / 10);
    failedAt = 0;
    self.bench.running = true;
    self.bench.syncs++;
    try {
      await queue.replayRequests();
    } catch (error) {
      self.bench.failed++;
      // replayRequests has put the entry back: the replay has ended.
      failedAt = performance.now();
      throw error;
    } finally {
      self.bench.running = false;
      if (failedAt && waiter) {
        waiter(self.bench.failed);
        waiter = null;
      }
    }
  },
});

/**
 * Queues orders exactly as BackgroundSyncPlugin does when a POST fails
 * (`queue.pushRequest({ request })`): a keyless JSON POST, as shops send today.
 */
self.enqueue = async (url, bodies) => {
  for (const body of bodies) {
    await self.queue.pushRequest({ request: new Request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body }) });
  }
  return self.queue.size();
};

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
