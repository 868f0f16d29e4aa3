import type { HeadersFunction, RequestContext } from '../types';

/** @internal The request headers steadycart sets itself (lower case): the `headers` option may not name them. */
export const RESERVED = ['content-type', 'idempotency-key', 'steadycart-attempt'];

/** @internal An endpoint's extra headers once normalized: static values (lower-case names), then functions called per request. */
export interface EndpointHeaders {
  fixed: Record<string, string>;
  fns: HeadersFunction[];
}

/** @internal Why a request's headers could not be made: the request is not sent. */
export class HeadersFailure extends Error {}

/**
 * @internal Sets on `headers` (the request's) what the functions give for
 * one request, each within `ms`. Throws `HeadersFailure` when a function
 * throws, rejects, is too slow, or gives a reserved or malformed header.
 */
export async function functionHeaders(fns: readonly HeadersFunction[], info: RequestContext, ms: number, headers: Headers): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    for (const fn of fns) {
      const late = new Promise<never>((_, reject) => (timer = setTimeout(reject, ms, new Error('timed out'))));
      new Headers(await Promise.race([fn(info), late])).forEach((value, name) => {
        if (RESERVED.includes(name)) throw new Error(`${name} is set by steadycart itself`);
        headers.set(name, value);
      });
      clearTimeout(timer);
    }
  } catch (error) {
    clearTimeout(timer);
    throw new HeadersFailure(`headers: ${(error as Error)?.message ?? error}`);
  }
}
