#!/usr/bin/env node
// @ts-check
/**
 * npm test: the whole suite, ending with exactly one line `N passed, N failed`
 * (every node-side test plus every browser test in every engine).
 *
 * Phases, in order; a failing check phase stops the run, a test phase with
 * failing tests does not (the later phases still run, so every test is counted):
 *   browsers   check the engines; as root on Debian, apt-get install what is missing
 *   typecheck + build   npm run typecheck and npm run build, at once    (stops on failure)
 *   size       npm run size                                        (stops on failure)
 *   package    the package as npm ships it: publint --strict, and attw with the esm-only profile
 *              (steadycart promises no CommonJS resolution) on the tarball `npm pack --ignore-scripts`
 *              makes; each counts 1 passed or 1 failed              (does not stop the run)
 *   services   a throwaway PostgreSQL and Redis on free loopback ports (test/runner/services.mjs;
 *              as root on Debian, apt-get installs postgresql and redis-server when missing);
 *              their URLs go to every later phase as STEADYCART_TEST_POSTGRES_URL and
 *              STEADYCART_TEST_REDIS_URL, and both are stopped at the end, also on failure
 *              and on SIGINT/SIGTERM/SIGHUP; when one of those variables is already set, that
 *              server is used and none is started for it        (stops on failure)
 *   node       node --test test/backend/selftest.mjs test/node/**\/*.test.mjs test/server/*.test.mjs,
 *              three files at once
 *   e2e        node --test test/e2e/**\/*.test.mjs (playwright-core + Chromium), two files at once,
 *              after installing examples/react-shop's dependencies when they are missing
 *   browser    web-test-runner in Chromium, Firefox and WebKit, the files in WTR_PARTS parts
 *              at once (default 2), each part in browsers of its own; for WebKit this script
 *              starts Xvfb and WebKitWebDriver, one of each per part, and stops them by PID at the end;
 *              a file from which an engine gave no result at all (its page stopped answering) is
 *              run once more in that engine alone, and counted from that run (test/runner/rerun.mjs)
 * A phase that fails without test results counts as 1 failed; a test phase
 * that exits non-zero with no failing test counted also counts 1 failed.
 * Skipped tests count neither way (they are reported). Exit 0 only if all passed.
 *
 * Environment:
 *   BROWSERS=chromium,firefox,webkit   engines to run (default all three)
 *   CHROME_PATH, FIREFOX_PATH          browser binaries (default Debian's /usr/bin ones)
 *   STEADYCART_TEST_POSTGRES_URL, STEADYCART_TEST_REDIS_URL   servers of your own for the
 *                                      server tests (default: throwaway ones, see services)
 *   SKIP_SIZE_FAIL=1                   a size budget overrun is a warning, not a failure
 *   WTR_PARTS, WTR_CONCURRENCY, WTR_CONCURRENT_BROWSERS   see web-test-runner.config.mjs
 *
 * Outputs: test-results/browser-counts.json (from test/runner/count-reporter.mjs),
 * test-results/node.tap and test-results/e2e.tap.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { firefoxRequirement, minFirefoxMajor, requirements, selectedBrowsers, which, wtrParts } from '../test/runner/browsers.mjs';
import { startWebKitDriver } from '../test/runner/webkit-driver.mjs';
import { silentFiles, withRerun } from '../test/runner/rerun.mjs';
import { ensureServiceBinaries, startPostgres, startRedis } from '../test/runner/services.mjs';

const require = createRequire(import.meta.url);
// Every path below is relative to the repository root.
process.chdir(fileURLToPath(new URL('..', import.meta.url)));
const RESULTS = 'test-results';
const COUNTS_FILE = `${RESULTS}/browser-counts.json`;
const MIN = 60_000;

/** @typedef {{ passed: number, failed: number, skipped: number }} Counts */
/** @typedef {{ name: string, status: 'ok' | 'failed' | 'skipped', ms: number, note?: string }} PhaseRecord */

const totals = { passed: 0, failed: 0, skipped: 0 };
/** @type {PhaseRecord[]} */
const phases = [];
/** @type {string[]} lines printed in the final summary */
const report = [];
/** @type {Set<import('node:child_process').ChildProcess>} the children running right now */
const running = new Set();
/** @type {import('../test/runner/webkit-driver.mjs').WebKitDriver[]} one per part of the browser suite (WTR_PARTS) */
let webkit = [];
/** @type {{ stop: () => Promise<void> }[]} PostgreSQL and Redis for the server tests */
let services = [];
let finished = false;

