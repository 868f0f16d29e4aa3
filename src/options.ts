import { fail } from './errors';
import { isJsonPath } from './guard/json';
import { LOOPBACK } from './loopback';
import { namespaceOption } from './namespace';
import type { Storage } from './storage';
import { isObject } from './storage/validate';
import { headerSetter, type EndpointHeaders } from './transport/headers';
import { RESERVED } from './transport/reserved';
import type { SendFetch } from './transport/http';
import type { Credentials, HeadersFunction, SteadyCartOptions, TuningOptions } from './types';

/** @internal An endpoint's request paths, its own or the instance's. */
export interface EndpointPaths {
  checkout: string;
  /** A template with `{key}` once. */
  lookup: string;
  health: string | false;
}

/** @internal An endpoint after validation. */
export interface Endpoint {
  /** Base URL without a trailing slash. */
  url: string;
  domain: string;
  paths: EndpointPaths;
  /** The instance's `headers`, then the endpoint's. */
  headers: EndpointHeaders;
}

/**
 * @internal The URL that looks an order up on `endpoint`; with `close`, the
 * lookup also closes the key there if it finds no record (`close=1`, see
 * `lookupQuery`). Validation leaves no query in either part (`endpointUrl`,
 * `PATH`), so the parameter always starts one.
 */
export const lookupUrl = (endpoint: Endpoint, key: string, close?: boolean): string =>
  endpoint.url + endpoint.paths.lookup.replace('{key}', encodeURIComponent(key)) + (close ? '?close=1' : '');

/** @internal Options with every default applied: the rest of the code never checks for `undefined`. */
export interface Config {
  endpoints: Endpoint[];
  budgetMs: number;
  /** Some endpoint's headers come from a function or are not storable: the service worker cannot send the orders. */
  replayNeedsPage: boolean;
  /** 0 when the outbox is off. */
  retentionMs: number;
  /** The configured worker; `null`: the one that controls the page, if any; `false`: none at all (`serviceWorker: false`). */
  worker: { url: string; scope?: string; offlineShell: boolean } | null | false;
  namespace: string;
  credentials: Credentials;
  allowCardLikeAt: string[];
  tuning: Required<TuningOptions>;
  /** The `fetch` every request goes through (tracing, fault drills); default the global one. Never stored. */
  fetch?: SendFetch;
  /** Told each new order's key synchronously, as `placeOrder` mints it (steadycart/otel). Never stored. */
  onNewOrder?: (id: string) => void;
  /** Drill mode: `sc.drill` exists. */
  drill: boolean;
}

/**
 * The tuning numbers: name, default, minimum (a number, or the tuning field
 * read before that bounds it) and maximum, read in this order.
 */
const TUNING: ReadonlyArray<[Exclude<keyof TuningOptions, 'hedge'>, number, number | 'minAttemptTimeoutMs' | 'openMs', number]> = [
  ['minAttemptTimeoutMs', 400, 50, 60_000],
  ['attemptTimeoutMs', 1500, 'minAttemptTimeoutMs', 120_000],
  ['hedgeDelayMs', 1000, 10, 120_000],
  ['openMs', 2000, 100, 600_000],
  ['maxOpenMs', 30_000, 'openMs', 3_600_000],
  ['retryTokens', 10, 1, 1000],
  ['retryTokenRatio', 0.1, 0, 1000],
];

/** @internal Throws `INVALID_OPTIONS` naming `path` unless `value` is an object (an array passes: where `knownKeys` follows, it refuses an index key). */
export function checkObject(value: unknown, path: string): asserts value is object {
  if (typeof value != 'object' || value === null) fail('INVALID_OPTIONS', 'must be an object', path);
}

/** Throws `INVALID_OPTIONS` for a key of `options` not in `keys` (space-separated): a misspelt option is never ignored. */
export function knownKeys(options: object, keys: string, path = ''): void {
  const unknown = Object.keys(options).find((key) => !keys.split(' ').includes(key));
  if (unknown) fail('INVALID_OPTIONS', 'is not an option', path + unknown);
}


/** @internal A finite number within bounds, else INVALID_OPTIONS naming `path`. */
export function number(value: unknown, fallback: number, min: number, max: number, path: string): number {
  if (value === undefined) return fallback;
  if (typeof value != 'number' || !(value >= min && value <= max)) {
    fail('INVALID_OPTIONS', `must be a number from ${min} to ${max}`, path);
  }
  return value as number;
}

function text<T extends string | false | undefined>(value: unknown, fallback: T, path: string, pattern = /^\S+$/, rule = 'must be a non-empty string without spaces'): string | T {
  if (value === undefined) return fallback;
  if (typeof value != 'string' || !pattern.test(value)) fail('INVALID_OPTIONS', rule, path);
  return value as string;
}

function bool(value: unknown, fallback: boolean, path: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value != 'boolean') fail('INVALID_OPTIONS', 'must be true or false', path);
  return value as boolean;
}

