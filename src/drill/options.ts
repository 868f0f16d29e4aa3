import { fail } from '../errors';
import { checkObject, endpointUrl, knownKeys, number, type Endpoint } from '../options';
import type { DrillFault, DrillOptions, DrillState } from './types';

const FAULTS: readonly DrillFault[] = ['refuse', 'silent', 'slow', '503', 'drop-after-commit'];

/**
 * @internal Validates `sc.drill.start`'s options against the instance's
 * endpoints; throws `INVALID_OPTIONS` naming the first bad field.
 */
export function drillState(options: DrillOptions, endpoints: readonly Endpoint[], now = Date.now()): DrillState {
  checkObject(options, '');
  knownKeys(options, 'fault endpoint forMs slowMs retryAfterSeconds');
  const { fault } = options;
  if (!FAULTS.includes(fault)) fail('INVALID_OPTIONS', `must be one of ${FAULTS.join(', ')}`, 'fault');
  const state: DrillState = { fault, endsAt: now + number(options.forMs, 60_000, 100, 3_600_000, 'forMs') };
  if (options.endpoint !== undefined) {
    const url = endpointUrl(options.endpoint, 'endpoint');
    if (!endpoints.some((e) => e.url == url)) fail('INVALID_OPTIONS', 'is not a configured endpoint', 'endpoint');
    state.endpoint = url;
  }
  if (fault == 'slow') state.slowMs = number(options.slowMs, 3000, 1, 120_000, 'slowMs');
  if (fault == '503') {
    const seconds = number(options.retryAfterSeconds, 5, 0, 3600, 'retryAfterSeconds');
    state.retryAfterSeconds = Number.isInteger(seconds) ? seconds : fail('INVALID_OPTIONS', 'must be a whole number of seconds', 'retryAfterSeconds');
  }
  return state;
}
