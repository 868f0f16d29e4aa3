/**
 * Asks a test worker (/test/fixtures/versioned-sw, instrumented by
 * WORKER_PROBE in test/runner/middleware.mjs) what it has done so far: its
 * `skipWaiting()` calls and the URLs it tried to cache. A worker handles the
 * messages of one client in order, and the answer waits for the work earlier
 * events handed to `waitUntil`, so it covers every message posted before it.
 */
export interface WorkerDeeds {
  skips: number;
  added: string[];
}

export function probe(worker: ServiceWorker): Promise<WorkerDeeds> {
  const { port1, port2 } = new MessageChannel();
  const answer = new Promise<WorkerDeeds>((resolve) => (port1.onmessage = ({ data }) => resolve(data as WorkerDeeds)));
  worker.postMessage({ type: '__probe__' }, [port2]);
  return answer;
}
