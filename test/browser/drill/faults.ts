import type { DrillFault, DrillOptions } from '../../../src/index';

/**
 * The tuning of the faults whose request must reach the server: an attempt
 * timeout that a preflight and a POST fit in on a loaded machine, and no
 * hedge, which would abort the request once the other endpoint answered.
 * With the quick tuning's 400 ms, Firefox beside the rest of the suite once
 * logged no request at the drilled endpoint: the attempt ended before its
 * POST arrived, and the order went to the other endpoint alone.
 */
const SENDS = { attemptTimeoutMs: 1500, hedge: false };

/**
 * Each drill fault on one endpoint, as the drill suites run it, and whether
 * the drilled request still reaches the server (`reaches`): a refused,
 * silent or 503 drill answers for it; a slow one and a dropped answer let
 * the server take the order. `tuning`, where given, goes over the quick tuning.
 */
export const ON_ONE_ENDPOINT: ReadonlyArray<{ fault: DrillFault; options?: Partial<DrillOptions>; tuning?: typeof SENDS; reaches: boolean }> = [
  { fault: 'refuse', reaches: false },
  { fault: 'silent', reaches: false },
  // Longer than the attempt timeout: the server takes the order, its answer comes too late.
  { fault: 'slow', options: { slowMs: 4000 }, tuning: SENDS, reaches: true },
  { fault: '503', options: { retryAfterSeconds: 2 }, reaches: false },
  { fault: 'drop-after-commit', tuning: SENDS, reaches: true },
];
