import type { Outbox } from '../outbox/outbox';

/** Bounds of the replay timer. */
const MIN_TIMER_MS = 1000;
const MAX_TIMER_MS = 300_000;
/** Longest spread of the replay after an endpoint recovers. */
const MAX_SPREAD_MS = 30_000;

/**
 * @internal Replays the outbox from the page: right after load, when the
 * browser comes online (after probing the circuits that opened while it was
 * offline), when the tab becomes visible, when an endpoint recovers, and on a
 * timer while orders wait. Returns `stop`.
 */
export function startReplayTriggers(
  outbox: Outbox,
  probeOpen: () => Promise<unknown>,
): { recovered(outageMs: number): void; stop(): void } {
  // Two timers: the next due entry's, re-armed after every replay, and a recovery's spread replay,
  // which that re-arming must never cancel (or a recovery would wait for the longest backoff).
  let dueTimer: ReturnType<typeof setTimeout> | undefined;
  let recoveryTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const run = (force: boolean) => {
    if (stopped) return;
    clearTimeout(dueTimer);
    outbox
      .replay(force)
      .then(() => outbox.nextDue())
      .then((due) => {
        if (due !== undefined && !stopped) {
          clearTimeout(dueTimer);
          dueTimer = setTimeout(() => run(false), Math.min(MAX_TIMER_MS, Math.max(MIN_TIMER_MS, due - Date.now())));
        }
      })
      .catch(() => {});
  };
  const forced = () => run(true);
  const visible = () => document.visibilityState == 'visible' && forced();
  const online = () => probeOpen().finally(forced);
  addEventListener('online', online);
  document.addEventListener('visibilitychange', visible);
  setTimeout(forced);
  return {
    /**
     * An endpoint came back after `outageMs`: replay at a random moment within
     * as long as the outage lasted (at most 30 s), so that every shop's pages
     * noticing the recovery together do not send their backlog together.
     */
    recovered(outageMs) {
      clearTimeout(recoveryTimer);
      recoveryTimer = setTimeout(forced, Math.random() * Math.min(MAX_SPREAD_MS, outageMs));
    },
    stop() {
      stopped = true;
      clearTimeout(dueTimer);
      clearTimeout(recoveryTimer);
      removeEventListener('online', online);
      document.removeEventListener('visibilitychange', visible);
    },
  };
}
