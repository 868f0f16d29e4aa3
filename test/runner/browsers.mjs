// @ts-check
/**
 * Where the three test engines live on this machine, and what a user must
 * install (or point an env var at) when one is missing. Shared by
 * web-test-runner.config.mjs and scripts/test.mjs so both agree.
 *
 *   chromium  CHROME_PATH    or /usr/bin/chromium                 (Debian: chromium)
 *   firefox   FIREFOX_PATH   or /usr/bin/firefox-esr              (Debian: firefox-esr)
 *   webkit    WEBKIT_WEBDRIVER_PATH or WebKitWebDriver on PATH,
 *             MINIBROWSER_PATH or /usr/lib/<arch>/webkit2gtk-4.1/MiniBrowser
 *                                                                (Debian: webkit2gtk-driver)
 *             Xvfb on PATH                                       (Debian: xvfb)
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Chromium's flags for every suite here (browser tests, end-to-end tests,
 * benchmarks): root on CI needs --no-sandbox; the rest keeps a headless
 * browser from reaching for the network or the GPU.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless=new',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Every engine the suite knows, in the order they run. */
export const ALL_BROWSERS = /** @type {const} */ (['chromium', 'firefox', 'webkit']);

/** @typedef {typeof ALL_BROWSERS[number]} BrowserName */

/**
 * How many parts the whole browser suite is split into, `WTR_PARTS` (default
 * 2): each part runs its share of the test files in browsers of its own, and
 * the parts run at once (web-test-runner.config.mjs says why 2).
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {number}
 */
export function wtrParts(env = process.env) {
  return Math.max(1, Math.floor(Number(env.WTR_PARTS ?? 2)) || 1);
}

/**
 * The engines chosen by `BROWSERS=chromium,firefox,webkit` (default: all).
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {BrowserName[]}
 */
export function selectedBrowsers(env = process.env) {
  const raw = (env.BROWSERS ?? '').trim();
  if (!raw) return [...ALL_BROWSERS];
  const names = raw.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const unknown = names.filter((n) => !(/** @type {readonly string[]} */ (ALL_BROWSERS).includes(n)));
  if (unknown.length) {
    throw new Error(`BROWSERS: unknown engine(s) ${unknown.join(', ')}; use a comma-separated subset of ${ALL_BROWSERS.join(',')}`);
  }
  // Keep the canonical order and drop duplicates.
  return ALL_BROWSERS.filter((b) => names.includes(b));
}

/** @param {string} path */
function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * First executable called `name` on PATH, or null.
 * @param {string} name
 * @param {NodeJS.ProcessEnv} [env]
 */
export function which(name, env = process.env) {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** Debian installs MiniBrowser under the multiarch lib folder (x86_64-linux-gnu, aarch64-linux-gnu...). */
function findMiniBrowser() {
  const candidates = ['/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser'];
  try {
    for (const d of readdirSync('/usr/lib')) {
      if (d.endsWith('-linux-gnu')) {
        candidates.push(`/usr/lib/${d}/webkit2gtk-4.1/MiniBrowser`, `/usr/lib/${d}/webkit2gtk-4.0/MiniBrowser`);
      }
    }
  } catch {
    // no /usr/lib: not Debian-like; the default path is reported as missing
  }
  return candidates.find(isExecutable) ?? candidates[0];
}

/**
 * @typedef {object} Requirement
 * @property {string} what      human name, e.g. 'Chromium'
 * @property {string} path      the path that will be used
 * @property {boolean} ok       it exists and is executable
 * @property {string | null} pkg      Debian package that provides the default path
 * @property {string | null} envVar   env var that overrides the path
 * @property {boolean} overridden     the path came from envVar (so installing pkg will not help)
 * @property {string} [problem]  why a binary that is there cannot be used (too old)
 */

/**
 * @param {string} what
 * @param {string | null} envVar
 * @param {string} fallback
 * @param {string | null} pkg
 * @param {NodeJS.ProcessEnv} env
 * @returns {Requirement}
 */
function req(what, envVar, fallback, pkg, env) {
  const fromEnv = envVar ? env[envVar] : undefined;
  const path = fromEnv || fallback;
  return { what, path, ok: isExecutable(path), pkg, envVar, overridden: !!fromEnv };
}

/**
 * What each engine needs.
 * @param {BrowserName} browser
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {Requirement[]}
 */
export function requirements(browser, env = process.env) {
  switch (browser) {
    case 'chromium':
      return [req('Chromium', 'CHROME_PATH', '/usr/bin/chromium', 'chromium', env)];
    case 'firefox':
      return [req('Firefox', 'FIREFOX_PATH', '/usr/bin/firefox-esr', 'firefox-esr', env)];
    case 'webkit':
      return [
        req('WebKitWebDriver', 'WEBKIT_WEBDRIVER_PATH', which('WebKitWebDriver', env) ?? '/usr/bin/WebKitWebDriver', 'webkit2gtk-driver', env),
        req('MiniBrowser (WebKitGTK)', 'MINIBROWSER_PATH', findMiniBrowser(), 'webkit2gtk-driver', env),
        req('Xvfb', null, which('Xvfb', env) ?? '/usr/bin/Xvfb', 'xvfb', env),
      ];
  }
}

/**
 * The oldest Firefox the browser tests can drive: the major version that the
 * puppeteer-core of @web/test-runner-chrome (web-test-runner.config.mjs
 * launches Firefox with it) targets. It drives Firefox over WebDriver BiDi and
 * sends commands older releases reject on every new page (Firefox 140 ESR:
 * "unknown command emulation.setScreenOrientationOverride"), so an old
 * firefox-esr would fail every test file. `null` when it cannot be read.
 * @returns {Promise<number | null>}
 */
export async function minFirefoxMajor() {
  try {
    const launcher = createRequire(import.meta.url).resolve('@web/test-runner-chrome');
    const revisions = createRequire(launcher).resolve('puppeteer-core/internal/revisions.js');
    const { PUPPETEER_REVISIONS } = await import(pathToFileURL(revisions).href);
    const major = Number(/(\d+)\./.exec(String(PUPPETEER_REVISIONS.firefox))?.[1]);
    return major > 0 ? major : null;
  } catch {
    return null;
  }
}

/**
 * Firefox's requirement with its version checked against `minMajor`: not ok,
 * with a `problem`, when the binary reports an older major version.
 * @param {number | null} minMajor
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {Requirement}
 */
export function firefoxRequirement(minMajor, env = process.env) {
  const r = requirements('firefox', env)[0];
  if (!r.ok || !minMajor) return r;
  let major = NaN;
  try {
    major = Number(/Firefox (\d+)\./.exec(execFileSync(r.path, ['--version'], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore'] }))?.[1]);
  } catch {
    // It would not say: the test runner tries it as it is.
  }
  if (!(major < minMajor)) return r;
  return { ...r, ok: false, problem: `${r.path} is Firefox ${major}; the browser tests drive Firefox ${minMajor} or newer` };
}

/** Paths used by the config. */
export const paths = {
  chromium: () => requirements('chromium')[0].path,
  firefox: () => requirements('firefox')[0].path,
  webkitDriver: () => requirements('webkit')[0].path,
  miniBrowser: () => requirements('webkit')[1].path,
  xvfb: () => requirements('webkit')[2].path,
};
