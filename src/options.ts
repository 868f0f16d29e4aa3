import { fail } from './errors';
import type { Storage } from './storage';
import type { SendFetch } from './transport/http';
import type { SteadyCartOptions, TuningOptions } from './types';

/** @internal An endpoint after validation. */
export interface Endpoint {
  /** Base URL without a trailing slash. */
  url: string;
  domain: string;
}

/** @internal Options with every default applied: the rest of the code never checks for `undefined`. */
export interface Config {
  endpoints: Endpoint[];
  budgetMs: number;
  checkoutPath: string;
  healthPath: string | false;
  /** 0 when the outbox is off. */
  retentionMs: number;
  worker: { url: string; scope?: string; offlineShell: boolean } | null;
  namespace: string;
  credentials: RequestCredentials;
  allowCardLikeAt: string[];
  tuning: Required<TuningOptions>;
  /** The `fetch` every request goes through (tracing, fault drills); default the global one. Never stored. */
  fetch?: SendFetch;
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v == 'object' && v !== null && !Array.isArray(v);

/** @internal A finite number within bounds, else INVALID_OPTIONS naming `path`. */
export function number(value: unknown, fallback: number, min: number, max: number, path: string): number {
  if (value === undefined) return fallback;
  if (typeof value != 'number' || !(value >= min && value <= max)) {
    fail('INVALID_OPTIONS', `must be a number from ${min} to ${max}`, path);
  }
  return value as number;
}

function text(value: unknown, fallback: string, path: string, pattern = /^\S+$/): string {
  if (value === undefined) return fallback;
  if (typeof value != 'string' || !pattern.test(value)) fail('INVALID_OPTIONS', 'must be a non-empty string without spaces', path);
  return value as string;
}

function bool(value: unknown, fallback: boolean, path: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value != 'boolean') fail('INVALID_OPTIONS', 'must be true or false', path);
  return value as boolean;
}

const PATH = /^\/[^\s?#]*$/;

/** @internal Validates an endpoint URL per PROTOCOL.md: https, or http on loopback only. */
export function endpointUrl(value: unknown, path: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value as string);
  } catch {
    fail('INVALID_OPTIONS', 'must be an absolute URL', path);
  }
  const { protocol, hostname, username, password, search, hash } = url!;
  if (protocol != 'https:' && !(protocol == 'http:' && LOOPBACK.includes(hostname))) {
    fail('INVALID_OPTIONS', 'must use https: (http: only for localhost)', path);
  }
  if (username || password || search || hash) fail('INVALID_OPTIONS', 'must not carry credentials, a query or a fragment', path);
  return url!.href.replace(/\/+$/, '');
}

/**
 * Validates options and applies defaults. Throws `INVALID_OPTIONS` naming the
 * first offending field.
 * @internal
 */
