// @ts-check
/**
 * Cleanup for a process ended by SIGINT, SIGTERM or SIGHUP (its terminal
 * closed, an SSH session dropped), which runs no 'exit'
 * listener: the demo's serve processes (serve-process.mjs) and the test
 * databases (test/runner/services.mjs) must not outlive a test file stopped
 * by its runner, a Ctrl-C or CI.
 */

/** @type {Set<() => void>} */
const cleanups = new Set();
let hooked = false;

/**
 * Runs `cleanup` (synchronously) when SIGINT, SIGTERM or SIGHUP ends this process, then
 * ends it as the signal's default action would. A program with a listener of
 * its own (the demo shop, scripts/test.mjs) stops things itself: nothing runs then.
 * @param {() => void} cleanup
 */
export function cleanupOnSignal(cleanup) {
  cleanups.add(cleanup);
  if (hooked) return;
  hooked = true;
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    const onSignal = () => {
      if (process.listenerCount(sig) > 1) return;
      for (const run of cleanups) run();
      process.off(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}