/** @param {string} line */
const say = (line) => console.log(`[test] ${line}`);
const seconds = (/** @type {number} */ ms) => `${(ms / 1000).toFixed(1)} s`;

// ---------------------------------------------------------------- processes

/**
 * Sends `signal` to the process group `child` leads (see run()), ignoring "no such process".
 * @param {import('node:child_process').ChildProcess} child
 * @param {NodeJS.Signals | 0} signal  0 only tests whether anyone of the group is left
 * @returns {boolean} false when nobody of the group is left
 */
function signalGroup(child, signal) {
  try {
    process.kill(-(/** @type {number} */ (child.pid)), signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a command with inherited stdout and stderr, bounded by `timeoutMs`.
 *
 * The command leads a process group of its own (detached), and is stopped by signalling
 * that group: signalling only `node --test` ended its test file processes with SIGTERM,
 * without their after() hooks or exit handlers, and what they had started (`steadycart
 * serve`, helper scripts) ran on forever. A Ctrl-C in a terminal no longer reaches the group
 * directly; this script's SIGINT handler passes it on. Standard input is not the terminal's:
 * a background group that reads it, or puts it in raw mode as web-test-runner does, is stopped.
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, timeoutMs: number, stopSignal?: NodeJS.Signals }} options
 * @returns {Promise<{ code: number | null, signal: string | null, timedOut: boolean }>}
 */
function run(cmd, args, options) {
  return new Promise((resolve) => {
    // Nothing new starts once interrupted (the package phase runs its checks one after another).
    if (interrupted) return resolve({ code: null, signal: interrupted, timedOut: false });
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env: options.env ?? process.env, detached: true });
    running.add(child);
    let timedOut = false;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let killTimer;
    const timer = setTimeout(() => {
      timedOut = true;
      say(`${cmd} ${args.join(' ')}: still running after ${seconds(options.timeoutMs)}, stopping it`);
      signalGroup(child, options.stopSignal ?? 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child, 'SIGKILL'), 15_000);
    }, options.timeoutMs);
    child.on('error', (err) => say(`${cmd}: ${err.message}`));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      running.delete(child);
      resolve({ code, signal, timedOut });
    });
  });
}

/** @type {Promise<void>} the stops so far, one after another */
let stopping = Promise.resolve();

/**
 * Stops whatever this script started: the running children, the WebKit stack, then the test
 * databases. Calls queue up behind the one in progress (the signal handler's, then main's
 * finally), so none returns while another is still stopping something, and a later call also
 * stops what started meanwhile (a test database that came up during the signal's stop).
 */
function stopAll() {
  return (stopping = stopping.then(stopNow).catch((err) => say(`stopping: ${err?.message ?? err}`)));
}

async function stopNow() {
  await Promise.all(
    [...running].map(async (child) => {
      // The whole group: the command and every process it started that stayed in it.
      // web-test-runner closes its browsers on SIGINT (not on SIGTERM).
      if (!signalGroup(child, 'SIGINT')) return;
      // Up to 15 s for the group to end (a test file's after() hooks, a server finishing its
      // requests), then SIGKILL for whoever is left.
      const until = Date.now() + 15_000;
      while (Date.now() < until && signalGroup(child, 0)) await new Promise((r) => setTimeout(r, 200));
      signalGroup(child, 'SIGKILL');
    }),
  );
  await stopWebKit();
  const started = services;
  services = [];
  await Promise.all(started.map((s) => s.stop().catch((err) => say(`stopping a test database: ${err?.message ?? err}`))));
}

