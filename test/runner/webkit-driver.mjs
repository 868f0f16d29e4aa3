// @ts-check
/**
 * Lifecycle of the WebKit test stack: Xvfb on a free display, then
 * WebKitWebDriver on a free 127.0.0.1 port with DISPLAY set, polled on
 * /status until ready. MiniBrowser has no headless mode, hence Xvfb.
 *
 * Everything started here is stopped by the PIDs recorded here:
 * WebKitWebDriver runs in its own process group because it spawns
 * MiniBrowser (and MiniBrowser its WebKit*Process helpers), which survive a
 * plain kill of the driver; killing the group takes them all. Xvfb is killed
 * last, which also ends any GTK process still attached to its display.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { paths } from './browsers.mjs';
import { exitedEarly, ExitedEarly, onFreePort } from './services.mjs';

/** Upper bound for Xvfb to create its socket and for the driver to report ready. */
const READY_TIMEOUT_MS = 20_000;
/** Upper bound for a stopped process to exit before SIGKILL. */
const STOP_TIMEOUT_MS = 3_000;

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** @param {number} n */
const displayTaken = (n) => existsSync(`/tmp/.X${n}-lock`) || existsSync(`/tmp/.X11-unix/X${n}`);

/**
 * @param {import('node:child_process').ChildProcess} child
 * @returns {boolean}
 */
const alive = (child) => child.exitCode === null && child.signalCode === null;

/**
 * Sends `signal` to a process (or its group with `group`), ignoring "no such process".
 * @param {number | undefined} pid
 * @param {NodeJS.Signals} signal
 * @param {boolean} group
 */
function signalPid(pid, signal, group) {
  if (!pid) return;
  try {
    process.kill(group ? -pid : pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Stops `child` (SIGTERM, then SIGKILL after STOP_TIMEOUT_MS).
 * @param {import('node:child_process').ChildProcess} child
 * @param {boolean} group  the child leads its own process group: signal the group
 */
async function stopChild(child, group) {
  const exited = new Promise((r) => (alive(child) ? child.once('exit', r) : r(undefined)));
  signalPid(child.pid, 'SIGTERM', group);
  const timer = sleep(STOP_TIMEOUT_MS).then(() => 'timeout');
  if ((await Promise.race([exited, timer])) === 'timeout') {
    signalPid(child.pid, 'SIGKILL', group);
    await Promise.race([exited, sleep(1000)]);
  } else if (group) {
    // The leader is gone; sweep stragglers in its group (MiniBrowser children).
    signalPid(child.pid, 'SIGKILL', group);
  }
}

/**
 * Starts Xvfb on the first free display from `firstDisplay`.
 * @param {(line: string) => void} log
 * @param {number} firstDisplay
 * @returns {Promise<{ child: import('node:child_process').ChildProcess, display: string }>}
 */
async function startXvfb(log, firstDisplay) {
  const bin = paths.xvfb();
  for (let n = firstDisplay, tries = 0; tries < 20 && n < firstDisplay + 500; n++) {
    if (displayTaken(n)) continue;
    tries++;
    const child = spawn(bin, [`:${n}`, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    child.on('error', (e) => (stderr += String(e)));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline && alive(child) && !existsSync(`/tmp/.X11-unix/X${n}`)) await sleep(50);
    if (alive(child) && existsSync(`/tmp/.X11-unix/X${n}`)) {
      log(`Xvfb :${n} started (pid ${child.pid})`);
      return { child, display: `:${n}` };
    }
    await stopChild(child, false);
    // Lost a race for this display (or Xvfb is broken): try the next one, boundedly.
    log(`Xvfb :${n} did not start: ${stderr.trim().split('\n').pop() ?? ''}`);
  }
  throw new Error(`Xvfb: no display could be started from :${firstDisplay}`);
}

/**
 * @typedef {object} WebKitDriver
 * @property {number} port        WebKitWebDriver's port on 127.0.0.1
 * @property {string} display     e.g. ':99'
 * @property {number} xvfbPid
 * @property {number} driverPid
 * @property {() => Promise<void>} stop   stops the driver (and its browsers), then Xvfb; idempotent
 * @property {() => void} stopSync        best effort, synchronous, for process 'exit' handlers
 * @property {() => string} output        the last 4,000 characters the driver and its browsers wrote to stderr
 */

/**
 * Starts Xvfb + WebKitWebDriver and waits until the driver is ready.
 * @param {{ log?: (line: string) => void, firstDisplay?: number }} [options]
 * @returns {Promise<WebKitDriver>}
 */
export async function startWebKitDriver(options = {}) {
  const log = options.log ?? (() => {});
  const xvfb = await startXvfb(log, options.firstDisplay ?? 99);
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let driver;
  let stopping = /** @type {Promise<void> | null} */ (null);
  let stderr = '';
  const stop = () =>
    (stopping ??= (async () => {
      if (driver) await stopChild(driver, true);
      await stopChild(xvfb.child, false);
      log('WebKitWebDriver and Xvfb stopped');
    })());
  const stopSync = () => {
    if (driver && alive(driver)) signalPid(driver.pid, 'SIGKILL', true);
    // SIGTERM: Xvfb then removes its lock file and socket itself (SIGKILL would leave them).
    if (alive(xvfb.child)) signalPid(xvfb.child.pid, 'SIGTERM', false);
  };

  /** Starts the driver on `port` and waits for it to be ready. @param {number} port */
  const startDriver = async (port) => {
    const bin = paths.webkitDriver();
    const child = spawn(bin, [`--port=${port}`], {
      env: { ...process.env, DISPLAY: xvfb.display },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true, // own process group: see the header comment
    });
    driver = child;
    stderr = '';
    child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    child.on('error', (e) => (stderr += String(e)));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (!alive(child)) {
        await stopChild(child, true);
        throw new ExitedEarly(`WebKitWebDriver exited (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`);
      }
      if (Date.now() > deadline) throw new Error(`WebKitWebDriver not ready on port ${port} after ${READY_TIMEOUT_MS} ms: ${stderr.trim()}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(1000) });
        const body = /** @type {any} */ (await res.json());
        if (res.ok && body?.value?.ready) return { port, child };
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
  };

  try {
    const started = Date.now();
    const { port, child } = await onFreePort(startDriver, exitedEarly);
    log(`WebKitWebDriver ready on 127.0.0.1:${port} (pid ${child.pid}, DISPLAY=${xvfb.display}) in ${Date.now() - started} ms`);
    return {
      port,
      display: xvfb.display,
      xvfbPid: /** @type {number} */ (xvfb.child.pid),
      driverPid: /** @type {number} */ (child.pid),
      stop,
      stopSync,
      output: () => stderr,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