const PATH = /^\/[^\s?#]*$/;
const PATH_RULE = 'must be a path from /, without spaces, ? or #';

/** @internal Validates an endpoint URL per the wire contract: https, or http on loopback only. */
export function endpointUrl(value: unknown, path: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value as string);
  } catch {
    fail('INVALID_OPTIONS', 'must be an absolute URL', path);
  }
  const { protocol, hostname, username, password, href } = url!;
  if (protocol != 'https:' && !(protocol == 'http:' && LOOPBACK.includes(hostname))) {
    fail('INVALID_OPTIONS', 'must be https: (http: on localhost)', path);
  }
  // In the text: an empty query or fragment (`https://pay.example.com/?`) has no `search` or `hash`, yet moves the path.
  if (username || password || /[?#]/.test(href)) fail('INVALID_OPTIONS', 'must have no credentials, query or fragment', path);
  return href.replace(/\/+$/, '');
}

/** One `headers` option once validated; `storable`: the service worker may have it (no function, static values marked storable or none). */
type HeaderSet = EndpointHeaders & { storable: boolean };

/** Validates a `headers` option (see `HeadersOption`), naming `path` or the header under it. */
function headerSet(option: unknown, path: string): HeaderSet {
  if (typeof option == 'function') return { fixed: {}, fns: [headerSetter(option as HeadersFunction)], storable: false };
  const o = (option ?? {}) as Record<string, unknown>;
  const marked = typeof o.storable == 'boolean';
  const at = marked ? path + '.value' : path;
  const values = (marked ? o.value : o) as Record<string, unknown>;
  // Plain objects only: a Headers or a Map passes isObject and has no entries of its own, so its headers were dropped.
  if (!isObject(values) || Object.prototype.toString.call(values) != '[object Object]') fail('INVALID_OPTIONS', 'must be headers, { value, storable } or a function', at);
  const fixed: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (RESERVED.includes(name.toLowerCase())) fail('INVALID_OPTIONS', 'is set by steadycart itself', `${at}.${name}`);
    let settable;
    try {
      // A request checks the name and the value as fetch will, and drops a header no page may set (`Cookie`,
      // `Origin`, `Sec-*`: the backend would answer 401, and the order end rejected): refused, not lost.
      settable = new Request('http://h', { headers: { [name]: typeof value == 'string' ? value : '\0' } }).headers.has(name);
    } catch {}
    if (!settable) fail('INVALID_OPTIONS', 'must be a header a page may set, as a string', `${at}.${name}`);
    fixed[name.toLowerCase()] = value as string;
  }
  return { fixed, fns: [], storable: o.storable === true || !Object.keys(fixed).length };
}

/** Paths as options give them: a lookup given nowhere follows the endpoint's checkout path. */
type PathSet = Omit<EndpointPaths, 'lookup'> & { lookup?: string };

/** `paths` at `path` over `base`: each path given replaces the base's. */
function pathOptions(value: unknown, path: string, base: PathSet): PathSet {
  if (value === undefined) return base;
  if (!isObject(value)) fail('INVALID_OPTIONS', 'must be an object', path);
  const v = value as Record<string, unknown>;
  knownKeys(v, 'checkout lookup health', path + '.');
  const checkout = text(v.checkout, base.checkout, path + '.checkout', PATH, PATH_RULE).replace(/\/+$/, '') || fail('INVALID_OPTIONS', 'must not be /', path + '.checkout');
  const lookup = text(v.lookup, base.lookup, path + '.lookup', PATH, PATH_RULE);
  if (lookup !== undefined && lookup.split('{key}').length != 2) fail('INVALID_OPTIONS', 'must hold {key} once', path + '.lookup');
  const health = v.health === false ? false : text(v.health, base.health, path + '.health', PATH, PATH_RULE);
  return { checkout, lookup, health };
}

/**
 * Validates options and applies defaults. Throws `INVALID_OPTIONS` naming the
 * first offending field.
 * @internal
 */
