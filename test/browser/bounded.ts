/**
 * `step`, or an error naming it once `ms` have passed without it settling.
 * Cleanup hooks use it: a hook that outlives mocha's timeout fails with a
 * message naming nothing, not even the test it ran after.
 */
export function settledWithin<T>(step: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
  });
  return Promise.race([step, late]).finally(() => clearTimeout(timer));
}
