import type { DrillApi, DrillEvent, DrillState, Drilled } from './drill/types';

/** A JSON value: what an order, a cart item's `meta` and a server body may hold. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The keys of `T` that may be left out (used by {@link JsonShaped}). */
export type OptionalKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? K : never }[keyof T];

/**
 * `T` where it is JSON as it is, `never` where it is not: a `Date`, a
 * function, a class instance with methods, `undefined`, a `bigint` or a
 * `symbol`. Unlike {@link Json}, it accepts interfaces (which have no index
 * signature); `unknown` is left to the run-time check, which also refuses
 * an instance of a class without methods (`INVALID_ORDER`, "must be a plain
 * object"): only plain objects and lists are JSON to it.
 */
export type JsonLike<T> = unknown extends T
  ? T
  : T extends string | number | boolean | null
  ? T
  : T extends Date | bigint | symbol | ((...args: never[]) => unknown)
    ? never
    : T extends readonly (infer U)[]
      ? readonly JsonLike<U>[]
      : T extends object
        ? JsonShaped<T>
        : never;

/**
 * An object whose every member is JSON: what `placeOrder` accepts (`TOrder
 * extends JsonShaped<TOrder>`). An optional member may be left out (JSON
 * drops it); a required one may not hold `undefined`.
 */
export type JsonShaped<T> = { [K in keyof T]: K extends OptionalKeys<T> ? JsonLike<Exclude<T[K], undefined>> | undefined : JsonLike<T[K]> };

/** One checkout endpoint of the merchant's backend (docs/backend-contract.md). */
export interface EndpointOptions {
  /**
   * Base URL, `https:` (plain `http:` only for localhost, 127.0.0.1 and
   * [::1]). steadycart speaks of it as the URL parser writes it, without a
   * trailing slash (`https://Pay.example.com:443/api/` is
   * `https://pay.example.com/api`): in `health()`, in events and in a
   * `headers` function's `endpoint`.
   */
  url: string;
  /**
   * Idempotency domain: endpoints that share one idempotency-key store.
   * Default: the endpoint's URL's origin, so every endpoint on an origin of
   * its own is its own domain; endpoints on one origin (different base paths)
   * share one unless each is given its own.
   */
  domain?: string | undefined;
  /** This endpoint's request paths; each one given overrides the instance's `paths`. */
  paths?: PathOptions | undefined;
  /**
   * Extra request headers for this endpoint, sent after the instance's
   * `headers` (a name in both takes this endpoint's value).
   */
  headers?: HeadersOption | undefined;
}

/** Request paths, on every endpoint or on one (docs/backend-contract.md). */
export interface PathOptions {
  /** Where orders are POSTed. Default `/checkout`. */
  checkout?: string | undefined;
  /**
   * Where an order is looked up by its key: a template in which `{key}`
   * (once) stands for the idempotency key, for example `/orders/by-key/{key}`.
   * Default: the checkout path, then `/{key}`.
   */
  lookup?: string | undefined;
  /** Health route for circuit probes, or `false` to probe with a lookup of a random key. Default `/health`. */
  health?: string | false | undefined;
}

/** What a `headers` function is told about the request it makes headers for. */
export interface RequestContext {
  /** Base URL of the endpoint the request goes to. */
  endpoint: string;
  /** `order`: the order's POST (a hedged copy too); `lookup`: a status lookup by key; `health`: a circuit probe. */
  kind: 'order' | 'lookup' | 'health';
  /** The order's `Steadycart-Attempt` count in this context, lookups included; 1 for a probe. */
  attempt: number;
  /** Whether a page or the service worker sends the request. */
  context: 'page' | 'worker';
}

/**
 * `fetch`'s credentials mode: the DOM's `RequestCredentials`, spelt out so
 * that these types compile without the DOM library (in Node code, say).
 */
export type Credentials = 'omit' | 'same-origin' | 'include';

/** A `Headers` object (of some `fetch` implementation), by the methods it is known by. */
export interface HeadersLike {
  /** The value of a header, or `null`. */
  get(name: string): string | null;
  /** Whether a header is set. */
  has(name: string): boolean;
  /** Calls `callback` with each header's value and name. */
  forEach(callback: (value: string, name: string) => void): void;
}