/** @type {NodeJS.Signals | null} set on SIGINT/SIGTERM/SIGHUP: no new phase starts */
let interrupted = null;
/** A run a signal ended exits as the shell reports one: 128 + its number (SIGHUP 129, SIGINT 130, SIGTERM 143). */
const signalExit = (/** @type {NodeJS.Signals} */ sig) => 128 + constants.signals[sig];
// SIGHUP: the terminal closed or the SSH session dropped (npm passes on only SIGINT and SIGTERM, and the
// test databases, the browsers and their drivers, in process groups of their own, would never hear it).
for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
  process.on(sig, () => {
    if (interrupted || finished) return;
    interrupted = sig;
    say(`${sig}: stopping`);
    // Ends the running child; main() then sees the phase fail, starts nothing
    // more, waits in its finally until this stop is done, and prints the summary.
    // The timer is the backstop if it does not.
    void stopAll();
    setTimeout(() => {
      if (finished) return;
      finished = true;
      for (const driver of webkit) driver.stopSync();
      for (const child of running) signalGroup(child, 'SIGKILL');
      // At exit, services.mjs SIGKILLs the test databases not stopped yet (one still
      // stopping included: it stays on its list until its folder is gone) and removes their folders.
      totals.failed += 1;
      printEnd();
      process.exit(signalExit(sig));
    }, 30_000).unref();
  });
}
// Also on an exit no signal handler saw through (an uncaught error): nothing started here outlives the run.
process.on('exit', () => {
  webkit.forEach((driver) => driver.stopSync());
  for (const child of running) signalGroup(child, 'SIGKILL');
});

/** Stops every WebKitWebDriver (and its Xvfb) started for the browser suite. */
async function stopWebKit() {
  const started = webkit;
  webkit = [];
  await Promise.all(started.map((driver) => driver.stop()));
}

// ---------------------------------------------------------------- helpers

/**
 * Files under `dir` whose name ends with `suffix`, sorted.
 * @param {string} dir
 * @param {string} suffix
 * @returns {string[]}
 */
function findFiles(dir, suffix) {
  if (!existsSync(dir)) return [];
  /** @type {string[]} */
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules') out.push(...findFiles(p, suffix));
    else if (e.isFile() && e.name.endsWith(suffix)) out.push(p);
  }
  return out.sort();
}

/**
 * The node files that take longest, longest first (about this many seconds
 * each in a CI run on 2 cores, three files at once, summed from the run's TAP
 * suites): `node --test` starts files in the order given,
 * and a long file started last would keep the phase running alone at its end.
 */
const LONG_NODE_FILES = [
  'test/server/check.test.mjs', // 70 s: 30 broken backends, two at a time
  'test/server/regions.test.mjs', // 50 s: 32,000 POSTs on PostgreSQL, then on Redis
  'test/server/cli-serve.test.mjs', // 38 s
  'test/server/stores.test.mjs', // 37 s
  'test/server/leases.test.mjs', // 25 s
  'test/server/kill.test.mjs', // 20 s
];

/**
 * The end-to-end files that take longest, longest first (seconds each, two
 * files at once on 2 cores): in alphabetical order the demo shop's file
 * started last and ran alone for most of a minute at the phase's end.
 */
const LONG_E2E_FILES = [
  'test/e2e/chaos-soak.test.mjs', // 81 s
  'test/e2e/failover.test.mjs', // 63 s
  'test/e2e/shop.test.mjs', // 54 s
  'test/e2e/react-shop.test.mjs', // 36 s
  'test/e2e/bundler.test.mjs', // 33 s
  'test/e2e/payment.test.mjs', // 32 s
  'test/e2e/outbox-worker.test.mjs', // 32 s
];

/**
 * `files` with the long ones first, in `long`'s order; the rest keep theirs.
 * @param {string[]} files
 * @param {string[]} long
 */
const longestFirst = (files, long) => [...long.filter((f) => files.includes(f)), ...files.filter((f) => !long.includes(f))];

/**
 * The summary of `node --test --test-reporter=tap`, or null if there is none
 * (the runner crashed before reporting).
 * @param {string} file
 * @returns {Counts | null}
 */
function parseTap(file) {
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  /** @param {string} key */
  const num = (key) => {
    const all = [...text.matchAll(new RegExp(`^# ${key} (\\d+)$`, 'gm'))];
    const last = all[all.length - 1];
    return last ? Number(last[1]) : null;
  };
  const pass = num('pass');
  const fail = num('fail');
  if (pass === null || fail === null) return null;
  return { passed: pass, failed: fail + (num('cancelled') ?? 0), skipped: (num('skipped') ?? 0) + (num('todo') ?? 0) };
}

/** @param {Counts} c */
function add(c) {
  totals.passed += c.passed;
  totals.failed += c.failed;
  totals.skipped += c.skipped;
}

/**
 * Runs one phase, timing it.
 * @param {string} name
 * @param {() => Promise<{ ok: boolean, hard?: boolean, note?: string }>} body
 * @returns {Promise<boolean>} false when the run must stop
 */
