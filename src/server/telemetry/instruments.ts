import type { Counter, Histogram, Meter } from '@opentelemetry/api';

/** HTTP server semantic conventions: the recommended buckets of `http.server.request.duration`, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/**
 * The metrics of `steadycart/server`. In Prometheus text format (dots become
 * underscores, counters end in `_total`): `steadycart_server_requests_total`,
 * `steadycart_server_replays_total`, and so on.
 */
export interface Instruments {
  /** `http.server.request.duration` (s), by method, route and status. */
  duration: Histogram;
  /** `steadycart.server.requests`: answers by method, route and status. */
  requests: Counter;
  /** `steadycart.server.replays`: stored outcomes sent again. */
  replays: Counter;
  /** `steadycart.server.conflicts`: 409s, a key still in progress. */
  conflicts: Counter;
  /** `steadycart.server.key_mismatches`: 422s, a key reused with another body. */
  mismatches: Counter;
  /** `steadycart.server.lease_takeovers`: runs of a key whose earlier run crashed or answered 5xx. */
  takeovers: Counter;
  /** `steadycart.server.store_errors`: store calls that failed, by `steadycart.store.operation`. */
  storeErrors: Counter;
  /** `steadycart.server.handler.runs`: the merchant handler's runs, by `steadycart.outcome`. */
  handlerRuns: Counter;
  /** `steadycart.server.handler.duration` (s): the merchant handler's time. */
  handlerDuration: Histogram;
}

/** Creates the instruments on `meter`. */
export function createInstruments(meter: Meter): Instruments {
  const counter = (name: string, description: string, unit = '{request}') => meter.createCounter(name, { description, unit });
  /** A counter without attributes starts at 0, so that a scrape shows it before its first event. */
  const zeroed = (name: string, description: string, unit?: string) => {
    const c = counter(name, description, unit);
    c.add(0);
    return c;
  };
  const seconds = (name: string, description: string) =>
    meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: DURATION_BUCKETS } });
  return {
    duration: seconds('http.server.request.duration', 'Duration of HTTP server requests.'),
    requests: counter('steadycart.server.requests', 'Checkout, lookup and health requests answered, by status.'),
    replays: zeroed('steadycart.server.replays', 'Stored outcomes sent again for a repeated idempotency key.'),
    conflicts: zeroed('steadycart.server.conflicts', 'Orders answered 409: their key is still in progress.'),
    mismatches: zeroed('steadycart.server.key_mismatches', 'Orders answered 422: their key was used with another body.'),
    takeovers: zeroed('steadycart.server.lease_takeovers', 'Keys run again after the lease of an earlier run ended (a crash, a 5xx, a throw).', '{run}'),
    storeErrors: counter('steadycart.server.store_errors', 'Idempotency store calls that failed.', '{error}'),
    handlerRuns: counter('steadycart.server.handler.runs', "Runs of the merchant's order handler, by what became of the key.", '{run}'),
    handlerDuration: seconds('steadycart.server.handler.duration', "Duration of the merchant's order handler."),
  };
}
