// @ts-check
/**
 * Browser tests in three real engines: Chromium and Firefox through
 * puppeteer-core (CDP / WebDriver BiDi), WebKit through WebKitGTK's
 * MiniBrowser and WebKitWebDriver (WebDriver classic) under Xvfb.
 *
 * Environment:
 *   BROWSERS=chromium,firefox,webkit   which engines (default: all three)
 *   CHROME_PATH, FIREFOX_PATH          browser binaries (default: Debian's)
 *   WEBKIT_WEBDRIVER_PORT              WebKitWebDriver ports on 127.0.0.1, one per
 *                                      part, comma-separated (scripts/test.mjs starts
 *                                      them); for a part without one this config starts
 *                                      Xvfb and a driver itself and stops them at exit
 *   WTR_PARTS                          the whole suite in this many parts at once (default 2;
 *                                      files named on the command line run as one part)
 *   WTR_CONCURRENCY                    test files at once per Chromium/Firefox (default 1)
 *   WTR_CONCURRENT_BROWSERS            browsers at once (default 3 per part: all at once;
 *                                      1: one after another)
 *
 * Parts: the whole suite is split into WTR_PARTS groups of files of about
 * equal time (FILE_SECONDS), each run in browsers of its own, one of each
 * engine, so two files running at once never share a profile (IndexedDB,
 * service workers, locks); every file still runs once in every engine.
 * Measured here (2 cores, 50 files, 1,446 tests in all engines), the browser
 * phase alone: 402 s in one part; 302, 286 and 297 s in two (in the second, one
 * test that counted an order's requests failed in Firefox, the order hedged
 * on a busy machine: it now counts the order's keys); 307 s in three, with 4
 * timing-bound failures: two parts fill the 2 cores.
 *
 * Concurrency: in each part the three engines run at once, one test file at a time each.
 * Every engine's fault backends live in this one Node process (/__backend).
 * The tests mostly wait (on timers, circuits and the backends), so on CI's 2
 * cores the engines overlap well. Measured here (2 cores, 43 files / 330 tests
 * per engine): the browser phase takes 460 s one after another and 193 to
 * 205 s with all three at once, with no failure in 3 runs, nor in a fourth
 * with one core kept busy by another process (215 s). WTR_CONCURRENT_BROWSERS=1
 * runs them one after another, for the most timing margin on a slower machine.
 * WebKit must run one file at a time anyway: with concurrency > 1,
 * @web/test-runner-webdriver runs test files in iframes of one page instead
 * of as top-level pages, which breaks service worker tests. That launcher
 * reads the *global* `concurrency`, so it stays 1 and the puppeteer launchers
 * take WTR_CONCURRENCY as their own. More than one file at a time in
 * Chromium/Firefox also shares one browser profile (IndexedDB, service
 * workers, locks) between files running at once, which four tests did not
 * bear when tried: parts do not.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { defaultReporter } from '@web/test-runner';
import { chromeLauncher, puppeteerCore } from '@web/test-runner-chrome';
import { webdriverLauncher } from '@web/test-runner-webdriver';
import { CHROMIUM_ARGS, paths, selectedBrowsers, wtrParts } from './test/runner/browsers.mjs';
import { countReporter } from './test/runner/count-reporter.mjs';
import { backendControl, fixturesMiddleware, headersMiddleware, securityFixturesMiddleware } from './test/runner/middleware.mjs';
import { serveBackends } from './test/runner/serve-backends.mjs';
import { startWebKitDriver } from './test/runner/webkit-driver.mjs';
import { reactAppBundle } from './test/browser/react/bundle-plugin.mjs';

const env = process.env;
/** The repository root, wherever the runner is started from. */
const ROOT = fileURLToPath(new URL('.', import.meta.url));
const browsersWanted = selectedBrowsers(env);
const perBrowserConcurrency = Number(env.WTR_CONCURRENCY ?? 1);
/**
 * Whether the command line may name test files (`--files`, or a bare
 * argument: the runner takes those for files): they run as one part, as
 * given. Any other bare argument also means one part, which is only slower.
 */
const filesGiven = process.argv.slice(2).some((arg, i, args) => arg == '--files' || arg.startsWith('--files=') || (!arg.startsWith('-') && args[i - 1] != '--config'));
const parts = filesGiven ? 1 : wtrParts(env);
const concurrentBrowsers = Number(env.WTR_CONCURRENT_BROWSERS ?? 3 * parts);

