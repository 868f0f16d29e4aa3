import { REMOTE_EVENTS, type Core } from '../core';
import { fail } from '../errors';
import type { Events } from '../events';
import type { SteadyCart } from '../types';
import { drillFetch } from './fetch';
import { drillState } from './options';
import type { DrillApi, DrillEvent, DrillState } from './types';

/** Events whose detail says `drill: true` while a drill runs: what became of requests, endpoints and orders. */
const DRILLED = /^(attempt|failover|endpoint:state|order:)/;

/**
 * Adds `drill: true` to the detail of every {@link DRILLED} event this page
 * causes while `drilling()`. Not to events heard from the worker or other
 * tabs: the drill did not cause them, and a copy would lose the mark that
 * they are remote (`REMOTE_EVENTS`), so the page would register the worker's
 * sync again on the worker's own sends, which makes it resend at once.
 */
function tagEvents(events: Events, drilling: () => boolean): void {
  // Every detail is an object (the event map says so); only the type is checked here.
  const emit = events.emit.bind(events) as (type: string, detail: object) => void;
  events.emit = ((type: string, detail: object) =>
    emit(type, drilling() && DRILLED.test(type) && !REMOTE_EVENTS.has(detail) ? { ...detail, drill: true } : detail)) as Events['emit'];
}

/**
 * Keeps what a drill fakes out of the circuits' shared memory: the latency a
 * `slow` drill adds is not sampled (it would set attempt timeouts and hedge
 * delays in every tab, after the drill and after a reload).
 */
function unsampled(circuits: Core['circuits'], drilling: () => boolean): () => void {
  const success = circuits.success.bind(circuits);
  // Nor an answer that a drill held back past its end (its request began before the drill ended).
  let endedAt = -Infinity;
  circuits.success = (endpoint, latencyMs) => success(endpoint, drilling() || performance.now() - (latencyMs ?? 0) < endedAt ? undefined : latencyMs);
  return () => void (endedAt = performance.now());
}

/**
 * @internal Drill mode (`drill: true`), loaded only when asked for: adds
 * `sc.drill` to a page's instance, puts the drill's faults in front of the
 * page's requests, and shows a running drill in `health().drill`, in the
 * `drill` event and as `drill: true` on the events it causes.
 *
 * A drill lives in this page's memory only: the service worker and other
 * tabs send their requests as usual, and a reload ends it. When it ends
 * (`stop()`, its timer), open circuits are probed at once and waiting
 * orders replayed, so normal traffic resumes without waiting for backoffs.
 */
function withDrill(sc: SteadyCart, core: Core): SteadyCart & { drill: DrillApi } {
  const { config, events, circuits, outbox } = core;
  const { close, health } = sc;
  let running: DrillState | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  config.fetch = drillFetch(() => running, config.fetch ?? ((request) => fetch(request)));
  tagEvents(events, () => !!running);
  const drillEnded = unsampled(circuits, () => !!running);

  const end = (reason: NonNullable<DrillEvent['reason']>) => {
    const drill = running;
    if (!drill) return;
    clearTimeout(timer);
    running = undefined;
    drillEnded();
    events.emit('drill', { state: 'ended', drill: { ...drill }, reason });
    // A `503` drill's Retry-After is no server's: the drilled endpoints are due a probe now, in every context.
    // Another drill's endpoints keep theirs: only a server (answering another tab, say) set it.
    const now = Date.now();
    for (const endpoint of config.endpoints) {
      const record = circuits.circuit(endpoint);
      if (drill.fault == '503' && record.notBefore && (!drill.endpoint || drill.endpoint == endpoint.url)) circuits.set({ ...record, notBefore: undefined, retryAt: now, updatedAt: now });
    }
    // Probes first: an endpoint the drill made look down is used again as soon as it answers. A
    // replay that fails here leaves its orders waiting for the page's next replay trigger.
    if (reason != 'replaced') circuits.probeOpen().then(() => outbox.replay(true)).catch(() => {});
  };

  return Object.assign(sc, {
    drill: {
      start(options) {
        if (closed) fail('CLOSED', 'this steadycart instance is closed');
        const drill = drillState(options, config.endpoints);
        end('replaced');
        running = drill;
        timer = setTimeout(() => end('timer'), drill.endsAt - Date.now());
        events.emit('drill', { state: 'started', drill: { ...drill } });
        return { ...drill };
      },
      stop: () => end('stop'),
    } satisfies DrillApi,
    health: () => ({ ...health(), drill: running && { ...running } }),
    close() {
      closed = true;
      clearTimeout(timer);
      running = undefined;
      close();
    },
  });
}

/** @internal Drill mode's `withDrill`, asked for before anything starts (the script-tag build's refuses there). */
export const drillMode = (): typeof withDrill => withDrill;
