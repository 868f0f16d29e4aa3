import type { Outbox } from '../outbox/outbox';
import type { ErrorInfo } from '../types';

/** Bounds of the replay timer. */
const MIN_TIMER_MS = 1000;
/** @internal The upper one, which a far due time is waited for in steps of. */
export const MAX_TIMER_MS = 300_000;
/** Longest spread of the replay after an endpoint recovers. */
const MAX_SPREAD_MS = 30_000;

/** @internal The page's replay triggers, from {@link startReplayTriggers}. */
export interface ReplayTriggers {
  /**
   * An endpoint came back after `outageMs`: replay at a random moment within
   * as long as the outage lasted (at most 30 s), so that every shop's pages
   * noticing the recovery together do not send their backlog together.
   */
  recovered(outageMs: number): void;
  /** An order was left waiting until `due`: the replay timer fires by then (this only ever brings it forward). */
  waiting(due: number): void;
  /** Why the last replay failed; `undefined` once a later one works. */
  readonly lastError: ErrorInfo | undefined;
  stop(): void;
}

/** What a replay that threw is reported as: code `internal`, naming the error. */
function replayError(error: unknown): ErrorInfo {
  // An Error reads as `${name}: ${message}`; String() also takes a symbol.
  return { code: 'internal', message: 'the replay failed: ' + String(error), at: Date.now() };
}

/**
 * @internal Replays the outbox from the page: right after load, when the
 * browser comes online (after probing the circuits that opened while it was
 * offline), when the tab becomes visible, when an endpoint recovers, and on a
 * timer while orders wait or a finished one is to be forgotten. A replay
 * that fails is told to `onError` and kept as `lastError`; the next trigger
 * tries again, and the timer within seconds (doubling while it keeps
 * failing, up to 5 minutes).
 */
export function startReplayTriggers(
  outbox: Outbox,
  probeOpen: () => Promise<unknown>,
  onError?: (error: ErrorInfo) => void,
): ReplayTriggers {
  // Two timers: the next due entry's, re-armed after every replay, and a recovery's spread replay,
  // which that re-arming must never cancel (or a recovery would wait for the longest backoff).
  let dueTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the replay timer fires (Infinity when none is armed). */
  let dueAt = Infinity;
  let recoveryTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let lastError: ErrorInfo | undefined;
  /** Replays that failed in a row: the next try waits 2 s, 4 s, 8 s ... up to the timer's bound. */
  let failures = 0;
  /** Replays what is due; `forced`, everything waiting. Then arms the timer of the next due entry. */
  const replay = (forced: boolean) => {
    if (stopped) return;
    clearTimeout(dueTimer);
    dueAt = Infinity;
    outbox
      .replay(forced)
      .then(() => outbox.nextDue())
      .then(
        (due) => {
          lastError = undefined;
          failures = 0;
          if (due !== undefined) arm(due);
        },
        (error: unknown) => {
          if (stopped) return;
          lastError = replayError(error);
          onError?.(lastError);
          // What waits must not wait for the next event (a visit, coming online): try again on the timer.
          arm(Date.now() + Math.min(MAX_TIMER_MS, 1000 * 2 ** ++failures));
        },
      );
  };
  /** Arms the replay timer for `due`, within its bounds. */
  const arm = (due: number) => {
    if (stopped) return;
    clearTimeout(dueTimer);
    dueAt = due;
    // A time past the timer's bound (a finished order, forgotten a day later) is waited for in steps, not a drain at each.
    dueTimer = setTimeout(() => (due - Date.now() > MIN_TIMER_MS ? arm(due) : replay(false)), Math.min(MAX_TIMER_MS, Math.max(MIN_TIMER_MS, due - Date.now())));
  };
  const forced = () => replay(true);
  const visible = () => document.visibilityState == 'visible' && forced();
  const online = () => probeOpen().then(forced, forced);
  addEventListener('online', online);
  document.addEventListener('visibilitychange', visible);
  setTimeout(forced);
  return {
    recovered(outageMs) {
      clearTimeout(recoveryTimer);
      recoveryTimer = setTimeout(forced, Math.random() * Math.min(MAX_SPREAD_MS, outageMs));
    },
    waiting(due) {
      if (due < dueAt) arm(due);
    },
    get lastError() {
      return lastError;
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