/**
 * Teardown for what this config started itself (only when run without scripts/test.mjs).
 * @type {{ name: string, serverStop(): Promise<void> }[]}
 */
const ownedPlugins = [];

/**
 * The WebKitWebDriver port of part `part`: one driver per part, since a driver
 * holds one session at a time.
 * @param {number} part
 * @returns {Promise<number>}
 */
async function webkitDriverPort(part) {
  const given = (env.WEBKIT_WEBDRIVER_PORT ?? '').split(',').filter(Boolean);
  if (given[part]) return Number(given[part]);
  const driver = await startWebKitDriver({ log: (l) => console.log(`[webkit] ${l}`) });
  // Stopped with the dev server; `exit` is the backstop if the runner dies first.
  process.once('exit', driver.stopSync);
  ownedPlugins.push({ name: 'steadycart-webkit-driver', serverStop: () => driver.stop() });
  return driver.port;
}

/** @type {Map<import('@web/test-runner').BrowserLauncher, string>} */
const labels = new Map();
/**
 * One browser of each engine wanted, for one part of the files.
 * @param {number} part
 */
async function launchers(part) {
  const browsers = [];
  for (const name of browsersWanted) browsers.push(await launcher(name, part));
  return browsers;
}

/**
 * @param {string} name
 * @param {number} part
 */
