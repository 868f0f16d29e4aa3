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

/**
 * The worker's answer, or `undefined` if it became redundant first (an engine
 * may replace a waiting worker by a newer one at any time: it then handles no
 * more messages). Fails after `timeoutMs` without either.
 */
export function probe(worker: ServiceWorker, timeoutMs = 10_000): Promise<WorkerDeeds | undefined> {
  const { port1, port2 } = new MessageChannel();
  return new Promise<WorkerDeeds | undefined>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from the ${worker.state} worker in ${timeoutMs} ms`)), timeoutMs);
    const done = (deeds: WorkerDeeds | undefined) => {
      clearTimeout(timer);
      worker.removeEventListener('statechange', redundant);
      resolve(deeds);
    };
    const redundant = () => worker.state == 'redundant' && done(undefined);
    worker.addEventListener('statechange', redundant);
    port1.onmessage = ({ data }) => done(data as WorkerDeeds);
    worker.postMessage({ type: '__probe__' }, [port2]);
    redundant();
  });
}