async function phase(name, body) {
  console.log(`\n[test] ===== ${name} =====`);
  const start = Date.now();
  let result;
  try {
    result = await body();
  } catch (err) {
    say(`${name}: ${/** @type {Error} */ (err)?.stack ?? err}`);
    totals.failed += 1;
    result = { ok: false, hard: true, note: 'crashed' };
  }
  const ms = Date.now() - start;
  phases.push({ name, status: result.ok ? 'ok' : 'failed', ms, note: result.note });
  say(`${name}: ${result.ok ? 'ok' : 'FAILED'} in ${seconds(ms)}${result.note ? ` (${result.note})` : ''}`);
  return result.ok || !result.hard;
}

/**
 * An npm script as a check phase: failure counts 1 failed and stops the run.
 * @param {string} script
 * @param {number} timeoutMs
 */
async function npmScript(script, timeoutMs) {
  const r = await run('npm', ['run', '--silent', script], { timeoutMs });
  if (r.code === 0) return { ok: true };
  totals.failed += 1;
  return { ok: false, hard: true, note: r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}` };
}

/**
 * Check phases run at once, as one phase: it fails (and stops the run) if any of them does.
 * @param {[string, () => Promise<{ ok: boolean, hard?: boolean, note?: string }>][]} parts  each one's name (for the note) and body
 */
async function together(parts) {
  const results = await Promise.all(parts.map(([, body]) => body()));
  const failed = results.flatMap((r, i) => (r.ok ? [] : [`${parts[i]?.[0]}: ${r.note ?? 'failed'}`]));
  if (failed.length == 0) return { ok: true };
  return { ok: false, hard: results.some((r) => !r.ok && r.hard), note: failed.join('; ') };
}

/**
 * `node --test` over `files`, counted from a TAP file; the spec reporter prints.
 * @param {string} label
 * @param {string[]} files
 * @param {string[]} extraArgs
 * @param {number} timeoutMs
 */
async function nodeTests(label, files, extraArgs, timeoutMs) {
  const tap = `${RESULTS}/${label}.tap`;
  rmSync(tap, { force: true });
  const r = await run(
    process.execPath,
    ['--test', ...extraArgs, '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files],
    { timeoutMs },
  );
  const counts = parseTap(tap);
  if (!counts) {
    totals.failed += 1;
    return { ok: false, note: `no results (exit ${r.code ?? r.signal})` };
  }
  add(counts);
  let note = `${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`;
  if (r.code !== 0 && counts.failed === 0) {
    totals.failed += 1;
    note += `; exited ${r.code ?? r.signal} with no failing test: counted 1 failed`;
  }
  report.push(`${label}: ${note}`);
  return { ok: r.code === 0 && counts.failed === 0, note };
}

/** The web-test-runner CLI script (its package does not export package.json, so walk up from its main). */
function webTestRunnerBin() {
  let dir = dirname(require.resolve('@web/test-runner'));
  /** @param {string} d */
  const pkgAt = (d) => (existsSync(join(d, 'package.json')) ? JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) : null);
  while (pkgAt(dir)?.name !== '@web/test-runner') {
    if (dirname(dir) === dir) throw new Error('@web/test-runner: package.json not found');
    dir = dirname(dir);
  }
  const { bin } = pkgAt(dir);
  return join(dir, typeof bin === 'string' ? bin : bin['web-test-runner']);
}

// ---------------------------------------------------------------- phases

/**
 * The package checks, given the tarball `npm pack` made of dist/ as built above (undefined if it
 * failed): name, then the command (a binary of node_modules/.bin) and its arguments, or null when it
 * cannot run. (attw's own `--pack` runs the prepack script, which builds everything again: 25 s,
 * against 4.5 s this way.)
 * @param {string | undefined} tarball
 * @returns {[string, string[] | null][]}
 */
const packageCommands = (tarball) => [
  ['publint', ['publint', '--strict']],
  ['attw', tarball ? ['attw', tarball, '--profile', 'esm-only'] : null],
];

/**
 * Lints the package as `npm pack` makes it (dist/ must be built): each check
 * counts 1 passed or 1 failed, so a packaging mistake shows in the totals
 * without hiding the tests after it.
 */
async function packageChecks() {
  /** @type {string[]} */
  const failed = [];
  const packDir = mkdtempSync(join(tmpdir(), 'steadycart-pack-'));
  let checks;
  try {
    const packed = await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', packDir], { timeoutMs: 3 * MIN });
    const tarball = packed.code === 0 ? readdirSync(packDir).find((f) => f.endsWith('.tgz')) : undefined;
    checks = packageCommands(tarball && join(packDir, tarball));
    for (const [name, command] of checks) {
      const r = command && (await run(join('node_modules', '.bin', command[0]), command.slice(1), { timeoutMs: 3 * MIN }));
      if (r?.code === 0) totals.passed += 1;
      else {
        totals.failed += 1;
        failed.push(`${name} (${!r ? `npm pack failed (exit ${packed.code ?? packed.signal})` : r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}`})`);
      }
    }
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
  const note = `${checks.length - failed.length} passed, ${failed.length} failed${failed.length ? `: ${failed.join(', ')}` : ''}`;
  report.push(`package: ${note}`);
  return { ok: failed.length === 0, note };
}