async function launcher(name, part) {
  let launcher;
  if (name === 'chromium') {
    launcher = chromeLauncher({
      concurrency: perBrowserConcurrency,
      // `gc()` for the tests that check a closed instance is collected (test/browser/page/closed-instance.test.ts).
      launchOptions: { executablePath: paths.chromium(), headless: true, args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc'] },
    });
  } else if (name === 'firefox') {
    launcher = chromeLauncher({
      concurrency: perBrowserConcurrency,
      puppeteer: /** @type {any} */ (puppeteerCore),
      launchOptions: { browser: 'firefox', executablePath: paths.firefox(), headless: true },
    });
  } else {
    launcher = webdriverLauncher({
      hostname: '127.0.0.1',
      port: await webkitDriverPort(part),
      path: '/',
      logLevel: 'error',
      capabilities: {
        browserName: 'MiniBrowser',
        // This WebKitGTK build has no WebDriver BiDi: without this the session fails.
        'wdio:enforceWebDriverClassic': true,
        // @ts-ignore vendor capability
        'webkitgtk:browserOptions': { binary: paths.miniBrowser(), args: ['--automation'] },
        // The driver ends a hung page load itself, as a `timeout` error, at the
        // runner's testsStartTimeout (see logFailedNavigation).
        timeouts: { pageLoad: 60_000 },
      },
    });
    logFailedNavigation(launcher);
  }
  labels.set(launcher, name);
  return launcher;
}

const FILES = `${ROOT}test/browser/**/*.test.ts`;
/**
 * The longest test files' seconds per engine (a fresh-clone run; every other
 * file takes under 5 s): what `WTR_PARTS` balances the parts by.
 */
const FILE_SECONDS = {
  'outbox/outbox': 68, 'transport/place-order': 49, 'sw/worker': 28, 'outbox/lock': 18, 'transport/herd': 18,
  'outbox/triggers': 17, 'drill/drill': 17, 'snapshots': 12, 'properties': 12, 'transport/headers': 10,
  'server/against-serve': 10, 'sw/shell': 9, 'hardening/stored-records': 9, 'otel/otel': 8, 'sw/sync-loop': 7,
  'hardening/storage-lost': 7, 'react/react': 6, 'hardening/messages': 5, 'storage/migration': 5, 'outbox/drain': 5,
  'server/drill-against-serve': 5,
};

/**
 * The test files split into `parts` groups of about equal time, longest
 * first into the part with the least so far. Each part has browsers of its
 * own (their own profiles), so files of two parts never share IndexedDB,
 * service workers or locks.
 * @param {number} parts
 * @returns {string[][]}
 */
function splitFiles(parts) {
  // Paths under test/browser, as FILE_SECONDS names them.
  const seconds = (/** @type {string} */ file) => FILE_SECONDS[file.replace(/\.test\.ts$/, '')] ?? 2;
  const files = readdirSync(`${ROOT}test/browser`, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .sort((a, b) => seconds(b) - seconds(a) || a.localeCompare(b));
  const split = Array.from({ length: parts }, () => ({ files: /** @type {string[]} */ ([]), seconds: 0 }));
  for (const file of files) {
    const lightest = split.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    lightest.files.push(`${ROOT}test/browser/${file}`);
    lightest.seconds += seconds(file);
  }
  return split.map((p) => p.files);
}

/** @type {{ name: string, files: string[], browsers: import('@web/test-runner').BrowserLauncher[] }[]} */
const groups = [];
// One part after another: each WebKit driver of the config's own takes the next free display.
if (parts > 1) for (const [i, files] of splitFiles(parts).entries()) groups.push({ name: `part ${i + 1}`, files, browsers: await launchers(i) });
const browsers = parts == 1 ? await launchers(0) : groups.flatMap((g) => g.browsers);

/**
 * WebKitWebDriver has been seen (three times in some forty suite runs) to
 * hang on the navigation that starts a test file until webdriverio aborted
 * the `url` command after 120 s; @web/test-runner-webdriver leaves that
 * rejection unhandled, which stops the whole runner and loses every engine's
 * results. So the rejection is caught and logged, nothing more. A retry
 * cannot help: the hang outlasts `testsStartTimeout` (60 s), which decides
 * the file (its tests started, or it failed), and navigating again reloads
 * whatever page the runner has moved on to (a retry here once interrupted
 * the next file that way). The `pageLoad` timeout above makes the driver
 * end such a load at 60 s, not its default 300 s.
 *
 * The same hang was seen once on the navigation to about:blank that ends a
 * file, after every one of its tests had reported: the runner then failed a
 * file whose tests all passed. That navigation's failure (webdriverio's `url`
 * command) is logged too; any other failure to stop the file still fails it.
 * @param {any} launcher a webdriverLauncher (its session manager is made on first use)
 */
function logFailedNavigation(launcher) {
  const createManager = launcher.createDriverManager.bind(launcher);
  launcher.createDriverManager = async () => {
    const manager = await createManager();
    const navigate = manager.startSession.bind(manager);
    manager.startSession = async (/** @type {string} */ id, /** @type {string} */ url) => {
      try {
        return await navigate(id, url);
      } catch (error) {
        console.log(`[webkit] navigation to a test file failed: ${message(error)}`);
      }
    };
    const stop = manager.stopSession.bind(manager);
    manager.stopSession = async (/** @type {string} */ id) => {
      try {
        return await stop(id);
      } catch (error) {
        if (!/when running "url"/.test(message(error))) throw error;
        console.log(`[webkit] navigation away from a finished test file failed: ${message(error)}`);
        manager.urlMap.delete(id);
        return { testCoverage: undefined };
      }
    };
    return manager;
  };
}

/** @param {unknown} error */
function message(error) {
  return error instanceof Error ? error.message : String(error);
}

const backend = await backendControl();
// POST /__serve: fronts before `steadycart serve` on PostgreSQL (test/browser/server/).
const served = serveBackends(backend.control);

/** @type {import('@web/test-runner').TestRunnerConfig} */
export default {
  rootDir: ROOT, // serves src/, test/ (incl. test/fixtures/) and dist/ (the built bundles)
  // With WTR_PARTS, the groups name every file (one run of each in each engine).
  files: parts == 1 ? [FILES] : undefined,
  groups,
  // `browser`: packages' browser builds (the OpenTelemetry SDKs' own would import Node's os and util).
  nodeResolve: { browser: true },
  // Explicit target: WebKitGTK's user agent claims an old Safari, so 'auto' would over-transpile.
  plugins: [reactAppBundle(), esbuildPlugin({ ts: true, target: 'es2020' }), backend.plugin, served.plugin, ...ownedPlugins],
  middleware: [headersMiddleware, fixturesMiddleware, securityFixturesMiddleware, backend.middleware, served.middleware],
  browsers,
  concurrency: 1,
  concurrentBrowsers,
  // Bounded waits: a cold browser on a loaded CI machine, and long fault-test files.
  browserStartTimeout: 60_000,
  testsStartTimeout: 60_000,
  testsFinishTimeout: 5 * 60_000,
  testFramework: { config: { timeout: 30_000 } },
  reporters: [defaultReporter(), countReporter({ labels, outFile: `${ROOT}test-results/browser-counts.json` })],
};
