import { sleep } from '../time';
import type { SendFetch } from '../transport/http';
import type { DrillState } from './types';

/** The request header that marks every request a page sends while its drill runs. */
export const DRILL_HEADER = 'Steadycart-Drill';

/** Rejects as `fetch` does once `signal` aborts; never resolves. */
const untilAborted = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });

/** What a browser's `fetch` rejects with when no connection could be made, or when one dropped. */
const networkError = (what: string) => new TypeError(`steadycart drill: ${what}`);

/**
 * @internal The `fetch` of a page in drill mode, around `next`. While a drill
 * runs, every request it sends carries `Steadycart-Drill: 1`, and the
 * requests to the drilled endpoint meet its fault (see `DrillFault`);
 * otherwise it is `next` itself.
 */
export function drillFetch(running: () => DrillState | undefined, next: SendFetch): SendFetch {
  return async (request, info) => {
    const drill = running();
    if (!drill) return next(request, info);
    request.headers.set(DRILL_HEADER, '1');
    if (drill.endpoint && drill.endpoint != info.endpoint) return next(request, info);
    const { signal } = request;
    switch (drill.fault) {
      case 'refuse':
        throw networkError('connection refused');
      case 'silent':
        return untilAborted(signal);
      case '503':
        return new Response('{"error":"drill"}', {
          status: 503,
          headers: { 'Content-Type': 'application/json', 'Retry-After': String(drill.retryAfterSeconds) },
        });
      case 'slow': {
        const response = await next(request, info);
        await sleep(drill.slowMs!, signal);
        if (signal.aborted) {
          response.body?.cancel().catch(() => {});
          throw signal.reason;
        }
        return response;
      }
      case 'drop-after-commit': {
        if (info.kind != 'order') return next(request, info);
        // The whole answer arrives, so the server has done its part; then it is lost.
        await (await next(request, info)).arrayBuffer();
        throw networkError('connection dropped after the server answered');
      }
    }
  };
}