/**
 * Request headers as `new Headers(value)` takes them: a record of names to
 * values, a list of `[name, value]` pairs, or a `Headers` object. Where the
 * project has a `Headers` class (the DOM library, WebWorker's, Node's types)
 * it is exactly what its constructor takes (the DOM's `HeadersInit`);
 * without one, so that these types need no DOM library, any iterable of
 * pairs or {@link HeadersLike} object too.
 */
export type HeadersInput = typeof globalThis extends { Headers: new (init: infer I) => unknown }
  ? Exclude<I, undefined>
  : Record<string, string> | Iterable<readonly [string, string]> | HeadersLike;

/**
 * Makes a request's extra headers, called before every request (a bearer
 * or CSRF token that expires is then fresh on each attempt). When it throws,
 * rejects, takes longer than the attempt's timeout or returns a name
 * steadycart sets itself, that request is not sent: the attempt fails with
 * the code `headers` and the order stays in the outbox. Its time counts within
 * the attempt's timeout, and in the latency from which later timeouts are set.
 */
export type HeadersFunction = (request: RequestContext) => HeadersInput | Promise<HeadersInput>;

/** Static headers the merchant allows steadycart to keep in IndexedDB, so the service worker can send them too. */
export interface StorableHeaders {
  /** The headers, by name. */
  value: Record<string, string>;
  /** `true`: kept with the configuration for the service worker's replays. */
  storable: boolean;
}

/**
 * Extra request headers (`Authorization`, a CSRF token, a shop id):
 * - a plain object of static values, sent by pages only and never stored;
 * - `{ value, storable: true }`: static values also kept in IndexedDB, so the
 *   service worker replays with them;
 * - a {@link HeadersFunction}, called for every request.
 *
 * With a function or unstored values on any endpoint, the service worker
 * leaves waiting orders to a page (`health().replayNeedsPage`, the
 * `replay:needs-page` event); a worker of the merchant's own given them in
 * `installSteadyCart(self, { config })` sends them itself. `Idempotency-Key`,
 * `Steadycart-Attempt` and `Content-Type` are steadycart's own and cannot be
 * set here, nor can a header no page may set (`Cookie`, `Origin`, `Sec-*`),
 * which `fetch` drops (`INVALID_OPTIONS` at creation for static values).
 */
export type HeadersOption = Record<string, string> | StorableHeaders | HeadersFunction;

/** Fine-tuning for failover; the defaults suit most shops. */
export interface TuningOptions {
  /** Attempt timeout for an endpoint with no latency history. Default 1500 ms. */
  attemptTimeoutMs?: number | undefined;
  /** Never time an attempt out sooner than this, whatever the history. Default 400 ms. An attempt the order's budget ends sooner teaches its circuit nothing. */
  minAttemptTimeoutMs?: number | undefined;
  /** Send a hedged copy to the next endpoint of the same domain past this delay when there is no latency history. Default 1000 ms. Set `hedge: false` to disable. */
  hedgeDelayMs?: number | undefined;
  /** Whether pages hedge at all (the service worker's background replays never do). Default true. */
  hedge?: boolean | undefined;
  /** First delay before an open circuit is probed again; doubles up to `maxOpenMs`. Default 2000 ms. */
  openMs?: number | undefined;
  /** Longest delay between probes of an open circuit. Default 30000 ms. */
  maxOpenMs?: number | undefined;
  /** Retry budget size (gRPC retryThrottling `maxTokens`). Default 10. */
  retryTokens?: number | undefined;
  /** Tokens regained per success (gRPC `tokenRatio`). Default 0.1. */
  retryTokenRatio?: number | undefined;
}

