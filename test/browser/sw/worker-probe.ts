import { until } from '../helpers';

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

/**
 * The deeds of the worker waiting in `reg`, after `before` (a message to it,
 * say) has been handled. An engine may replace a waiting worker by a newer
 * version at any time (Firefox checks for updates again by itself; a busy
 * WebKit was seen to replace five in a row): a worker already redundant is not
 * asked, and its replacement is, up to 12 of them (each wait bounded by until()).
 */
export async function probeWaiting(reg: ServiceWorkerRegistration, before: (waiting: ServiceWorker) => void = () => {}): Promise<WorkerDeeds> {
  for (let tries = 0; tries < 12; tries++) {
    const waiting = (await until(() => (reg.waiting?.state == 'installed' ? reg.waiting : null), 'a worker waiting', 10_000))!;
    before(waiting);
    const deeds = await probe(waiting);
    if (deeds) return deeds;
  }
  throw new Error('the waiting worker was replaced 12 times');
}
