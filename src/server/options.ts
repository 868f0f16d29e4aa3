import { isJsonPath } from '../guard/json';
import { invalidOption, quietly } from './errors';
import type { IdempotencyStore } from './store/types';
import { loadTelemetry } from './telemetry/otel';
import type { TelemetryOptions } from './telemetry/options';
import { NO_TELEMETRY, type Telemetry } from './telemetry/types';

/**
 * Where a failure told to `onError` happened: the merchant's `handler`; the
 * store's `reserve`, `read`, `complete` (storing the outcome), `release`,
 * `heartbeat` (a lease's renewal) or `sweep` (expired records); a `lookup`;
 * the `health` route; the `request` itself (CORS, the body); or `telemetry`.
 */
export type ErrorPhase = 'handler' | 'reserve' | 'read' | 'complete' | 'release' | 'heartbeat' | 'sweep' | 'lookup' | 'health' | 'request' | 'telemetry';

/** What the merchant's handler returns: the HTTP answer for this order. */
export interface HandlerResult {
  /**
   * HTTP status: 2xx, 4xx or 5xx (a 3xx, like any other, is treated as a
   * throw: a browser would not carry the POST through a redirect). 2xx and 4xx (except 408, 425, 429) are stored and
   * replayed; 408, 425, 429 and 503 release the key (nothing was processed;
   * on a later attempt, after a run that may have charged, the key is kept
   * and the client gets 500 `in_doubt`); 500, 502, 504 and other 5xx keep
   * the key for a retry with `attempt + 1`. 409 and 422 are the wire
   * contract's own and not the handler's to answer: either is treated as a
   * throw (500, key kept, `onError` told); refuse an invalid order with 400.
   */
  status: number;
  /** Any JSON value; serialized once and replayed byte for byte. */
  body: unknown;
}

/** What the merchant's handler is told besides the order. */
export interface HandlerContext {
  /**
   * The idempotency key. Pass it to the payment provider as its idempotency
   * key and keep a unique order row on it: a crashed attempt is run again
   * with the same key, and only that keeps the charge single.
   */
  key: string;
  /** 1 for the first run for this key, `n + 1` after a 5xx, a throw or a crash. */
  attempt: number;
  /** Aborts when this run lost its lease (another worker took the key over). */
  signal: AbortSignal;
}

/** The merchant's order handler. `Order` is the parsed JSON body. */
export type OrderHandler<Order = unknown> = (order: Order, context: HandlerContext) => Promise<HandlerResult>;

/** Cross-origin settings, for storefronts on another origin than the API. */
export interface CorsOptions {
  /** Origins allowed, exactly as browsers send them (`https://shop.example.com`), or a predicate. */
  origins: readonly string[] | ((origin: string) => boolean);
  /** Send `Access-Control-Allow-Credentials: true` (cookies on checkout calls). Default false. */
  credentials?: boolean | undefined;
  /** `Access-Control-Max-Age` in seconds. Default 600. */
  maxAgeSeconds?: number | undefined;
  /**
   * Request headers allowed besides those always allowed: Content-Type,
   * Idempotency-Key, Steadycart-Attempt, `traceparent` and `tracestate`
   * (steadycart/otel) and Steadycart-Drill (drill mode). For example `Authorization`.
   */
  allowHeaders?: readonly string[] | undefined;
}

/** Options of {@link createCheckoutHandler}. */
export interface CheckoutHandlerOptions<Order = unknown> {
  /** Where idempotency records live. Endpoints sharing one store form one idempotency domain. */
  store: IdempotencyStore;
  /** Runs the order; see {@link HandlerContext} for its duty towards `key`. */
  handle: OrderHandler<Order>;
  /** Path prefix of the routes, e.g. `/api` serves `/api/checkout`. Default `''`. */
  prefix?: string | undefined;
  /**
   * How long outcomes are replayed, in ms. Default 72 h; never under 24 h
   * (the SDK's default outbox retention). Keep it at least as long as the
   * pages' `outbox.retentionMs`: a page may replay an order that long, and a
   * key forgotten before then runs its order again (or is looked up 404).
   */
  retentionMs?: number | undefined;
  /** Lease of a running handler in ms, renewed by a heartbeat every third of it: 10 ms to a day. Default 30 s. */
  leaseMs?: number | undefined;
  /** Largest request body in bytes; larger ones are answered 413. Default 65,536. */
  bodyLimit?: number | undefined;
  /** Cross-origin settings; without them no CORS header is sent. */
  cors?: CorsOptions | undefined;
  /** JSON paths where a card-like number is legitimate (an order or gift-card reference), as in the SDK. */
  allowCardLikeAt?: readonly string[] | undefined;
  /** How often expired records are swept (SQL stores), at most, in ms. Default 10 min. */
  sweepEveryMs?: number | undefined;
  /**
   * Told about store and handler failures that the client only sees as a
   * status: with the order's `key` where there is one, and the `phase` it
   * failed in (see {@link ErrorPhase}).
   */
  onError?:
    | ((
        error: unknown,
        context: {
          /** The order's idempotency key, where the failure concerns one. */
          key?: string;
          /** Where it failed. */
          phase: ErrorPhase;
        },
      ) => void)
    | undefined;
  /**
   * OpenTelemetry spans and metrics (see {@link TelemetryOptions}). Without
   * it, `@opentelemetry/api` is never loaded.
   */
  telemetry?: TelemetryOptions | undefined;
}

/**
 * The SDK keeps an order in its outbox for 24 h by default: a shorter
 * retention could forget a key it replays. (A shop that sets the pages'
 * `outbox.retentionMs` longer must set `retentionMs` at least as long.)
 */
export const MIN_RETENTION_MS = 24 * 3600_000;