/** Options of {@link createSteadyCart}. */
export interface SteadyCartOptions {
  /** Checkout endpoints, tried in this order. May be omitted on pages that only use the cart. */
  endpoints?: readonly EndpointOptions[] | undefined;
  /**
   * Time `placeOrder` spends trying online before the order waits in the outbox. Default 3000 ms.
   * Keep it well above `tuning.minAttemptTimeoutMs` (400 ms): a silent endpoint's attempt that the
   * budget cuts shorter teaches its circuit nothing, so every order would try it first again. The
   * order's write to IndexedDB, before its first request, is part of it too.
   */
  budgetMs?: number | undefined;
  /** Request paths on every endpoint. */
  paths?: PathOptions | undefined;
  /** Extra request headers on every endpoint, for example `Authorization`. */
  headers?: HeadersOption | undefined;
  /**
   * Outbox settings, or `false` to never queue (an order that cannot be placed
   * now then `failed`; one whose attempt was in doubt, `network`, `timeout` or
   * `http`, may have been charged). `retentionMs`: how long a waiting order is kept and
   * replayed before it is `expired`, 60,000 ms (1 min) to 30 days. Default 24 h
   * (86,400,000 ms). The backend must keep each key's outcome at least this
   * long (`steadycart/server`'s `retentionMs`, 72 h by default): a key it has
   * forgotten runs a replayed order again.
   */
  outbox?: { retentionMs?: number | undefined } | false | undefined;
  /**
   * URL of the steadycart service worker (for example `/steadycart-sw.js`).
   * Left out, steadycart works with the shop's own worker that controls the
   * page, if any: it registers the replay's Background Sync on it and lets a
   * waiting update take over (`SKIP_WAITING`) only while no order is in
   * flight. `false`: page-only operation, and steadycart leaves every worker
   * alone (no sync, no `SKIP_WAITING`; for a shop that prompts before an
   * update). With `offlineShell`, the worker also keeps this origin's pages
   * and assets so that a reload while offline still shows the shop and its cart.
   */
  serviceWorker?:
    | string
    | false
    | {
        /** The worker's URL, as for the string form. */
        url: string;
        /** Its registration scope. Default: the browser's, the folder of `url`. */
        scope?: string | undefined;
        /** Also keep this origin's pages and assets for an offline reload. Default `false`. */
        offlineShell?: boolean | undefined;
      }
    | undefined;
  /**
   * Names the database, channel and locks, so that two independent carts can
   * live on one origin. Default `steadycart`.
   */
  namespace?: string | undefined;
  /** `fetch` credentials mode for requests to the endpoints (cookies). Default `same-origin`. */
  credentials?: Credentials | undefined;
  /** JSON paths (for example `giftCard.reference`) allowed to hold a card-like number. */
  allowCardLikeAt?: readonly string[] | undefined;
  /** Failover tuning. */
  tuning?: TuningOptions | undefined;
  /**
   * Drill mode: `true` adds `sc.drill`, to rehearse an outage in this page
   * only (docs/drills.md). Default `false`: no drill can be started at all.
   */
  drill?: boolean | undefined;
}

/** A line of the cart. */
export interface CartItem {
  /** Stock-keeping unit: the line's identity; 1 to 200 characters. */
  sku: string;
  /** Display name. */
  name: string;
  /** Price of one unit in integer minor units (cents). */
  unitPrice: number;
  /** ISO 4217 code; one currency per cart. */
  currency: string;
  /** 1 to 999. */
  qty: number;
  /** Any JSON the shop wants to keep with the line (image, variant...). */
  meta?: Json;
}

/** The input of `cart.add`: `qty` defaults to 1; `meta` may be of the shop's own JSON type (an interface too). */
export type NewCartItem<TMeta = Json> = Omit<CartItem, 'qty' | 'meta'> & {
  /** Units to add, 1 to 999. Default 1. */
  qty?: number | undefined;
  /** Any JSON the shop wants to keep with the line. */
  meta?: TMeta | undefined;
};

/** A line an order took (`removeOrdered`): its SKU and how many units, 1 to 999. An order's cart items will do. */
export interface OrderedLine {
  /** The line's SKU. */
  sku: string;
  /** Units the order took, 1 to 999. */
  qty: number;
}

/** A snapshot of the cart. */
export interface Cart {
  /** The lines, in the order they were first added. */
  items: CartItem[];
  /** The cart's currency, `null` while empty. */
  currency: string | null;
  /** Number of units. */
  count: number;
  /** Sum of `unitPrice * qty`, in minor units. */
  subtotal: number;
  /** Last change, in ms since the epoch (0 for a cart never written). */
  updatedAt: number;
}

/** The merchant server's answer that settled an order. */
export interface ServerResult<TBody = Json> {
  /** HTTP status (2xx confirmed, 4xx rejected), also when it came from a lookup. */
  status: number;
  /** The server's JSON body: `null` when empty, the text as it came when not JSON (a gateway's HTML page, say). */
  body: TBody;
  /** URL of the endpoint that answered. */
  endpoint: string;
}

