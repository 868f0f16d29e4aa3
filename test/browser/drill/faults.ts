import type { DrillFault, DrillOptions } from '../../../src/index';

/**
 * The tuning of the faults answered for the drilled endpoint: an attempt
 * timeout that the other endpoint's answer fits in on a loaded machine. With
 * the quick tuning's 400 ms, WebKit beside the rest of the suite once timed
 * out at eu too, after a silent us: with both endpoints of the domain in
 * doubt, the order was looked up there and crossed to backup, as it should.
 */
const ANSWERED = { attemptTimeoutMs: 1500 };

/**
 * The tuning of the faults whose request must reach the server: an attempt
 * timeout that a preflight and a POST fit in on a loaded machine, and no
 * hedge, which would abort the request once the other endpoint answered.
 * With the quick tuning's 400 ms, Firefox beside the rest of the suite once
 * logged no request at the drilled endpoint: the attempt ended before its
 * POST arrived, and the order went to the other endpoint alone.
 */
const SENDS = { ...ANSWERED, hedge: false };

/**
 * Each drill fault on one endpoint, as the drill suites run it, and whether
 * the drilled request still reaches the server (`reaches`): a refused,
 * silent or 503 drill answers for it; a slow one and a dropped answer let
 * the server take the order. `tuning` goes over the quick tuning.
 */
export const ON_ONE_ENDPOINT: ReadonlyArray<{ fault: DrillFault; options?: Partial<DrillOptions>; tuning: { attemptTimeoutMs: number; hedge?: boolean }; reaches: boolean }> = [
  { fault: 'refuse', tuning: ANSWERED, reaches: false },
  { fault: 'silent', tuning: ANSWERED, reaches: false },
  // Longer than the attempt timeout: the server takes the order, its answer comes too late.
  { fault: 'slow', options: { slowMs: 4000 }, tuning: SENDS, reaches: true },
  { fault: '503', options: { retryAfterSeconds: 2 }, tuning: ANSWERED, reaches: false },
  { fault: 'drop-after-commit', tuning: SENDS, reaches: true },
];
