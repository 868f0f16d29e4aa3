/** @internal The request headers steadycart sets itself (lower case): the `headers` option may not name them. */
export const RESERVED: readonly string[] = ['content-type', 'idempotency-key', 'steadycart-attempt'];