/**
 * Why an order is not (yet) placed, as kept in results and outbox entries.
 * - `network`: the request failed before an answer (refused, reset, offline); ambiguous.
 * - `timeout`: no answer within the attempt's timeout; ambiguous.
 * - `http`: the server answered a status that settles nothing yet (`status` says which).
 * - `aborted`: the caller's `AbortSignal` fired.
 * - `unreachable`: every endpoint was down or skipped; nothing was answered.
 * - `token-expired`: the payment token expired before the order could be sent.
 * - `expired`: the entry was kept past the outbox retention.
 * - `corrupt`: the stored record could not be trusted and was quarantined.
 * - `IDEMPOTENCY_MISMATCH`: the server saw this key with another body (422).
 * - `key-closed`: every domain the order may go to closed its key (a lookup
 *   there found no record): it was processed nowhere and never will be under
 *   this key, so it is `failed`; nothing was charged, and placing it again
 *   makes a new order with a new key.
 * - `headers`: the `headers` option gave no usable headers for a request
 *   (its function threw or was too slow, or it named a header steadycart
 *   sets itself); that request was not sent.
 * - `internal`: a replay stopped on an unexpected error (a browser API that
 *   refused, a bug); `message` names it. Only in `replay:error` and
 *   `health().lastReplayError`, never in an order's result.
 */
export type FailureCode =
  | 'network'
  | 'timeout'
  | 'http'
  | 'aborted'
  | 'unreachable'
  | 'token-expired'
  | 'expired'
  | 'corrupt'
  | 'IDEMPOTENCY_MISMATCH'
  | 'key-closed'
  | 'headers'
  | 'internal';

/** A failure's description, as kept in results and the outbox. */
export interface ErrorInfo {
  /** What went wrong: see {@link FailureCode}. */
  code: FailureCode;
  /** A sentence for logs and support, in English; may change between versions (match on `code`). */
  message: string;
  /** HTTP status, when the failure was an answer. */
  status?: number;
  /** When it happened (ms since the epoch). */
  at: number;
}

/** What every {@link OrderResult} has. */
export interface OrderResultBase {
  /** The outbox entry's id, which is also the order's idempotency key. */
  id: string;
  /** Requests sent for this order by this call (orders, hedges and lookups). */
  attempts: number;
  /** Time this call took. */
  elapsedMs: number;
}

/**
 * What `placeOrder` resolves with, by `status`:
 * - `confirmed`: the server took the order (2xx, or a lookup found it);
 *   `result.body` is its answer, of the type given as `TResponse` (which
 *   steadycart does not check: it is the server's JSON as it came).
 * - `pending`: not confirmed yet; kept in the outbox and placed later. Never show it as confirmed.
 * - `rejected`: the server refused it (a declined card, an invalid order); `result` says why.
 * - `failed`: can never succeed by waiting (a 422 key mismatch, a key closed in every domain, or no outbox to keep it in).
 *   Only `key-closed` says nothing was charged: without an outbox, an attempt in doubt may have been.
 */
export type OrderResult<TResponse = Json> =
  | (OrderResultBase & {
      /** The server took the order. */
      status: 'confirmed';
      /** Its answer. */
      result: ServerResult<TResponse>;
      error?: undefined;
    })
  | (OrderResultBase & {
      /** The server refused the order. */
      status: 'rejected';
      /** Its answer, which says why. */
      result: ServerResult;
      error?: undefined;
    })
  | (OrderResultBase & {
      /** `pending`: kept, to be placed later; `failed`: it never can be. */
      status: 'pending' | 'failed';
      /** No server answer settled the order. */
      result?: undefined;
      /** Why the order is `pending` or `failed`. */
      error?: ErrorInfo;
    });