/**
 * Makes sure every engine needed is installed; as root on Debian, installs
 * the missing packages with apt-get.
 * @param {import('../test/runner/browsers.mjs').BrowserName[]} engines
 * @param {boolean} e2eNeedsChromium  there are e2e tests (they run in Chromium)
 */
async function checkBrowsers(engines, e2eNeedsChromium) {
  const minFirefox = engines.includes('firefox') ? await minFirefoxMajor() : null;
  // Firefox also needs to be new enough; installing its package upgrades an old one.
  const needs = (/** @type {typeof engines[number]} */ b) => (b === 'firefox' ? [firefoxRequirement(minFirefox)] : requirements(b));
  const missing = () => engines.flatMap(needs).filter((r) => !r.ok);
  let gaps = missing();
  if (gaps.length === 0) return { ok: true, note: engines.join(', ') };

  const pkgs = [...new Set(gaps.filter((g) => !g.overridden && g.pkg).map((g) => /** @type {string} */ (g.pkg)))];
  const canApt = process.getuid?.() === 0 && existsSync('/etc/debian_version') && which('apt-get') !== null;
  if (canApt && gaps.every((g) => !g.overridden && g.pkg)) {
    say(`missing ${gaps.map((g) => (g.problem ? `a newer ${g.what}` : g.what)).join(', ')}: installing as root with apt-get: ${pkgs.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const up = await run('apt-get', ['update'], { env, timeoutMs: 10 * MIN });
    const inst = up.code === 0 ? await run('apt-get', ['install', '-y', ...pkgs], { env, timeoutMs: 20 * MIN }) : up;
    gaps = missing();
    if (inst.code === 0 && gaps.length === 0) return { ok: true, note: `installed ${pkgs.join(' ')}` };
  }
  say('cannot run the browser tests; provide:');
  for (const g of gaps) {
    if (g.problem && g.overridden) say(`  ${g.what}: ${g.problem}; point ${g.envVar} at a newer one, or unset it to use the Debian package ${g.pkg}`);
    else if (g.problem) say(`  ${g.what}: ${g.problem}; upgrade the Debian package '${g.pkg}'${g.envVar ? ` or set ${g.envVar} to a newer one` : ''}`);
    else if (g.overridden) say(`  ${g.what}: ${g.envVar}=${g.path} is not an executable; fix ${g.envVar} or unset it to use the Debian package ${g.pkg}`);
    else say(`  ${g.what}: not found at ${g.path}; install the Debian package '${g.pkg}'${g.envVar ? ` or set ${g.envVar} to its binary` : ''}`);
  }
  if (pkgs.length) say(`  as root on Debian: apt-get update && apt-get install -y ${pkgs.join(' ')}`);
  // The e2e tests drive Chromium whatever BROWSERS says (main() adds it to `engines`):
  // without it, no BROWSERS value helps.
  const chromiumMissing = e2eNeedsChromium && !needs('chromium').every((r) => r.ok);
  const usable = engines.filter((b) => needs(b).every((r) => r.ok));
  if (chromiumMissing) say('  the end-to-end tests (test/e2e) always need Chromium, whatever BROWSERS says');
  else if (usable.length) say(`  or run only the engines present: BROWSERS=${usable.join(',')} npm test`);
  totals.failed += 1;
  return { ok: false, hard: true, note: 'browsers missing' };
}

/** @typedef {import('../test/runner/rerun.mjs').BrowserCounts & { browsers: Record<string, Counts & { files: number, firstFileMs?: number, wallMs?: number, slowest?: { file: string, ms: number }[] }> }} BrowserCounts */

/** What each part's WebKitWebDriver (and its MiniBrowser) last wrote to stderr, kept past its stop. */
let driverOutputs = /** @type {string[]} */ ([]);

/**
 * The browser suite through web-test-runner.
 * @param {import('../test/runner/browsers.mjs').BrowserName[]} engines
 */
async function browserTests(engines) {
  rmSync(COUNTS_FILE, { force: true });
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env, BROWSERS: engines.join(',') };
  if (engines.includes('webkit')) {
    // One driver per part of the suite: a driver holds one session at a time. One after another,
    // so that each takes the next free display.
    for (let part = 0; part < wtrParts(); part++) {
      const t = Date.now();
      const driver = await startWebKitDriver({ log: say });
      webkit.push(driver);
      report.push(`webkit: Xvfb ${driver.display} + WebKitWebDriver :${driver.port} ready in ${seconds(Date.now() - t)}`);
    }
    env.WEBKIT_WEBDRIVER_PORT = webkit.map((driver) => driver.port).join(',');
  }
  const wtr = webTestRunnerBin();
  let r;
  try {
    r = await run(process.execPath, [wtr, '--config', 'web-test-runner.config.mjs'], { env, timeoutMs: 30 * MIN, stopSignal: 'SIGINT' });
  } finally {
    driverOutputs = webkit.map((driver) => driver.output());
    await stopWebKit();
  }
  if (!existsSync(COUNTS_FILE)) {
    totals.failed += 1;
    return { ok: false, note: `no results (exit ${r.code ?? r.signal})` };
  }
  /** @type {BrowserCounts} */
  let counts = JSON.parse(readFileSync(COUNTS_FILE, 'utf8'));
  const firstFailed = counts.total.failed;
  // Files of an engine whose page stopped answering: run once more, alone (test/runner/rerun.mjs).
  const silent = silentFiles(counts);
  /** @type {string[]} */
  const reruns = [];
  let rerunsExited = true;
  for (const [engine, files] of silent) {
    say(`${engine}: no result at all from ${files.join(', ')} (its page stopped answering): running ${files.length == 1 ? 'it' : 'them'} once more, alone`);
    if (engine == 'webkit') for (const [part, output] of driverOutputs.entries()) say(`webkit: what WebKitWebDriver and MiniBrowser of part ${part + 1} last wrote:\n${output.trim() || '(nothing)'}`);
    const again = await browserFilesAgain(engine, files, wtr, env);
    if (!again.counts) {
      rerunsExited = false;
      reruns.push(`${engine} ${files.join(', ')} run again: no results (exit ${again.code})`);
      continue;
    }
    counts = withRerun(counts, engine, files, again.counts);
    const c = again.counts.browsers[engine] ?? { passed: 0, failed: 0, skipped: 0 };
    if (again.code !== 0 && c.failed === 0) rerunsExited = false;
    reruns.push(`${engine} ${files.join(', ')}: no result (page stopped answering); run again: ${c.passed} passed, ${c.failed} failed`);
  }
  add(counts.total);
  for (const [name, c] of Object.entries(counts.browsers)) {
    report.push(
      `${name.padEnd(8)}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped in ${c.files} files;` +
        ` first file (cold start) ${seconds(c.firstFileMs ?? 0)}, all files ${seconds(c.wallMs ?? 0)}`,
    );
    if (c.slowest?.length) report.push(`  slowest: ${c.slowest.slice(0, 5).map((f) => `${f.file.replace('test/browser/', '')} ${seconds(f.ms)}`).join(', ')}`);
  }
  for (const line of reruns) report.push(`  rerun: ${line}`);
  for (const f of counts.failures.slice(0, 40)) report.push(`  FAILED [${f.browser}] ${f.file}: ${f.test}: ${f.error.split('\n')[0]}`);
  if (counts.failures.length > 40) report.push(`  ... and ${counts.failures.length - 40} more (see ${COUNTS_FILE})`);
  let note = `${counts.total.passed} passed, ${counts.total.failed} failed${counts.total.skipped ? `, ${counts.total.skipped} skipped` : ''}`;
  if (reruns.length) note += `; ${reruns.length} run again`;
  // A first run whose only failures were the silent files exited non-zero for them alone.
  const exitedOk = r.code === 0 || (silent.size > 0 && firstFailed === [...silent.values()].flat().length && rerunsExited);
  if (!exitedOk && counts.total.failed === 0) {
    totals.failed += 1;
    note += `; web-test-runner exited ${r.code ?? r.signal} with no failing test: counted 1 failed`;
  }
  return { ok: exitedOk && counts.total.failed === 0, note };
}

/**
 * `files` run once more in `engine` alone (one part), with a WebKitWebDriver
 * of its own for WebKit; its counts, or none when the run wrote none.
 * @param {string} engine
 * @param {string[]} files
 * @param {string} wtr
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<{ code: number | string | null, counts?: BrowserCounts }>}
 */
async function browserFilesAgain(engine, files, wtr, env) {
  rmSync(COUNTS_FILE, { force: true });
  /** @type {NodeJS.ProcessEnv} */
  const again = { ...env, BROWSERS: engine };
  delete again.WEBKIT_WEBDRIVER_PORT;
  let r = { code: /** @type {number | string | null} */ ('not started'), signal: /** @type {string | null} */ (null) };
  try {
    if (engine == 'webkit') {
      const driver = await startWebKitDriver({ log: say });
      webkit.push(driver);
      again.WEBKIT_WEBDRIVER_PORT = String(driver.port);
    }
    r = await run(process.execPath, [wtr, '--config', 'web-test-runner.config.mjs', '--files', ...files], { env: again, timeoutMs: 10 * MIN, stopSignal: 'SIGINT' });
  } catch (err) {
    say(`${engine}: could not run again: ${/** @type {Error} */ (err)?.message ?? err}`);
  } finally {
    await stopWebKit();
  }
  return { code: r.code ?? r.signal, counts: existsSync(COUNTS_FILE) ? JSON.parse(readFileSync(COUNTS_FILE, 'utf8')) : undefined };
}

function printEnd() {
  console.log('\n[test] ===== summary =====');
  for (const p of phases) say(`${p.name.padEnd(17)} ${p.status.padEnd(7)} ${seconds(p.ms).padStart(8)}${p.note ? `  ${p.note}` : ''}`);
  for (const line of report) say(line);
  if (totals.skipped) say(`${totals.skipped} skipped (counted neither passed nor failed)`);
  console.log(`${totals.passed} passed, ${totals.failed} failed`);
}

/**
 * Starts one PostgreSQL and one Redis for the node phase (and later ones) and
 * exports their URLs; stopAll() stops them. A server of one's own, named by
 * STEADYCART_TEST_POSTGRES_URL or STEADYCART_TEST_REDIS_URL, is used as is: none
 * is started (nor installed) for it.
 */
async function startServices() {
  const kinds = /** @type {const} */ ([
    { name: 'PostgreSQL', pkg: 'postgresql', envVar: 'STEADYCART_TEST_POSTGRES_URL', start: startPostgres },
    { name: 'Redis', pkg: 'redis-server', envVar: 'STEADYCART_TEST_REDIS_URL', start: startRedis },
  ]);
  const toStart = kinds.filter((k) => !process.env[k.envVar]);
  for (const k of kinds) if (!toStart.includes(k)) say(`${k.name}: ${k.envVar}=${process.env[k.envVar]} (none started)`);
  try {
    // Once for both: one apt-get run and one message, naming each missing package once.
    ensureServiceBinaries(toStart.map((k) => k.pkg), say);
  } catch (err) {
    say(`cannot start a test database: ${/** @type {Error} */ (err).message}`);
    totals.failed += 1;
    return { ok: false, hard: true, note: 'test databases did not start' };
  }
  const results = await Promise.allSettled(toStart.map((k) => k.start()));
  for (const r of results) if (r.status == 'fulfilled') services.push(r.value);
  if (results.some((r) => r.status == 'rejected')) {
    for (const r of results) if (r.status == 'rejected') say(`cannot start a test database: ${r.reason?.message ?? r.reason}`);
    totals.failed += 1;
    return { ok: false, hard: true, note: 'test databases did not start' };
  }
  results.forEach((r, i) => {
    if (r.status == 'fulfilled') process.env[/** @type {typeof kinds[number]} */ (toStart[i]).envVar] = r.value.url;
  });
  return { ok: true, note: kinds.map((k) => process.env[k.envVar]).join(', ') };
}

/**
 * Installs examples/react-shop's dependencies (when missing) before the e2e
 * files start, when its test is among them: its first use would otherwise run
 * `npm install` while the file beside it (two run at once) times its orders
 * against the default 3 s budget. A failure is left for that test to report.
 * @param {string[]} e2eFiles
 */
async function prepareExamples(e2eFiles) {
  if (!e2eFiles.some((f) => f.endsWith('react-shop.test.mjs'))) return;
  try {
    const { ensureInstalled } = await import('../examples/react-shop/start.mjs');
    ensureInstalled(say);
  } catch (err) {
    say(`examples/react-shop: ${/** @type {Error} */ (err)?.message ?? err} (its test will say more)`);
  }
}

// ---------------------------------------------------------------- main

async function main() {
  const start = Date.now();
  mkdirSync(RESULTS, { recursive: true });
  /** @type {import('../test/runner/browsers.mjs').BrowserName[]} */
  let engines;
  try {
    engines = selectedBrowsers();
  } catch (err) {
    say(/** @type {Error} */ (err).message);
    totals.failed += 1;
    return;
  }
  const serverFiles = findFiles('test/server', '.test.mjs');
  const nodeFiles = longestFirst([...findFiles('test/backend', 'selftest.mjs'), ...findFiles('test/node', '.test.mjs'), ...serverFiles], LONG_NODE_FILES);
  const e2eFiles = longestFirst(findFiles('test/e2e', '.test.mjs'), LONG_E2E_FILES);
  // The e2e tests drive Chromium whatever BROWSERS says.
  const needed = /** @type {typeof engines} */ ([...new Set([...engines, ...(e2eFiles.length ? ['chromium'] : [])])]);

  /** @type {[string, boolean, () => Promise<{ ok: boolean, hard?: boolean, note?: string }>][]} name, runs at all, body */
  const steps = [
    ['browsers', true, () => checkBrowsers(needed, e2eFiles.length > 0)],
    // At once: neither needs the other, and each keeps one core busy.
    ['typecheck + build', true, () => together([['typecheck', () => npmScript('typecheck', 5 * MIN)], ['build', () => npmScript('build', 5 * MIN)]])],
    ['size', true, () => npmScript('size', 2 * MIN)],
    ['package', true, packageChecks],
    ['services', serverFiles.length > 0, startServices],
    // Three files at once: they mostly wait on servers, processes and databases (each has its own
    // ports, keys and folders). Measured on 2 cores: 216 s one at a time (node's default there), 124 s;
    // 143 s in path order and 127 s longest first in a later, larger suite. Not beside the browser
    // phase: when its three engines kept only 1.2 of the 2 cores busy on average (the node and e2e
    // phases 1.7), the node tests, two at a time, took 374 s there and the browser phase 53 s more,
    // the suite gained 54 s of 850, and two node tests that time a store or a backend under check
    // failed. The browser phase now fills those cores itself, in two parts (web-test-runner.config.mjs).
    ['node', nodeFiles.length > 0, () => nodeTests('node', nodeFiles, ['--test-concurrency=3'], 20 * MIN)],
    // Two files at once, each driving its own Chromium against its own servers on free ports.
    // Measured on 2 cores: 278 s one at a time, 233 s (they are mostly CPU-bound, so no more than two).
    ['e2e', e2eFiles.length > 0, async () => (await prepareExamples(e2eFiles), nodeTests('e2e', e2eFiles, ['--test-concurrency=2'], 15 * MIN))],
    ['browser', engines.length > 0, () => browserTests(engines)],
  ];
  let stopped = false;
  for (const [name, enabled, body] of steps) {
    if (!enabled) continue;
    if (!stopped && interrupted) {
      say(`interrupted by ${interrupted}; later phases do not run`);
      stopped = true;
    }
    if (stopped) {
      phases.push({ name, status: 'skipped', ms: 0, note: 'not run' });
      continue;
    }
    if (!(await phase(name, body))) {
      say(`${name} failed: later phases do not run`);
      stopped = true;
    }
  }
  report.push(`total wall time ${seconds(Date.now() - start)}`);
}

main()
  .catch((err) => {
    say(`crashed: ${err?.stack ?? err}`);
    totals.failed += 1;
  })
  .finally(async () => {
    if (finished) return;
    await stopAll();
    if (finished) return;
    finished = true;
    // An interrupted run did not pass, even if the phase that was cut short counted nothing.
    if (interrupted && totals.failed === 0) totals.failed += 1;
    printEnd();
    const ok = !interrupted && totals.failed === 0 && phases.every((p) => p.status === 'ok');
    process.exit(interrupted ? signalExit(interrupted) : ok ? 0 : 1);
  });