export function normalizeOptions(options: SteadyCartOptions = {}): Config {
  if (!isObject(options)) fail('INVALID_OPTIONS', 'options must be an object', '');
  const o = options as Record<string, unknown>;
  knownKeys(o, 'endpoints budgetMs paths headers outbox serviceWorker namespace credentials allowCardLikeAt tuning drill');
  if (o.endpoints !== undefined && (!Array.isArray(o.endpoints) || !o.endpoints.length)) {
    fail('INVALID_OPTIONS', 'must list endpoints (or leave it out: cart-only)', 'endpoints');
  }
  const base = pathOptions(o.paths, 'paths', { checkout: '/checkout', health: '/health' });
  const baseHeaders = headerSet(o.headers, 'headers');
  let replayNeedsPage = false;
  const seen = new Set<string>();
  const endpoints = ((o.endpoints ?? []) as unknown[]).map((value, i): Endpoint => {
    const p = `endpoints[${i}]`;
    if (!isObject(value)) fail('INVALID_OPTIONS', 'must be an object', p);
    const e = value as Record<string, unknown>;
    knownKeys(e, 'url domain paths headers', p + '.');
    const url = endpointUrl(e.url, p + '.url');
    if (seen.has(url)) fail('INVALID_OPTIONS', 'is listed twice', p + '.url');
    seen.add(url);
    const own = headerSet(e.headers, p + '.headers');
    replayNeedsPage ||= !own.storable || !baseHeaders.storable;
    const { checkout, lookup, health } = pathOptions(e.paths, p + '.paths', base);
    return {
      url,
      domain: text(e.domain, new URL(url).origin, p + '.domain'),
      paths: { checkout, lookup: lookup ?? `${checkout}/{key}`, health },
      // An endpoint's static value wins a name the instance's functions also give: set again after them.
      headers: { fixed: { ...baseHeaders.fixed, ...own.fixed }, fns: [...baseHeaders.fns, ...(baseHeaders.fns[0] ? [async (_: unknown, _ms: number, h: Headers) => Object.entries(own.fixed).forEach(([n, v]) => h.set(n, v))] : []), ...own.fns] },
    };
  });

  const outbox = o.outbox ?? {};
  if (outbox !== false && !isObject(outbox)) fail('INVALID_OPTIONS', 'must be an object or false', 'outbox');
  if (outbox) knownKeys(outbox, 'retentionMs', 'outbox.');
  const retentionMs = outbox === false ? 0 : number((outbox as Record<string, unknown>).retentionMs, 86_400_000, 60_000, 30 * 86_400_000, 'outbox.retentionMs');

  let worker: Config['worker'] = o.serviceWorker === false ? false : null;
  const sw = o.serviceWorker ?? false;
  if (typeof sw == 'string') worker = { url: text(sw, '', 'serviceWorker'), offlineShell: false };
  else if (isObject(sw)) {
    knownKeys(sw, 'url scope offlineShell', 'serviceWorker.');
    worker = {
      url: text(sw.url ?? '', '', 'serviceWorker.url'),
      scope: text(sw.scope, undefined, 'serviceWorker.scope'),
      offlineShell: bool(sw.offlineShell, false, 'serviceWorker.offlineShell'),
    };
  }
  else if (sw !== false) fail('INVALID_OPTIONS', 'must be a URL string, an object or false', 'serviceWorker');

  const allow = o.allowCardLikeAt ?? [];
  if (!Array.isArray(allow) || !allow.every(isJsonPath)) fail('INVALID_OPTIONS', 'must be an array of JSON paths such as a.b[*].c', 'allowCardLikeAt');

  const t = (o.tuning ?? {}) as Record<string, unknown>;
  if (!isObject(t)) fail('INVALID_OPTIONS', 'must be an object', 'tuning');
  knownKeys(t, 'hedge ' + TUNING.map(([name]) => name).join(' '), 'tuning.');
  const tuning = { hedge: bool(t.hedge, true, 'tuning.hedge') } as Required<TuningOptions>;
  for (const [name, fallback, min, max] of TUNING) tuning[name] = number(t[name], fallback, typeof min == 'string' ? tuning[min] : min, max, 'tuning.' + name);

  return {
    endpoints,
    budgetMs: number(o.budgetMs, 3000, 100, 120_000, 'budgetMs'),
    replayNeedsPage,
    retentionMs,
    worker,
    namespace: namespaceOption(o.namespace),
    credentials: ['omit', 'same-origin', 'include'].includes(o.credentials as string) || o.credentials === undefined
      ? ((o.credentials as Credentials) ?? 'same-origin')
      : fail('INVALID_OPTIONS', 'must be omit, same-origin or include', 'credentials'),
    allowCardLikeAt: allow as string[],
    tuning,
    drill: bool(o.drill, false, 'drill'),
  };
}

/** The meta record under which the pages keep the configuration for the service worker. */
const CONFIG_ID = 'config';

/**
 * @internal The format of the stored configuration, which the worker replays
 * with as it is, unchecked (it carries no option validation): raised with every
 * change to what `Config` holds, so that a worker never replays with a
 * configuration another build's pages stored, nor with anything else found
 * under its id. test/browser/sw/config.test.ts pins it to the shape.
 */
export const CONFIG_FORMAT = 1;

/**
 * @internal Keeps the normalized configuration for the service worker, which
 * replays with it as it is, also after every page is closed.
 */
export function storeConfig(storage: Storage, config: Config): Promise<void> {
  // Functions cannot be stored, and headers the merchant did not mark storable must not be: with
  // either, the configuration is kept without headers, marked as one the worker cannot replay with.
  const { fetch: _fetch, onNewOrder: _onNewOrder, ...stored } = config;
  const headers = (e: Endpoint) => ({ fixed: config.replayNeedsPage ? {} : e.headers.fixed, fns: [] });
  return storage.put('meta', { id: CONFIG_ID, format: CONFIG_FORMAT, value: { ...stored, endpoints: config.endpoints.map((e) => ({ ...e, headers: headers(e) })) } }, 'relaxed');
}

/**
 * @internal The configuration the pages stored, or `undefined` when there is
 * none of this build's format, or when its orders need a page (`replayNeedsPage`).
 */
export async function storedConfig(storage: Storage): Promise<Config | undefined> {
  const stored = await storage.get('meta', CONFIG_ID);
  const config = stored?.value as Config | undefined;
  return stored?.format === CONFIG_FORMAT && config?.replayNeedsPage === false ? config : undefined;
}
