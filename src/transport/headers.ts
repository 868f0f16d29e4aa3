import { fail } from '../errors';
import type { HeadersFunction, RequestContext } from '../types';

/** The request headers steadycart sets itself (lower case): the `headers` option may not name them. */
const RESERVED = ['content-type', 'idempotency-key', 'steadycart-attempt'];
/** An HTTP header name (RFC 9110 token). */
const NAME = /^[\w!#$%&'*+.^`|~-]+$/;

/** @internal An endpoint's extra headers once normalized: static values (lower-case names), then functions called per request. */
export interface EndpointHeaders {
  fixed: Record<string, string>;
  fns: HeadersFunction[];
}

/** @internal One `headers` option once validated. */
export interface HeaderSet extends EndpointHeaders {
  /** Whether the service worker may have them: no function, and static values marked storable (or none). */
  storable: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v == 'object' && v !== null && !Array.isArray(v);
const refuse: (message: string, path: string) => never = (message, path) => fail('INVALID_OPTIONS', message, path);

/**
 * @internal Validates a `headers` option (see `HeadersOption`): INVALID_OPTIONS
 * naming `path`, or the header under it, for anything but static string
 * values, `{ value, storable }` or a function; for a reserved or malformed
 * name; for a value a request could not carry.
 */
export function headerSet(option: unknown, path: string): HeaderSet {
  if (option === undefined) return { fixed: {}, fns: [], storable: true };
  if (typeof option == 'function') return { fixed: {}, fns: [option as HeadersFunction], storable: false };
  if (!isObject(option)) refuse('must be an object of header values, { value, storable } or a function', path);
  const marked = typeof option.storable == 'boolean';
  const values = marked ? option.value : option;
  const at = marked ? `${path}.value` : path;
  if (!isObject(values)) refuse('must be an object of header values', at);
  const fixed: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    const lower = name.toLowerCase();
    if (!NAME.test(name)) refuse('is not a header name', `${at}.${name}`);
    if (RESERVED.includes(lower)) refuse('is set by steadycart itself and cannot be overridden', `${at}.${name}`);
    if (typeof value != 'string' || /[\0\r\n]/.test(value)) refuse('must be a string without line breaks', `${at}.${name}`);
    fixed[lower] = value;
  }
  return { fixed, fns: [], storable: !Object.keys(fixed).length || (marked && option.storable === true) };
}

/** @internal Why a request's headers could not be made: the request is not sent. */
export class HeadersFailure extends Error {}

/**
 * @internal The headers the functions give for one request, within `ms` and
 * until `signal` aborts. Throws `HeadersFailure` when a function throws,
 * rejects, is too slow, or names a reserved or malformed header; the
 * `AbortError` when `signal` fires first.
 */
export function functionHeaders(fns: readonly HeadersFunction[], info: RequestContext, ms: number, signal: AbortSignal): Promise<Headers> {
  const work = (async () => {
    const headers = new Headers();
    for (const fn of fns) {
      let given: Headers;
      try {
        given = new Headers(await fn(info));
      } catch (error) {
        throw new HeadersFailure(`the headers function failed: ${(error as Error)?.message ?? error}`);
      }
      given.forEach((value, name) => {
        if (RESERVED.includes(name)) throw new HeadersFailure(`the headers function returned ${name}, which steadycart sets itself`);
        headers.set(name, value);
      });
    }
    return headers;
  })();
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', abort);
    };
    const abort = () => (done(), reject(new DOMException('aborted', 'AbortError')));
    const timer = setTimeout(() => (done(), reject(new HeadersFailure('the headers function took longer than the attempt timeout'))), ms);
    signal.addEventListener('abort', abort);
    if (signal.aborted) abort();
    work.then((headers) => (done(), resolve(headers)), (error) => (done(), reject(error)));
  });
}
