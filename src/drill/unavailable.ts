import type { Core } from '../core';
import { fail } from '../errors';
import type { SteadyCart } from '../types';

/**
 * @internal Drill mode in the script-tag build, which leaves it out to stay
 * small (one file cannot load a chunk later): `drill: true` fails there,
 * naming the build that has it.
 */
export function withDrill(sc: SteadyCart, _core: Core): never {
  sc.close();
  return fail('INVALID_OPTIONS', 'is only in the ES module build (dist/steadycart.mjs)', 'drill');
}
