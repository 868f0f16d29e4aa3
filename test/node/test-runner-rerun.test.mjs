// The test command's second run of a browser test file whose page stopped
// answering: only a file with no result at all is run again, and its second
// run's counts replace the one failure the silent run counted.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { MOST_RERUNS, silentFiles, withRerun } from '../runner/rerun.mjs';

/**
 * The two messages as the installed runner words them (its source's template literals, the timeout
 * filled in): a fixture of our own once said "did not start within", which the runner never says, and
 * a file that did not start was never run again.
 */
const runnerMessages = (() => {
  // (The package exports no such path: found beside its main module, dist/index.js.)
  const file = join(dirname(createRequire(import.meta.url).resolve('@web/test-runner-core')), 'runner', 'TestSessionTimeoutHandler.js');
  const found = [...readFileSync(file, 'utf8').matchAll(/`(Browser tests did not [^`]*)`/g)].map((m) => m[1].replace(/\$\{[^}]*\}/g, '60000'));
  assert.equal(found.length, 2, `the runner's "did not start/finish" messages in ${file}`);
  return found;
})();
const SILENT = /** @type {string} */ (runnerMessages.find((m) => m.includes('finish')));
const NOT_STARTED = /** @type {string} */ (runnerMessages.find((m) => m.includes('start')));
const counts = (browsers, failures) => {
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const c of Object.values(browsers)) for (const k of Object.keys(total)) total[k] += c[k];
  return { browsers, total, failures };
};
const fileFailure = (browser, file, error) => ({ browser, file, test: '(test file)', error });

describe('browser test files run again', () => {
  it('names, by engine, the files the runner got no result from, and no file that failed otherwise', () => {
    const first = counts({ webkit: { passed: 10, failed: 3, skipped: 1, files: 5 }, firefox: { passed: 12, failed: 1, skipped: 0, files: 5 } }, [
      fileFailure('webkit', 'test/browser/sw/own-worker.test.ts', SILENT),
      fileFailure('webkit', 'test/browser/a.test.ts', NOT_STARTED),
      { browser: 'webkit', file: 'test/browser/b.test.ts', test: 'b > sends once', error: 'AssertionError: expected 2 to equal 1' },
      fileFailure('firefox', 'test/browser/c.test.ts', 'Error: the file failed to load'),
    ]);
    assert.deepEqual([...silentFiles(first)], [['webkit', ['test/browser/sw/own-worker.test.ts', 'test/browser/a.test.ts']]]);
  });

  it(`runs nothing again when more than ${MOST_RERUNS} files were silent: no engine hang, something of the suite's own`, () => {
    const files = Array.from({ length: MOST_RERUNS + 1 }, (_, i) => fileFailure('chromium', `test/browser/f${i}.test.ts`, SILENT));
    assert.equal(silentFiles(counts({ chromium: { passed: 0, failed: files.length, skipped: 0, files: files.length } }, files)).size, 0);
  });

  it("counts the second run in place of the silent one's failure, keeping every other count and failure", () => {
    const other = { browser: 'webkit', file: 'test/browser/b.test.ts', test: 'b > sends once', error: 'AssertionError' };
    const first = counts({ webkit: { passed: 10, failed: 2, skipped: 1, files: 5, wallMs: 9 }, chromium: { passed: 13, failed: 0, skipped: 0, files: 5 } }, [
      fileFailure('webkit', 'test/browser/sw/own-worker.test.ts', SILENT),
      other,
    ]);
    const again = counts({ webkit: { passed: 2, failed: 0, skipped: 1, files: 1 } }, []);
    const merged = withRerun(first, 'webkit', ['test/browser/sw/own-worker.test.ts'], again);
    assert.deepEqual(merged.browsers.webkit, { passed: 12, failed: 1, skipped: 2, files: 5, wallMs: 9 });
    assert.deepEqual(merged.browsers.chromium, first.browsers.chromium);
    assert.deepEqual(merged.total, { passed: 25, failed: 1, skipped: 2 });
    assert.deepEqual(merged.failures, [other]);
  });

  it('keeps a failure of the second run', () => {
    const first = counts({ webkit: { passed: 10, failed: 1, skipped: 0, files: 5 } }, [fileFailure('webkit', 'test/browser/sw/own-worker.test.ts', SILENT)]);
    const failing = { browser: 'webkit', file: 'test/browser/sw/own-worker.test.ts', test: 'own > takes over', error: 'timed out waiting for the update to take over' };
    const merged = withRerun(first, 'webkit', ['test/browser/sw/own-worker.test.ts'], counts({ webkit: { passed: 1, failed: 1, skipped: 0, files: 1 } }, [failing]));
    assert.deepEqual(merged.total, { passed: 11, failed: 1, skipped: 0 });
    assert.deepEqual(merged.failures, [failing]);
  });
});
