import type { DrillFault, DrillOptions } from '../../../src/index';

/**
 * The attempt timeout of the faults whose request must reach the server: a
 * preflight and a POST fit in it on a loaded machine. With the quick
 * tuning's 400 ms, Firefox beside the rest of the suite once logged no
 * request at the drilled endpoint: the attempt ended before its POST
 * arrived, and the order went to the other endpoint alone.
 */
const SENDS_MS = 1500;

/**
 * Each drill fault on one endpoint, as the drill suites run it, and whether
 * the drilled request still reaches the server (`reaches`): a refused,
 * silent or 503 drill answers for it; a slow one and a dropped answer let
 * the server take the order. `attemptTimeoutMs`, where given, replaces the
 * quick tuning's.
 */
export const ON_ONE_ENDPOINT: ReadonlyArray<{ fault: DrillFault; options?: Partial<DrillOptions>; attemptTimeoutMs?: number; reaches: boolean }> = [
  { fault: 'refuse', reaches: false },
  { fault: 'silent', reaches: false },
  // Longer than the attempt timeout: the server takes the order, its answer comes too late.
  { fault: 'slow', options: { slowMs: 4000 }, attemptTimeoutMs: SENDS_MS, reaches: true },
  { fault: '503', options: { retryAfterSeconds: 2 }, reaches: false },
  { fault: 'drop-after-commit', attemptTimeoutMs: SENDS_MS, reaches: true },
];
