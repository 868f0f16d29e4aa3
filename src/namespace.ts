import { fail } from './errors';

/**
 * @internal The `namespace` option of `createSteadyCart` and `createCart`,
 * checked alike: it names the database, the channel and the locks.
 */
export function namespaceOption(value: unknown = 'steadycart'): string {
  if (typeof value != 'string' || !/^[\w.-]{1,64}$/.test(value)) fail('INVALID_OPTIONS', 'must be 1 to 64 letters, digits, _ . or -', 'namespace');
  return value as string;
}
