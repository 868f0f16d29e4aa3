/**
 * Test-only crash points for the kill -9 drills (test/server/kill.test.mjs):
 * `STEADYCART_CRASH_AT=reserved|charged|stored` makes `serve` kill itself
 * with SIGKILL at that point of the first order that reaches it:
 *   reserved  the key is reserved, the handler has not paid yet
 *   charged   the PSP charged and the ledger line is on disk; nothing stored
 *   stored    the outcome is stored; the answer was not sent
 * Not a flag and not in the help: a process that kills itself is never what
 * an operator wants.
 */

export const CRASH_POINTS = ['reserved', 'charged', 'stored'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** The crash point asked for in the environment, or null. Unknown values are an error. */
export function crashPointFromEnv(env: NodeJS.ProcessEnv): CrashPoint | null {
  const v = env.STEADYCART_CRASH_AT;
  if (!v) return null;
  if (!(CRASH_POINTS as readonly string[]).includes(v)) throw new Error(`STEADYCART_CRASH_AT must be one of ${CRASH_POINTS.join(', ')} (got "${v}")`);
  return v as CrashPoint;
}

/** Returns a function that kills the process at `wanted` (a no-op when null). */
export function crasher(wanted: CrashPoint | null): (point: CrashPoint) => void {
  return (point) => {
    if (point === wanted) process.kill(process.pid, 'SIGKILL');
  };
}
