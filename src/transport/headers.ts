import type { HeadersFunction, RequestContext } from '../types';
import { RESERVED } from './reserved';

/** @internal Sets one request's headers from a `headers` function, within `ms`; throws `HeadersFailure` when it cannot. */
export type HeaderSetter = (info: RequestContext, ms: number, headers: Headers) => Promise<void>;

/** @internal An endpoint's extra headers once normalized: static values (lower-case names), then functions called per request. */
export interface EndpointHeaders {
  fixed: Record<string, string>;
  fns: HeaderSetter[];
}

/** @internal Why a request's headers could not be made: the request is not sent. */
export class HeadersFailure extends Error {}

/**
 * @internal A `headers` function as requests call it, wrapped when the options
 * are normalized (so the standalone worker, which replays a stored
 * configuration and so has no functions, carries none of this): sets what
 * `fn` gives for one request on `headers`, within `ms`. Throws
 * `HeadersFailure` when `fn` throws, rejects, is too slow, or gives a
 * reserved or malformed header.
 */
export const headerSetter =
  (fn: HeadersFunction): HeaderSetter =>
  async (info, ms, headers) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const late = new Promise<never>((_, reject) => (timer = setTimeout(reject, ms, new Error('timed out'))));
      new Headers(await Promise.race([fn(info), late])).forEach((value, name) => {
        if (RESERVED.includes(name)) throw new Error(`${name} is set by steadycart itself`);
        headers.set(name, value);
      });
    } catch (error) {
      throw new HeadersFailure(`headers: ${(error as Error)?.message ?? error}`);
    } finally {
      clearTimeout(timer);
    }
  };