/** @internal Options with every default filled in and checked. */
export interface Settings {
  store: IdempotencyStore;
  handle: OrderHandler<unknown>;
  prefix: string;
  retentionMs: number;
  leaseMs: number;
  bodyLimit: number;
  cors: Required<Omit<CorsOptions, 'origins'>> & { allowed: (origin: string) => boolean } | null;
  allowCardLikeAt: readonly string[];
  sweepEveryMs: number;
  onError: NonNullable<CheckoutHandlerOptions['onError']>;
  telemetry: Telemetry;
}

const positive = (name: string, value: number | undefined, fallback: number, min = 1, max = Infinity): number => {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < min) invalidOption(name, `must be a number >= ${min}`);
  if (v > max) invalidOption(name, `must be a number <= ${max}`);
  return v;
};

/**
 * The longest lease: its timers (renewal every third, the handler's signal at five sixths) must stay within a
 * timer's range (2^31 - 1 ms, about 24.8 days), past which Node fires them at once (every run aborted).
 */
const MAX_LEASE_MS = 86_400_000;

/** A list option: absent is empty; anything but an array of strings is refused, never spread (a string would be, letter by letter). */
const strings = (name: string, value: readonly string[] | undefined, what: string, valid: (v: unknown) => boolean = (v) => typeof v == 'string'): readonly string[] => {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(valid)) invalidOption(name, `must be an array of ${what}`);
  return value;
};

/**
 * Refuses a key that is none of `known` (a misspelt `retentionMS` would
 * otherwise be dropped without a word, and its default used), naming it
 * under `prefix`.
 */
const knownKeys = (value: object, known: readonly string[], prefix = ''): void => {
  const unknown = Object.keys(value).find((key) => !known.includes(key));
  if (unknown !== undefined) invalidOption(prefix + unknown, `is not an option (options: ${known.join(', ')})`);
};

/** @internal Checks the options once; the rest of the code trusts {@link Settings}. */
export function settings<Order>(options: CheckoutHandlerOptions<Order>): Settings {
  if (!options || typeof options.store?.reserve != 'function') invalidOption('store', 'must be an IdempotencyStore');
  knownKeys(options, ['store', 'handle', 'prefix', 'retentionMs', 'leaseMs', 'bodyLimit', 'cors', 'allowCardLikeAt', 'sweepEveryMs', 'onError', 'telemetry']);
  if (typeof options.handle != 'function') invalidOption('handle', 'must be a function');
  const prefix = (options.prefix ?? '').replace(/\/+$/, '');
  if (prefix && !/^\/[\w\-./~]*$/.test(prefix)) invalidOption('prefix', 'must be a path starting with "/"');
  const retentionMs = positive('retentionMs', options.retentionMs, 72 * 3600_000);
  if (retentionMs < MIN_RETENTION_MS) {
    invalidOption('retentionMs', 'must be at least 24 h (86,400,000 ms), the SDK outbox retention');
  }
  const cors = options.cors;
  let corsSettings: Settings['cors'] = null;
  if (cors) {
    if (typeof cors != 'object') invalidOption('cors', 'must be an object');
    knownKeys(cors, ['origins', 'credentials', 'maxAgeSeconds', 'allowHeaders'], 'cors.');
    if (cors.credentials !== undefined && typeof cors.credentials != 'boolean') invalidOption('cors.credentials', 'must be true or false');
    const origins = cors.origins;
    if (typeof origins != 'function' && (!Array.isArray(origins) || origins.some((o) => typeof o != 'string'))) {
      invalidOption('cors.origins', 'must be an array of origins (strings) or a function');
    }
    const list = typeof origins == 'function' ? null : new Set(origins as readonly string[]);
    corsSettings = {
      allowed: list ? (o) => list.has(o) : (origins as (origin: string) => boolean),
      credentials: cors.credentials ?? false,
      maxAgeSeconds: positive('cors.maxAgeSeconds', cors.maxAgeSeconds, 600, 0),
      allowHeaders: strings('cors.allowHeaders', cors.allowHeaders, 'header names'),
    };
  }
  if (options.onError !== undefined && typeof options.onError != 'function') invalidOption('onError', 'must be a function');
  const onError: Settings['onError'] = quietly(options.onError);
  return {
    store: options.store,
    handle: options.handle as OrderHandler<unknown>,
    prefix,
    retentionMs,
    leaseMs: positive('leaseMs', options.leaseMs, 30_000, 10, MAX_LEASE_MS),
    bodyLimit: positive('bodyLimit', options.bodyLimit, 65_536),
    cors: corsSettings,
    allowCardLikeAt: strings('allowCardLikeAt', options.allowCardLikeAt, 'JSON paths such as a.b[*].c', isJsonPath),
    sweepEveryMs: positive('sweepEveryMs', options.sweepEveryMs, 600_000),
    onError,
    telemetry: options.telemetry ? loadTelemetry(checkTelemetry(options.telemetry), NO_TELEMETRY, (err) => onError(err, { phase: 'telemetry' })) : NO_TELEMETRY,
  };
}

/** The telemetry option's providers must be what they claim to be. */
function checkTelemetry(t: TelemetryOptions): TelemetryOptions {
  if (typeof t != 'object' || t === null) invalidOption('telemetry', 'must be an object');
  knownKeys(t, ['tracerProvider', 'meterProvider', 'propagator'], 'telemetry.');
  if (t.tracerProvider && typeof t.tracerProvider.getTracer != 'function') invalidOption('telemetry.tracerProvider', 'must be a TracerProvider');
  if (t.meterProvider && typeof t.meterProvider.getMeter != 'function') invalidOption('telemetry.meterProvider', 'must be a MeterProvider');
  if (t.propagator && typeof t.propagator.extract != 'function') invalidOption('telemetry.propagator', 'must be a TextMapPropagator');
  return t;
}
