/** @internal The request headers steadycart sets itself (lower case): the `headers` option may not name them. */
export const RESERVED: readonly string[] = ['content-type', 'idempotency-key', 'steadycart-attempt'];

/**
 * @internal A lookup's `url`; with `close`, asking the backend also to close
 * the key if it has no record of it: the query parameter steadycart adds (`close=1`).
 */
export const lookupQuery = (url: string, close?: boolean): string => (close ? url + (url.includes('?') ? '&' : '?') + 'close=1' : url);