/** Per-call options of `placeOrder`. */
export interface PlaceOrderOptions {
  /**
   * When the payment token stops working (ms since the epoch or a Date; a
   * time in seconds, as some payment APIs give it, is refused: it would read
   * as 1970). No
   * order is sent after it, not even later in this call (the call then ends
   * `pending` with the error code `token-expired`); the order moves to
   * `needs-payment` without a request, or after a lookup where it may have
   * been processed. It is read on this device's clock, which may be minutes
   * or hours off: give the token's time left from now, as your server or
   * PSP measured it (`Date.now() + remainingMs`), not the PSP's own time stamp.
   */
  paymentTokenExpiresAt?: number | Date | undefined;
  /** Overrides the instance's `budgetMs` for this call. */
  budgetMs?: number | undefined;
  /**
   * Stops trying online; the order stays in the outbox as `pending` (with
   * `outbox: false`, it ends `failed`, maybe charged if a request had left). Already aborted when the call is
   * made, the call rejects `ABORTED` and nothing is stored.
   */
  signal?: AbortSignal | undefined;
}

/** Options of {@link OutboxApi.resubmit}: the new payment, and `placeOrder`'s per-call options for it. */
export interface ResubmitOptions extends PlaceOrderOptions {
  /**
   * The new payment (a PSP token object, for example `{ token: 'pm_…' }`):
   * it replaces the order's top-level `payment` field. Checked like an order
   * (JSON, no card data); `paymentTokenExpiresAt` is this payment's expiry.
   */
  payment: object;
}

/** States of an outbox entry. */
export type OutboxStatus =
  | 'sending'
  | 'pending'
  | 'confirmed'
  | 'rejected'
  | 'needs-payment'
  | 'expired'
  | 'failed';

/** An order as the outbox keeps it; `TOrder` is the shop's order type (not checked: the order as stored). */
export interface OutboxEntry<TOrder = Json> {
  /** Idempotency key. */
  id: string;
  /** Where the order stands (see {@link OutboxStatus}). */
  status: OutboxStatus;
  /** The order, as it was sent. */
  order: TOrder;
  /** When the order was placed (ms since the epoch). */
  createdAt: number;
  /** When the entry last changed (ms since the epoch). */
  updatedAt: number;
  /** Requests sent for this order, by every context: stored with each run's outcome, so a run under way counts once it ends. */
  attempts: number;
  /** Why the last attempt did not settle the order, if it did not. */
  lastError?: ErrorInfo;
  /** The server's answer that settled the order (`confirmed`, `rejected`). */
  result?: ServerResult;
  /** Payment token expiry, when the page gave one. */
  paymentTokenExpiresAt?: number;
  /** The `needs-payment` order this one pays again for (see {@link OutboxApi.resubmit}). */
  replaces?: string;
  /**
   * The order that paid again for this one. Set only on a `needs-payment`
   * entry, which stays `needs-payment` and is never sent again: show the
   * shopper the order it names instead.
   */
  replacedBy?: string;
}

/** Circuit state of an endpoint. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** What the SDK knows of an endpoint. */
export interface EndpointHealth {
  /** The endpoint's URL, as the URL parser writes it, without a trailing slash (see {@link EndpointOptions.url}). */
  url: string;
  /** Its idempotency domain. */
  domain: string;
  /** `closed`: in use; `open`: sent no orders until it is probed; `half-open`: being probed. */
  state: CircuitState;
  /**
   * Median latency in ms of the last 20 answers this endpoint gave to orders
   * (lookups and 409 "in progress" answers are not counted), `null` before the first.
   */
  latencyMs: number | null;
  /** 95th percentile of the same samples, `null` before 5 of them. */
  p95Ms: number | null;
  /** Consecutive failures. */
  failures: number;
  /** When an open circuit is next probed (ms since the epoch). */
  retryAt?: number;
  /** The last failure this endpoint gave. */
  lastError?: ErrorInfo;
}

/** `health()` snapshot, for dashboards and support. */
export interface Health {
  /** `memory` when IndexedDB is missing or broken: the SDK works but nothing survives a reload. */
  storage: 'indexeddb' | 'memory';
  /** Why storage is `memory` (the browser's error), when it is. */
  storageError?: string;
  /** Service worker: `none` (not configured), `registering` (until a worker is active: on a first visit, until it has installed), `active`, or `failed` (page-only replay). */
  worker: 'none' | 'registering' | 'active' | 'failed';
  /** Each configured endpoint, in the configured order. */
  endpoints: EndpointHealth[];
  /** Messages from other tabs or the worker dropped as malformed (or, while the instance was starting, beyond its queue). */
  droppedMessages: number;
  /** Tokens left in the retry budget. */
  retryTokens: number;
  /** The drill running in this page (drill mode only). */
  drill?: DrillState;
  /**
   * `true` when a `headers` option is a function or not storable: the
   * service worker cannot send this instance's orders (unless it was given a
   * `config` of its own with headers, which the page cannot know), so an order left
   * waiting is placed when a page of the shop is open (also told by a
   * `replay:needs-page` event).
   */
  replayNeedsPage: boolean;
  /**
   * Why the page's last replay of the outbox failed (also told by a
   * `replay:error` event); absent once a later replay works. Waiting orders
   * are replayed again by the next trigger.
   */
  lastReplayError?: ErrorInfo;
}

