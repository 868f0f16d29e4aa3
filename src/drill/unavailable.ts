import { fail } from '../errors';

/**
 * @internal Drill mode in the script-tag build (`./load` resolves here), which leaves it out to stay
 * small (one file cannot load a chunk later): `drill: true` fails there,
 * before anything starts, naming the build that has it.
 */
export function loadDrill(): never {
  return fail('INVALID_OPTIONS', 'is only in the ES module build', 'drill');
}
