/**
 * @internal What the handler tells its telemetry. The no-op implementation
 * (no `telemetry` option) costs a function call per step; the OpenTelemetry
 * one is in otel.ts.
 */

/** A call to the idempotency store, as named in spans and the store-error counter. */
export type StoreOperation = 'reserve' | 'read' | 'heartbeat' | 'complete' | 'release' | 'sweep' | 'ping';

/** A timed step of a request: a store call, or the merchant's handler. */
export type Step = Exclude<StoreOperation, 'heartbeat' | 'sweep'> | 'handler';

/**
 * How a checkout request ended for its key: `replayed` (stored outcome sent
 * again), `in_progress` (409), `key_mismatch` (422), `key_closed` (503: a
 * lookup found no record of the key, and closed it), `client_gone` (503: the
 * client left before the key was reserved, and nothing ran), or the handler's
 * run `stored`, `released` (408/425/429/503), `kept` (5xx, a throw) or
 * `lease_lost` (another owner took the key while it ran).
 */
export type Outcome = 'replayed' | 'in_progress' | 'key_mismatch' | 'key_closed' | 'client_gone' | 'stored' | 'released' | 'kept' | 'lease_lost';

/** The outcomes of a run of the merchant's handler: every other one answered without running it. */
export const HANDLER_RUN_OUTCOMES: readonly Outcome[] = ['stored', 'released', 'kept', 'lease_lost'];

/** Attribute values a step may add once it is done (never a key, a body or a header value). */
export type StepAttributes = Record<string, string | number | boolean>;

/** One request's telemetry. */
export interface RequestTelemetry {
  /** Runs `fn` as the step `name` (a child span; the merchant's handler runs inside it). */
  step<T>(name: Step, fn: () => Promise<T>, describe?: (result: T) => StepAttributes): Promise<T>;
  /** The key was taken over from a lapsed lease: run `attempt` (> 1). */
  takeover(attempt: number): void;
  /** How the request ended for its key. */
  outcome(outcome: Outcome): void;
  /** A store call failed (the client sees a status only). */
  storeError(operation: StoreOperation): void;
  /** The answer's status: ends the span and records the request. */
  end(status: number): void;
}

/** A route as the handler knows it. */
export interface RouteInfo {
  /** `http.route`: the route template, e.g. `/api/checkout/{key}`. */
  template: string;
  /** `url.path` with any key scrubbed. */
  path: string;
}

/** The handler's telemetry. */
export interface Telemetry {
  /** Starts a request's telemetry (async only while `@opentelemetry/api` is first loaded). */
  request(request: Request, method: string, route: RouteInfo): RequestTelemetry | Promise<RequestTelemetry>;
  /** A store call outside any request failed (the sweep). */
  storeError(operation: StoreOperation): void;
}

const noRequest: RequestTelemetry = {
  step: (_name, fn) => fn(),
  takeover: () => {},
  outcome: () => {},
  storeError: () => {},
  end: () => {},
};

/** No telemetry: what the handler uses without the `telemetry` option. */
export const NO_TELEMETRY: Telemetry = { request: () => noRequest, storeError: () => {} };