/** Detail of every `order:*` event (`drill: true` while a drill runs in this page). */
export interface OrderEvent extends Drilled {
  /** The order's outbox id (its idempotency key). */
  id: string;
  /** Its new status. */
  status: OutboxStatus;
  /** The server's answer that settled it, for `confirmed` and `rejected`. */
  result?: ServerResult;
  /** Why it is not confirmed, where there is a reason. */
  error?: ErrorInfo;
}

/** Every event `on` can subscribe to, and its detail. */
export interface SteadyCartEvents {
  /** The cart changed, in this tab or another. */
  cart: Cart;
  /** A request for an order is about to leave. */
  attempt: {
    /** The order's outbox id. */
    id: string;
    /** The URL the request goes to. */
    endpoint: string;
    /** Requests this page has sent for the order, this one included (its `Steadycart-Attempt`). */
    attempt: number;
    /** The order itself, a hedge (the same order to another endpoint of the domain), or a lookup. */
    kind: 'order' | 'hedge' | 'lookup';
  } & Drilled;
  /** An order moved on to another endpoint. */
  failover: {
    /** The order's outbox id. */
    id: string;
    /** The endpoint it left. */
    from: string;
    /** The endpoint it goes to. */
    to: string;
    /** Why, in words (the failure's message): for logs, not to match on. */
    reason: string;
  } & Drilled;
  /** An endpoint's circuit changed state (in any tab). */
  'endpoint:state': EndpointHealth & Drilled;
  /** An order is being sent (by this tab, another, or the worker). */
  'order:sending': OrderEvent;
  /** An order is kept in the outbox, to be placed later: not confirmed. */
  'order:pending': OrderEvent;
  /** An order is confirmed by the server. */
  'order:confirmed': OrderEvent;
  /** The server refused an order (a declined card, an invalid order). */
  'order:rejected': OrderEvent;
  /** An order can never succeed by waiting (see {@link OutboxStatus}). */
  'order:failed': OrderEvent;
  /** An order's payment token ran out before it could be sent: pay again (`outbox.resubmit`). */
  'order:needs-payment': OrderEvent;
  /** An order waited past its retention and is no longer tried. */
  'order:expired': OrderEvent;
  /** Every `order:` event above, whatever the status (the detail's `status` says which). */
  'order:*': OrderEvent;
  /** IndexedDB is unusable; the SDK continues in memory. */
  'storage:degraded': {
    /** The browser's error, in words. */
    reason: string;
  };
  /** A stored record was malformed or tampered with: it was quarantined (an order) or dropped (a cart line), never acted on. */
  'storage:corrupt': {
    /** Where the record was. */
    store: 'outbox' | 'cart';
    /** The outbox entry's id, for an order. */
    id?: string;
    /** What was wrong with it, in words. */
    reason: string;
  };
  /** The service worker's state changed. */
  'worker:state': {
    /** The new state, as `health().worker` says it. */
    state: Health['worker'];
    /** Why, for `failed` (the browser's error, or that this page has no service workers). */
    reason?: string;
  };
  /**
   * A replay of the outbox by this page failed before it could finish (code
   * `internal`); the waiting orders stay in the outbox and the next trigger
   * replays them. Also kept as `health().lastReplayError`.
   */
  'replay:error': ErrorInfo;
  /** A drill started or ended in this page (drill mode only). */
  drill: DrillEvent;
  /**
   * An order was left waiting that only a page can place, since its
   * requests need headers the service worker does not have (see
   * `health().replayNeedsPage`): it goes when a page of the shop is open.
   */
  'replay:needs-page': {
    /** The waiting order's outbox id. */
    id: string;
    /** Why only a page can send it: its `headers`. */
    reason: 'headers';
  };
}

