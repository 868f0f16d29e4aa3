import type { DrillFault, DrillOptions } from '../../../src/index';

/**
 * Each drill fault on one endpoint, as the drill suites run it, and whether
 * the drilled request still reaches the server (`reaches`): a refused,
 * silent or 503 drill answers for it; a slow one and a dropped answer let
 * the server take the order.
 */
export const ON_ONE_ENDPOINT: ReadonlyArray<{ fault: DrillFault; options?: Partial<DrillOptions>; reaches: boolean }> = [
  { fault: 'refuse', reaches: false },
  { fault: 'silent', reaches: false },
  // Longer than the attempt timeout: the server takes the order, its answer comes too late.
  { fault: 'slow', options: { slowMs: 1500 }, reaches: true },
  { fault: '503', options: { retryAfterSeconds: 2 }, reaches: false },
  { fault: 'drop-after-commit', reaches: true },
];
