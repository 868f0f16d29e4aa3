// @ts-check
/** The request log: one entry per HTTP request an endpoint received. */

/**
 * `status` is the status answered, or what happened instead: `'silent'`
 * (never answered), `'dropped'` (connection destroyed after processing, by
 * a commit-drop fault), `'stalled'` (status and headers sent, the body never,
 * by a stall fault), `'refused'` (connection cut by a refuse fault while
 * the request was in flight), `'aborted'` (client gone, or the backend was
 * reset/closed, before the answer), or null while still being processed.
 * Connections refused by a closed listener never reach the process, so
 * they are not in the log.
 * @typedef {object} RequestLogEntry
 * @property {number} t               epoch ms when the request arrived
 * @property {string} endpoint
 * @property {string} method
 * @property {string} path
 * @property {import('./faults.mjs').Route | 'other'} route
 * @property {string | null} key      Idempotency-Key header, or the looked-up key
 * @property {number | null} attempt  Steadycart-Attempt header
 * @property {number | 'silent' | 'dropped' | 'stalled' | 'refused' | 'aborted' | null} status
 * @property {string | null} origin   Origin header
 * @property {string | null} authorization  Authorization header
 * @property {string | null} csrf     X-Csrf-Token header
 * @property {string | null} traceparent  W3C traceparent header
 * @property {string | null} drill    Steadycart-Drill header
 */

/**
 * @typedef {object} RequestLog
 * @property {(entry: RequestLogEntry) => RequestLogEntry} add  keeps and returns the entry, to be completed later
 * @property {() => RequestLogEntry[]} snapshot  copies, oldest first
 * @property {() => void} clear
 */

/**
 * @param {number} limit  entries kept; the oldest are dropped beyond it (bounded memory in long runs)
 * @returns {RequestLog}
 */
export function createRequestLog(limit) {
  /** @type {RequestLogEntry[]} */
  let entries = [];
  return {
    add(entry) {
      entries.push(entry);
      // Trim in batches so adding stays O(1) amortised.
      if (entries.length > limit + Math.ceil(limit / 10)) entries = entries.slice(-limit);
      return entry;
    },
    snapshot: () => entries.slice(-limit).map((e) => ({ ...e })),
    clear() {
      entries = [];
    },
  };
}