/** `sc.cart`: the persistent cart shared by every tab. */
export interface CartApi {
  /** The cart as stored now. */
  get(): Promise<Cart>;
  /**
   * Adds a line, or adds `qty` (default 1) to the line with the same SKU,
   * which takes this item's `name`, `unitPrice` and `meta`. Resolves once stored.
   */
  add<TMeta extends JsonShaped<TMeta> = Json>(item: NewCartItem<TMeta>): Promise<Cart>;
  /** Sets a line's quantity (1 to 999); `ITEM_NOT_FOUND` when the SKU is not in the cart. */
  setQuantity(sku: string, qty: number): Promise<Cart>;
  /**
   * Removes a line; with `qty` (1 to 999), removes that many units of it, and
   * the line when no more are left. One transaction, like every change: a
   * unit another tab adds meanwhile is kept. Removing a SKU that is not there
   * is not an error.
   */
  remove(sku: string, qty?: number): Promise<Cart>;
  /** Empties the cart. */
  clear(): Promise<Cart>;
  /**
   * Calls `listener` now, then after every change in any tab; returns the
   * unsubscribe function. What a listener throws stops no other listener: it
   * is surfaced asynchronously, as an uncaught error of the page.
   */
  subscribe(listener: (cart: Cart) => void): () => void;
  /**
   * The cart now, synchronously: the same object until the cart changes (in
   * any tab), so it can feed `useSyncExternalStore` or any framework's render
   * directly. Treat it as read-only.
   */
  snapshot(): Cart;
}

/**
 * `sc.cart` of the full SDK: the cart calls, plus taking an order's lines out
 * of the cart once (steadycart/cart, on product pages, has the cart calls alone).
 */
export interface CheckoutCartApi extends CartApi {
  /**
   * Takes an order's lines out of the cart, once per order in every tab:
   * removes each line's `qty` units (the line when none is left) and records
   * `id` (the order's), in one transaction. A call for an order already
   * recorded writes nothing (no change, no `subscribe` call, no message to the
   * other tabs) and resolves with the cart as stored, so the tab that placed the order and every tab
   * that follows it (after a reload, say) may each call it; and the lines
   * leave together or not at all. A unit another tab added meanwhile stays.
   * Call it once the order is kept (`confirmed` or `pending`), with the lines
   * it took. The last 50 orders taken out are recorded, with the cart.
   *
   * Throws `INVALID_ITEM` naming the field (`id`, `lines`, `lines[0].qty`…)
   * and writes nothing for bad input.
   *
   * @example
   * ```ts
   * const r = await sc.placeOrder(order);
   * if (r.status == 'confirmed' || r.status == 'pending') await sc.cart.removeOrdered(r.id, order.items);
   * ```
   */
  removeOrdered(id: string, lines: readonly OrderedLine[]): Promise<Cart>;
}

/** What `outbox.snapshot()` returns: the same object until an entry changes. Treat it as read-only. */
export interface OutboxSnapshot<TOrder = Json> {
  /** Every entry, oldest first, as `list()` gives them (an entry a replay is sending shows `sending`). */
  readonly entries: readonly OutboxEntry<TOrder>[];
  /** `false` until the outbox has been read once: the first `snapshot()` or `subscribe()` starts that read. */
  readonly loaded: boolean;
}

