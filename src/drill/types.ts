/**
 * What a drill does to the requests of the page that runs it:
 * - `refuse`: the connection is refused (a network error); nothing is sent.
 * - `silent`: the request never gets an answer; the attempt times out; nothing is sent.
 * - `slow`: the request is sent and answered, and the answer reaches the
 *   SDK `slowMs` later (an attempt may time out after the server took the order).
 * - `503`: answered `503` with `Retry-After: retryAfterSeconds`; nothing is sent.
 * - `drop-after-commit`: an order's POST is sent and the server's answer is
 *   thrown away, as if the connection dropped after the commit; lookups and
 *   probes go through, so the SDK reconciles against the real backend.
 */
export type DrillFault = 'refuse' | 'silent' | 'slow' | '503' | 'drop-after-commit';

/** What `sc.drill.start` takes. */
export interface DrillOptions {
  /** URL of one configured endpoint, as in `endpoints`. Default: every endpoint (a whole outage). */
  endpoint?: string | undefined;
  /** What the drilled endpoint does (see {@link DrillFault}). */
  fault: DrillFault;
  /** How long the drill lasts before normal traffic resumes by itself: 100 ms to 1 hour. Default 60 000 ms. */
  forMs?: number | undefined;
  /** `slow`: how much later each answer arrives, 1 ms to 120 000 ms. Default 3000 ms. */
  slowMs?: number | undefined;
  /** `503`: the `Retry-After` seconds of each answer, 0 to 3600. Default 5. */
  retryAfterSeconds?: number | undefined;
}

/** A running drill, as `health().drill` and the `drill` event show it. */
export interface DrillState {
  /** The drilled endpoint's URL; absent when every endpoint is drilled. */
  endpoint?: string;
  /** What the drilled endpoint does. */
  fault: DrillFault;
  /** When the drill ends by itself (ms since the epoch). */
  endsAt: number;
  /** `slow` only. */
  slowMs?: number;
  /** `503` only. */
  retryAfterSeconds?: number;
}

/** Detail of the `drill` event: a drill started, or ended (`reason` says how). */
export interface DrillEvent {
  /** Whether the drill started or ended. */
  state: 'started' | 'ended';
  /** The drill that started or ended. */
  drill: DrillState;
  /** How it ended: `stop()`, its timer, or another `start()` that replaced it. */
  reason?: 'stop' | 'timer' | 'replaced';
}

/**
 * `sc.drill`: rehearse an outage in this page only. Present only on an
 * instance created with `drill: true`; nothing else (no query string,
 * message or stored value) can start a drill.
 */
export interface DrillApi {
  /**
   * Starts a drill, ending the one running if any, and returns it. Throws
   * `INVALID_OPTIONS` naming the bad field, `CLOSED` after `close()`.
   */
  start(options: DrillOptions): DrillState;
  /** Ends the running drill now, if any, and resumes normal traffic: open circuits are probed and waiting orders replayed. */
  stop(): void;
}

/** Marks what happened while a drill ran in this page (events). */
export interface Drilled {
  /** `true` when a drill was running in this page. */
  drill?: true;
}