export function normalizeOptions(options: SteadyCartOptions = {}): Config {
  if (!isObject(options)) fail('INVALID_OPTIONS', 'options must be an object', '');
  const o = options as Record<string, unknown>;
  const list = o.endpoints ?? [];
  if (!Array.isArray(list)) fail('INVALID_OPTIONS', 'must be an array', 'endpoints');
  const seen = new Set<string>();
  const endpoints = (list as unknown[]).map((e, i): Endpoint => {
    const p = `endpoints[${i}]`;
    if (!isObject(e)) fail('INVALID_OPTIONS', 'must be an object', p);
    const url = endpointUrl((e as Record<string, unknown>).url, p + '.url');
    if (seen.has(url)) fail('INVALID_OPTIONS', 'is listed twice', p + '.url');
    seen.add(url);
    return { url, domain: text((e as Record<string, unknown>).domain, new URL(url).origin, p + '.domain') };
  });

  const paths = o.paths ?? {};
  if (!isObject(paths)) fail('INVALID_OPTIONS', 'must be an object', 'paths');
  const p = paths as Record<string, unknown>;
  const checkoutPath = text(p.checkout, '/checkout', 'paths.checkout', PATH).replace(/\/+$/, '') || fail('INVALID_OPTIONS', 'must not be /', 'paths.checkout');
  const healthPath = p.health === false ? false : text(p.health, '/health', 'paths.health', PATH);

  const outbox = o.outbox ?? {};
  if (outbox !== false && !isObject(outbox)) fail('INVALID_OPTIONS', 'must be an object or false', 'outbox');
  const retentionMs = outbox === false ? 0 : number((outbox as Record<string, unknown>).retentionMs, 86_400_000, 60_000, 30 * 86_400_000, 'outbox.retentionMs');

  let worker: Config['worker'] = null;
  const sw = o.serviceWorker ?? false;
  if (typeof sw == 'string') worker = { url: text(sw, '', 'serviceWorker'), offlineShell: false };
  else if (isObject(sw)) {
    worker = {
      url: text(sw.url ?? '', '', 'serviceWorker.url'),
      scope: sw.scope === undefined ? undefined : text(sw.scope, '', 'serviceWorker.scope'),
      offlineShell: bool(sw.offlineShell, false, 'serviceWorker.offlineShell'),
    };
  }
  else if (sw !== false) fail('INVALID_OPTIONS', 'must be a URL string, an object or false', 'serviceWorker');

  const allow = o.allowCardLikeAt ?? [];
  if (!Array.isArray(allow) || allow.some((a) => typeof a != 'string')) fail('INVALID_OPTIONS', 'must be an array of JSON paths', 'allowCardLikeAt');

  const t = o.tuning ?? {};
  if (!isObject(t)) fail('INVALID_OPTIONS', 'must be an object', 'tuning');
  const tuning = t as Record<string, unknown>;
  const minAttemptTimeoutMs = number(tuning.minAttemptTimeoutMs, 400, 50, 60_000, 'tuning.minAttemptTimeoutMs');
  const openMs = number(tuning.openMs, 2000, 100, 600_000, 'tuning.openMs');

  return {
    endpoints,
    budgetMs: number(o.budgetMs, 3000, 100, 120_000, 'budgetMs'),
    checkoutPath,
    healthPath,
    retentionMs,
    worker,
    namespace: text(o.namespace, 'steadycart', 'namespace', /^[\w.-]{1,64}$/),
    credentials: ['omit', 'same-origin', 'include'].includes(o.credentials as string) || o.credentials === undefined
      ? ((o.credentials as RequestCredentials) ?? 'same-origin')
      : fail('INVALID_OPTIONS', "must be 'omit', 'same-origin' or 'include'", 'credentials'),
    allowCardLikeAt: allow as string[],
    tuning: {
      attemptTimeoutMs: number(tuning.attemptTimeoutMs, 1500, minAttemptTimeoutMs, 120_000, 'tuning.attemptTimeoutMs'),
      minAttemptTimeoutMs,
      hedgeDelayMs: number(tuning.hedgeDelayMs, 1000, 10, 120_000, 'tuning.hedgeDelayMs'),
      hedge: bool(tuning.hedge, true, 'tuning.hedge'),
      openMs,
      maxOpenMs: number(tuning.maxOpenMs, 30_000, openMs, 3_600_000, 'tuning.maxOpenMs'),
      retryTokens: number(tuning.retryTokens, 10, 1, 1000, 'tuning.retryTokens'),
      retryTokenRatio: number(tuning.retryTokenRatio, 0.1, 0, 1000, 'tuning.retryTokenRatio'),
    },
  };
}

/** The meta record under which the pages keep the configuration for the service worker. */
const CONFIG_ID = 'config';

const isNumber = (v: unknown) => typeof v == 'number' && isFinite(v);
const TUNING_NUMBERS: Array<Exclude<keyof TuningOptions, 'hedge'>> = ['attemptTimeoutMs', 'minAttemptTimeoutMs', 'hedgeDelayMs', 'openMs', 'maxOpenMs', 'retryTokens', 'retryTokenRatio'];

/**
 * Whether a stored value has the shape of a `Config` (as `normalizeOptions`
 * made it): the raw options an older build stored, or anything else, are not
 * replayed with.
 */
function isConfig(v: unknown): v is Config {
  if (!isObject(v) || !isObject(v.tuning) || !Array.isArray(v.endpoints) || !Array.isArray(v.allowCardLikeAt)) return false;
  return (
    v.endpoints.every((e: unknown) => isObject(e) && typeof e.url == 'string' && typeof e.domain == 'string') &&
    ['budgetMs', 'retentionMs'].every((k) => isNumber(v[k])) &&
    ['checkoutPath', 'namespace', 'credentials'].every((k) => typeof v[k] == 'string') &&
    (v.healthPath === false || typeof v.healthPath == 'string') &&
    TUNING_NUMBERS.every((k) => isNumber((v.tuning as Record<string, unknown>)[k])) &&
    typeof v.tuning.hedge == 'boolean'
  );
}

/**
 * @internal Keeps the normalized configuration for the service worker, which
 * replays with it as it is, also after every page is closed.
 */
export function storeConfig(storage: Storage, config: Config): Promise<void> {
  // A function cannot be stored (nor replayed by another context).
  const { fetch: _fetch, ...stored } = config;
  return storage.put('meta', { id: CONFIG_ID, value: stored }, 'relaxed');
}

/** @internal The configuration the pages stored, or `undefined` when there is none of this build's shape. */
export async function storedConfig(storage: Storage): Promise<Config | undefined> {
  const value = (await storage.get('meta', CONFIG_ID))?.value;
  return isConfig(value) ? value : undefined;
}