/** `sc.outbox`: orders waiting or recently finished, as every tab sees them. */
export interface OutboxApi {
  /** Every entry, oldest first. */
  list<TOrder = Json>(): Promise<OutboxEntry<TOrder>[]>;
  /**
   * Replays a `pending` entry now, ignoring its backoff (not a 409's
   * `Retry-After`: the key is still running there); resolves with the entry
   * as it then is. `NOT_FOUND` for an unknown id, or one discarded meanwhile.
   */
  retry<TOrder = Json>(id: string): Promise<OutboxEntry<TOrder>>;
  /**
   * Removes an entry that is not in flight, so it is never replayed; `false` when there is none or it is in flight.
   * A `pending` entry with `attempts` may have reached the store: once discarded, it is never looked up, and
   * nothing tells whether it was charged.
   */
  discard(id: string): Promise<boolean>;
  /**
   * Pays again for an order in `needs-payment` (its payment token expired
   * before any backend processed it): places the same order with the new
   * `payment` under a new idempotency key, as `placeOrder` does, and resolves
   * as `placeOrder` does. The new entry's `replaces` names the old one and the
   * old one's `replacedBy` the new one, both written with the new order's
   * write-ahead in one transaction: the old order stays `needs-payment` and is
   * never sent again, and it can be paid again only once, in any tab.
   *
   * Throws `NOT_FOUND` for an unknown id, `NOT_RESUBMITTABLE` when the entry
   * is not in `needs-payment`, was already paid again, or is a copy kept in
   * memory since the database could not be opened (a newer build upgraded
   * it: reload to pay again), and as `placeOrder` does for bad input (`CARD_DATA`, `INVALID_OPTIONS`…).
   *
   * @example
   * ```ts
   * sc.on('order:needs-payment', async ({ id }) => {
   *   const { token, expiresAt } = await askForPaymentAgain();
   *   const result = await sc.outbox.resubmit(id, { payment: { token }, paymentTokenExpiresAt: expiresAt });
   *   show(result); // confirmed, pending, rejected or failed, as from placeOrder
   * });
   * ```
   */
  resubmit(id: string, options: ResubmitOptions): Promise<OrderResult>;
  /**
   * The outbox now, synchronously: the same object until an entry changes,
   * in any tab or the service worker. The first call starts reading the
   * outbox (`loaded` is `false` until then); every later change is kept.
   */
  snapshot(): OutboxSnapshot;
  /**
   * Calls `listener` now, then after every change of {@link OutboxApi.snapshot};
   * returns the unsubscribe function. What a listener throws stops no other
   * listener: it is surfaced asynchronously, as an uncaught error of the page.
   */
  subscribe(listener: (snapshot: OutboxSnapshot) => void): () => void;
}

/** A steadycart instance, from {@link createSteadyCart}. */
export interface SteadyCart {
  /** The persistent, cross-tab cart. */
  readonly cart: CheckoutCartApi;
  /** The outbox of orders placed later. */
  readonly outbox: OutboxApi;
  /**
   * Places an order: tries online within the budget, failing over across
   * endpoints and domains without ever risking a double charge, and keeps it
   * in the outbox when it cannot finish now. Throws only for bad input
   * (`INVALID_ORDER`, `CARD_DATA`, `INVALID_OPTIONS`, `NO_ENDPOINTS`, `ABORTED`)
   * and after `close()` (`CLOSED`); every other outcome resolves with a status.
   *
   * A call whose order serializes to the same bytes as one this instance is
   * still placing joins it (a double-click on Pay): it resolves with that
   * call's result, the same order and id, and sends nothing of its own. Once
   * that call has resolved, the same bytes are a new order: give an order
   * something of its own (your order reference) to tell two apart.
   *
   * `TOrder` is inferred from the order, which must be JSON at compile time
   * (a `Date` or a function member does not compile); `TResponse` is the
   * type of the server's body in a confirmed result.
   *
   * @example
   * ```ts
   * const r = await sc.placeOrder<Order, Receipt>(order);
   * if (r.status == 'confirmed') showReceipt(r.result.body); // a Receipt
   * ```
   */
  placeOrder<TOrder extends object & JsonShaped<TOrder>, TResponse = Json>(order: TOrder, options?: PlaceOrderOptions): Promise<OrderResult<TResponse>>;
  /** A snapshot of storage, the service worker and every endpoint's circuit. */
  health(): Health;
  /** Drill mode: present only on an instance created with `drill: true`. */
  readonly drill?: DrillApi;
  /** Subscribes to an event (`order:*`: every order event); returns the unsubscribe function. */
  on<K extends keyof SteadyCartEvents>(type: K, listener: (detail: SteadyCartEvents[K]) => void): () => void;
  /**
   * Releases connections, channels, timers and listeners. Later calls throw
   * `CLOSED`, except `snapshot()` and `health()`. An order whose request is already under way settles with that
   * request's answer, which is stored as usual (on a connection opened for
   * that write and closed after it: a closed instance holds none); nothing
   * more is sent for it from this instance (no hedge, retry or lookup), and
   * if it still waits, the next instance or the service worker places it.
   */
  close(): void;
}
