// The baseline service worker, bundled to bench/out/workbox-sw.js: a
// workbox-background-sync Queue as shops use it (the queue BackgroundSyncPlugin
// fills when a POST fails), replayed on Background Sync.
import { Queue } from 'workbox-background-sync';

/** Seen by the harness (through the worker's devtools target) to know when a replay ended. */
self.bench = { syncs: 0, failed: 0, running: false };

self.queue = new Queue('orders', {
  maxRetentionTime: 24 * 60,
  // Exactly the default (replayRequests, rethrowing so the browser retries the sync later), instrumented.
  async onSync({ queue }) {
    self.bench.running = true;
    self.bench.syncs++;
    try {
      await queue.replayRequests();
    } catch (error) {
      self.bench.failed++;
      throw error;
    } finally {
      self.bench.running = false;
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
