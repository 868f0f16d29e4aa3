// @ts-check
/**
 * A browser test file whose page stopped answering: the runner got no result
 * from it at all (`Browser tests did not start after` / `did not finish
 * within`), though every wait in a test is bounded by mocha's 30 s. Its
 * engine hung, not a test: WebKitGTK has been seen to hang a navigation that
 * starts a file, and once a whole file of three tests (own-worker, 300 s of
 * silence, passing in 5 s alone and in every other run). scripts/test.mjs runs
 * such a file once more, alone in that engine, and counts that run instead of
 * the silent one; the summary names each file run again and why. A test that
 * failed, or a file that failed any other way, is never run again.
 */

/** @typedef {{ passed: number, failed: number, skipped: number }} Counts */
/** @typedef {{ browser: string, file: string, test: string, error: string }} Failure */
/** @typedef {{ browsers: Record<string, Counts & Record<string, unknown>>, total: Counts, failures: Failure[] }} BrowserCounts */

/** More files than this without a result is no engine's hang: nothing is run again. */
export const MOST_RERUNS = 3;

/** The runner's two messages (@web/test-runner-core, TestSessionTimeoutHandler): "did not start after", "did not finish within". */
const SILENT = /^Browser tests did not (start after|finish within) /;

/** Whether `f` is a whole file's failure for want of any result. @param {Failure} f */
const isSilent = (f) => f.test == '(test file)' && SILENT.test(f.error);

/**
 * The files to run again, by engine: those whose whole result is the runner's
 * "did not start/finish" (the reporter counts each as one failed file).
 * @param {BrowserCounts} counts
 * @returns {Map<string, string[]>}
 */
export function silentFiles(counts) {
  const silent = counts.failures.filter(isSilent);
  /** @type {Map<string, string[]>} */
  const byEngine = new Map();
  if (silent.length == 0 || silent.length > MOST_RERUNS) return byEngine;
  for (const f of silent) byEngine.set(f.browser, [...(byEngine.get(f.browser) ?? []), f.file]);
  return byEngine;
}

/**
 * `counts` with the silent files of `engine` (each counted as one failed)
 * replaced by their run again, `again` (that engine's counts from it).
 * @template {BrowserCounts} T
 * @param {T} counts
 * @param {string} engine
 * @param {string[]} files
 * @param {BrowserCounts} again
 * @returns {T}
 */
export function withRerun(counts, engine, files, again) {
  const was = (/** @type {Failure} */ f) => f.browser == engine && files.includes(f.file) && isSilent(f);
  const dropped = counts.failures.filter(was).length;
  const more = again.browsers[engine] ?? { passed: 0, failed: 0, skipped: 0 };
  const before = counts.browsers[engine] ?? { passed: 0, failed: 0, skipped: 0 };
  const after = { ...before, passed: before.passed + more.passed, failed: before.failed - dropped + more.failed, skipped: before.skipped + more.skipped };
  return {
    ...counts,
    browsers: { ...counts.browsers, [engine]: after },
    total: {
      passed: counts.total.passed + more.passed,
      failed: counts.total.failed - dropped + more.failed,
      skipped: counts.total.skipped + more.skipped,
    },
    failures: [...counts.failures.filter((f) => !was(f)), ...again.failures.filter((f) => f.browser == engine)],
  };
}
