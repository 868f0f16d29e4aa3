// @ts-check
/**
 * `steadycart serve` as a child process: started on a free loopback port,
 * ready once it prints its `listening on http://HOST:PORT` line, stopped
 * with SIGTERM (it finishes requests in flight) or killed with SIGKILL.
 * Used by the demo shop, the multi-process tests and the server benchmark.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupOnSignal } from './signal-cleanup.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The built command (`npm run build`). */
export const CLI = join(ROOT, 'dist/cli.mjs');

/**
 * @typedef {object} ServeOptions
 * @property {string} store           `memory`, `pglite:DIR`, `postgres://…` or `redis://…`
 * @property {string} [region]
 * @property {number} [port]          default 0 (any free port)
 * @property {string} [ledger]        JSON-lines file: one line per handler execution
 * @property {number} [handlerDelayMs]
 * @property {number} [leaseMs]       lease of a running handler (serve's default: 30 s)
 * @property {string[]} [corsOrigins]
 * @property {boolean} [metrics]     serve GET /metrics (Prometheus text format)
 * @property {Record<string, string>} [env]  extra environment (e.g. STEADYCART_CRASH_AT)
 * @property {number} [startTimeoutMs] default 180 s (PGlite's first start, initdb in WebAssembly, takes
 *                                    seconds on an idle machine and over a minute on a saturated one)
 * @property {(line: string) => void} [log]  standard error of the process, line by line
 */

/**
 * @typedef {object} ServeProcess
 * @property {string} url         e.g. http://127.0.0.1:41234
 * @property {number} port
 * @property {number} pid
 * @property {string | undefined} ledger
 * @property {Promise<{ code: number | null, signal: string | null }>} exited
 * @property {() => string} stderr   what it wrote to standard error so far
 * @property {() => Promise<{ code: number | null, signal: string | null }>} stop  SIGTERM, then wait (SIGKILL after 10 s)
 * @property {() => Promise<{ code: number | null, signal: string | null }>} kill  SIGKILL, then wait
 */

/** The serve processes started here and still running: killed on SIGINT/SIGTERM too, when nothing else stops them. */
const live = new Set();
const killLive = () => {
  for (const child of live) child.kill('SIGKILL');
};

/**
 * Starts `node dist/cli.mjs serve …` and resolves once it listens.
 * @param {ServeOptions} options
 * @returns {Promise<ServeProcess>}
 */
export function startServe(options) {
  const args = [CLI, 'serve', '--port', String(options.port ?? 0), '--store', options.store];
  if (options.region) args.push('--region', options.region);
  if (options.ledger) args.push('--ledger', options.ledger);
  if (options.handlerDelayMs !== undefined) args.push('--handler-delay-ms', String(options.handlerDelayMs));
  if (options.leaseMs !== undefined) args.push('--lease-ms', String(options.leaseMs));
  for (const o of options.corsOrigins ?? []) args.push('--cors-origin', o);
  if (options.metrics) args.push('--metrics');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  let err = '';
  let out = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    err += d;
    if (err.length > 64_000) err = err.slice(-32_000);
    if (options.log) for (const line of String(d).split('\n')) if (line) options.log(line);
  });
  // Never outlive the process that started it, whatever way that one ends.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  live.add(child);
  cleanupOnSignal(killLive);
  /** @type {Promise<{ code: number | null, signal: string | null }>} */
  const exited = new Promise((r) =>
    child.once('exit', (code, signal) => {
      process.off('exit', orphanGuard);
      live.delete(child);
      r({ code, signal });
    }),
  );

  const wait = async (/** @type {NodeJS.Signals} */ signal, /** @type {number} */ graceMs) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  return new Promise((resolveStart, rejectStart) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectStart(new Error(`steadycart serve did not listen within ${options.startTimeoutMs ?? 180_000} ms: ${err.trim()}`));
    }, options.startTimeoutMs ?? 180_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^listening on (http:\/\/\S+)$/m.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const url = /** @type {string} */ (m[1]);
      resolveStart({
        url,
        port: Number(new URL(url).port),
        pid: /** @type {number} */ (child.pid),
        ledger: options.ledger,
        exited,
        stderr: () => err,
        stop: () => wait('SIGTERM', 10_000),
        kill: () => wait('SIGKILL', 10_000),
      });
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      rejectStart(new Error(`steadycart serve exited (${signal ?? code}) before listening: ${err.trim()}`));
    });
  });
}

/**
 * The executions a `--ledger` file records, oldest first. A last line still
 * being written (no newline yet) is left for the next read.
 * @param {string} file
 * @returns {{ key: string, attempt: number, region: string, charged: boolean }[]}
 */
export function readLedger(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT') return [];
    throw err;
  }
  const end = text.lastIndexOf('\n');
  return end < 0 ? [] : text.slice(0, end).split('\n').filter(Boolean).map((line) => JSON.parse(line));
}
