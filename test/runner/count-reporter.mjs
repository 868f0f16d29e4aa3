// @ts-check
/**
 * A web-test-runner reporter that counts passed / failed / skipped tests per
 * browser and writes them to test-results/browser-counts.json, for
 * scripts/test.mjs to add to its final `N passed, N failed` line. It prints
 * nothing during the run: use it next to defaultReporter().
 *
 * Counting rules:
 * - every test in a session's testResults tree, nested suites included;
 * - a skipped test (it.skip, this.skip()) is neither passed nor failed;
 * - a session that failed with no failed test counted (a file that failed to
 *   load, an uncaught error, a failing hook, a timeout) counts as 1 failed.
 *
 * The JSON:
 * { browsers: { chromium: { passed, failed, skipped, files, firstFileMs, wallMs, slowest, slowestTests } },
 *   total: { passed, failed, skipped }, failures: [{ browser, file, test, error }] }
 * firstFileMs is the first file's start-to-finish time (includes the cold
 * start of the browser); wallMs spans that browser's first start to last finish;
 * slowest lists that browser's files ({ file, ms }), longest first, and
 * slowestTests its twenty longest tests ({ test, ms }): where the suite's time goes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';

/** @typedef {import('@web/test-runner').Reporter} Reporter */
/** @typedef {import('@web/test-runner').TestSession} TestSession */
/** @typedef {import('@web/test-runner').TestSuiteResult} TestSuiteResult */
/** @typedef {import('@web/test-runner').BrowserLauncher} BrowserLauncher */

/**
 * @typedef {object} Counts
 * @property {number} passed
 * @property {number} failed
 * @property {number} skipped
 */

/**
 * @param {object} [options]
 * @param {string} [options.outFile]   default test-results/browser-counts.json
 * @param {Map<BrowserLauncher, string>} [options.labels]  launcher -> short name (chromium/firefox/webkit)
 * @returns {Reporter}
 */
export function countReporter(options = {}) {
  const outFile = options.outFile ?? 'test-results/browser-counts.json';
  const labels = options.labels ?? new Map();
  /** @type {Map<string, { start: number, end: number, firstFileMs?: number }>} */
  const timing = new Map();
  /** @type {Map<string, number>} session id -> time it started initializing */
  const sessionStart = new Map();
  /** @type {Map<string, number>} session id -> its start-to-finish time */
  const sessionMs = new Map();
  let rootDir = process.cwd();
  let runStart = Date.now();

  /** @param {TestSession} s */
  const label = (s) => labels.get(s.browser) ?? s.browser.name;

  /** @param {TestSession[]} sessions */
  function write(sessions) {
    /** @type {Record<string, Counts & { files: number, firstFileMs?: number, wallMs?: number, slowest?: { file: string, ms: number }[], slowestTests?: { test: string, ms: number }[] }>} */
    const browsers = {};
    /** @type {Map<string, { file: string, ms: number }[]>} */
    const durations = new Map();
    /** @type {Map<string, { test: string, ms: number }[]>} */
    const tests = new Map();
    const total = { passed: 0, failed: 0, skipped: 0 };
    /** @type {{ browser: string, file: string, test: string, error: string }[]} */
    const failures = [];
    for (const session of sessions) {
      const name = label(session);
      const c = (browsers[name] ??= { passed: 0, failed: 0, skipped: 0, files: 0 });
      const file = relative(rootDir, session.testFile);
      const failedBefore = c.failed;
      c.files++;
      const ms = sessionMs.get(session.id);
      if (ms !== undefined) append(durations, name, { file, ms });
      // A test failed by a hook carries no error of its own: the session has it.
      const sessionError = session.errors?.[0]?.message;
      if (session.testResults) {
        walk(
          session.testResults,
          [],
          c,
          (test, error) => failures.push({ browser: name, file, test, error: error ?? sessionError ?? 'failed' }),
          (test, ms) => append(tests, name, { test: `${file}: ${test}`, ms }),
        );
      }
      if (session.passed !== true && c.failed === failedBefore) {
        // Failed without a failing test: count the file itself once.
        c.failed++;
        const err = sessionError ?? `session ended as ${session.status} without passing`;
        failures.push({ browser: name, file, test: '(test file)', error: err });
      }
    }
    for (const [name, c] of Object.entries(browsers)) {
      total.passed += c.passed;
      total.failed += c.failed;
      total.skipped += c.skipped;
      const t = timing.get(name);
      if (t) {
        c.firstFileMs = t.firstFileMs;
        c.wallMs = t.end - t.start;
      }
      c.slowest = (durations.get(name) ?? []).sort((a, b) => b.ms - a.ms);
      c.slowestTests = (tests.get(name) ?? []).sort((a, b) => b.ms - a.ms).slice(0, 20);
    }
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, JSON.stringify({ browsers, total, failures }, null, 2) + '\n');
  }

  return {
    start({ config, sessions, startTime }) {
      rootDir = config.rootDir;
      // The runner schedules (and may start) the first sessions before reporters
      // start, so an INITIALIZING update can be missed: fall back to the run's start.
      runStart = startTime;
      sessions.on('session-status-updated', (s) => {
        const name = label(s);
        const now = Date.now();
        if (s.status === 'INITIALIZING') {
          sessionStart.set(s.id, now);
          const t = timing.get(name);
          if (!t) timing.set(name, { start: now, end: now });
        } else if (s.status === 'FINISHED') {
          let t = timing.get(name);
          if (!t) timing.set(name, (t = { start: runStart, end: now }));
          t.end = now;
          // A first file whose start was missed started with the run.
          const ms = now - (sessionStart.get(s.id) ?? t.start);
          t.firstFileMs ??= ms;
          sessionMs.set(s.id, ms);
        }
      });
    },
    onTestRunFinished({ sessions }) {
      write(sessions);
    },
    stop({ sessions }) {
      // Again at the very end, in case a session changed after the run finished.
      write(sessions);
    },
  };
}

/**
 * @template T
 * @param {Map<string, T[]>} lists
 * @param {string} key
 * @param {T} item
 */
function append(lists, key, item) {
  const list = lists.get(key);
  if (list) list.push(item);
  else lists.set(key, [item]);
}

/**
 * @param {TestSuiteResult} suite
 * @param {string[]} path   names of the enclosing suites
 * @param {Counts} c
 * @param {(test: string, error: string | undefined) => void} onFail
 * @param {(test: string, ms: number) => void} onTimed
 */
function walk(suite, path, c, onFail, onTimed) {
  const here = suite.name ? [...path, suite.name] : path;
  for (const t of suite.tests ?? []) {
    if (t.duration !== undefined) onTimed([...here, t.name].join(' > '), t.duration);
    if (t.skipped) c.skipped++;
    else if (t.passed) c.passed++;
    else {
      c.failed++;
      onFail([...here, t.name].join(' > '), t.error?.message);
    }
  }
  for (const s of suite.suites ?? []) walk(s, here, c, onFail, onTimed);
}
