import type { Core } from '../core';
import { fail } from '../errors';
import type { Events } from '../events';
import type { SteadyCart } from '../types';
import { drillFetch } from './fetch';
import { drillState } from './options';
import type { DrillApi, DrillEvent, DrillState } from './types';

/** Events whose detail says `drill: true` while a drill runs: what became of requests, endpoints and orders. */
const DRILLED = /^(attempt|failover|endpoint:state|order:)/;

/** Adds `drill: true` to the detail of every {@link DRILLED} event emitted while `drilling()`. */
function tagEvents(events: Events, drilling: () => boolean): void {
  // Every detail is an object (the event map says so); only the type is checked here.
  const emit = events.emit.bind(events) as (type: string, detail: object) => void;
  events.emit = ((type: string, detail: object) => emit(type, drilling() && DRILLED.test(type) ? { ...detail, drill: true } : detail)) as Events['emit'];
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
export function withDrill(sc: SteadyCart, core: Core): SteadyCart & { drill: DrillApi } {
  const { config, events, circuits, outbox } = core;
  const { close, health } = sc;
  let running: DrillState | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  config.fetch = drillFetch(() => running, config.fetch ?? ((request) => fetch(request)));
  tagEvents(events, () => !!running);

  const end = (reason: NonNullable<DrillEvent['reason']>) => {
    const drill = running;
    if (!drill) return;
    clearTimeout(timer);
    running = undefined;
    events.emit('drill', { state: 'ended', drill: { ...drill }, reason });
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
