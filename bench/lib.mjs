// Shared pieces of the benchmarks: browser launch, the static server, statistics,
// seeded randomness, bounded polling, machine facts and table formatting.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { seededRandom } from '../test/backend/faults.mjs';

export { seededRandom };
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Built helper bundles (the baselines' page script, the Workbox worker, the herd's policy module). */
export const BUILD = join(ROOT, 'bench/out');
export const CHROME = process.env.CHROME_PATH || '/usr/bin/chromium';
const CHROME_ARGS = ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * The shipped bundles are measured from a copy taken when the run starts
 * (bench/out/dist/), so that a rebuild of dist/ during the run cannot mix two
 * builds in one set of results. Resolves with each file's sha256.
 */
export const SNAPSHOT = 'bench/out/dist';
export function snapshotDist() {
  mkdirSync(join(ROOT, SNAPSHOT), { recursive: true });
  const hashes = {};
  for (const file of ['steadycart.iife.js', 'steadycart-cart.iife.js', 'steadycart-sw.js', 'steadycart-sw-shell.js', 'steadycart.mjs', 'steadycart-index.mjs', 'steadycart-cart.mjs', 'steadycart-drill.mjs']) {
    copyFileSync(join(ROOT, 'dist', file), join(ROOT, SNAPSHOT, file));
    hashes[file] = sha256(readFileSync(join(ROOT, SNAPSHOT, file)));
  }
  return hashes;
}

const sha256 = (data) => createHash('sha256').update(data).digest('hex').slice(0, 12);

/** A fingerprint of src/ (every file's path and content), to say exactly which source a run measured. */
export function srcFingerprint() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else hash.update(path).update(readFileSync(join(ROOT, path)));
    }
  };
  walk('src');
  return hash.digest('hex').slice(0, 12);
}

/** Prints a progress line with the time since the run started. */
const t0 = Date.now();
export const progress = (...parts) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s]`, ...parts);

/**
 * A fresh Chromium profile on disk (so IndexedDB writes really reach the disk,
 * as on a shopper's machine; an incognito context would keep them in memory).
 * `close()` removes the profile.
 */
export async function launchBrowser() {
  const dir = mkdtempSync(join(os.tmpdir(), 'steadycart-bench-'));
  const context = await chromium.launchPersistentContext(dir, { executablePath: CHROME, args: CHROME_ARGS, timeout: 30_000 });
  context.setDefaultTimeout(60_000);
  return {
    context,
    version: context.browser()?.version() ?? chromiumVersion(),
    async close() {
      await context.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function chromiumVersion() {
  try {
    return execFileSync(CHROME, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * CPU time (user + system) spent from now until `stop()`, in ms, by Chromium's
 * processes (every one on the machine: a benchmark's browser is the only one
 * running) sorted by kind (`browser`, `renderer`, `network`, `other`), and by
 * this Node process (the harness and the in-process backend). Linux only
 * (/proc): elsewhere `stop()` returns null.
 */
export function cpuMeter() {
  if (!existsSync('/proc/self/stat')) return { stop: () => null };
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  const chromium = () => {
    const out = new Map();
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        // Chromium's child processes rewrite their command line with spaces between the arguments.
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
        if (!cmd[0]?.includes('chrom')) continue;
        const type = cmd.find((a) => a.startsWith('--type='))?.slice(7);
        const sub = cmd.find((a) => a.startsWith('--utility-sub-type='))?.slice(19) ?? '';
        const kind = !type ? 'browser' : type == 'renderer' ? 'renderer' : sub.startsWith('network.') ? 'network' : 'other';
        // utime and stime: fields 14 and 15, counted after the command name's closing parenthesis.
        const [utime, stime] = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ').slice(11, 13).map(Number);
        out.set(pid, { kind, ms: (utime + stime) * tick });
      } catch {
        // The process ended meanwhile.
      }
    }
    return out;
  };
  const before = chromium();
  const node = process.cpuUsage();
  return {
    stop() {
      const spent = { browser: 0, renderer: 0, network: 0, other: 0 };
      for (const [pid, now] of chromium()) spent[now.kind] += now.ms - (before.get(pid)?.ms ?? 0);
      const { user, system } = process.cpuUsage(node);
      return { ...spent, node: Math.round((user + system) / 1000) };
    },
  };
}

/**
 * CPU time of a page's main thread from now until `stop()` (ms): Chromium's
 * `ThreadTime` metric in thread ticks (CDP `Performance.getMetrics`), so time
 * the thread waited for a core does not count.
 * @param {import('playwright-core').Page} page
 */
export async function mainThreadMeter(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  const read = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name == 'ThreadTime')?.value ?? NaN;
  const before = await read();
  return {
    async stop() {
      const ms = Math.round(((await read()) - before) * 1000);
      await cdp.detach().catch(() => {});
      return ms;
    },
  };
}

/** Serves the repository on 127.0.0.1, as the end-to-end tests do (workers under /dist/ or /bench/ may control the origin). */
export { startStatic } from '../test/e2e/sdk-page.mjs';

/** Bundles `entry` (one of bench/pages/*) for the browser into bench/out/`out`. */
export async function buildPageScript(entry, out, format = 'iife') {
  await esbuild.build({
    entryPoints: [join(ROOT, entry)],
    outfile: join(BUILD, out),
    bundle: true,
    minify: false,
    format,
    platform: 'browser',
    target: 'es2020',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error',
  });
}

/** Opens the bench page (the shipped IIFE plus the baselines) and waits for both. */
export async function openBenchPage(context, origin) {
  const page = await context.newPage();
  page.on('pageerror', (e) => progress(`  page error: ${e.message}`));
  await page.goto(`${origin}/bench/pages/bench.html`);
  await page.waitForFunction(() => window.SteadyCart && window.bench);
  return page;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank percentile of `values` (p in 0..100). */
export function percentile(values, p) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}
export const median = (values) => percentile(values, 50);
export const p95 = (values) => percentile(values, 95);

/** Milliseconds for a table: one decimal under 10, whole numbers above; '-' for none. */
export function ms(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  return Math.abs(v) < 10 ? v.toFixed(1) : String(Math.round(v));
}

/** Columns of words, aligned left; every other column holds figures, aligned right. */
const TEXT_COLUMNS = new Set(['knob', 'client', 'policy', 'bundle', 'queue', 'outage', 'first endpoint', 'first: outcome', 'next: outcome']);

/** A Markdown table. */
export function table(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map((h) => (TEXT_COLUMNS.has(h) ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const pkgVersion = (name) => {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'missing';
  }
};

/** The machine and the versions a run used. */
export function machine(chromium) {
  const git = (...args) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', timeout: 10_000 }).trim();
    } catch {
      return '';
    }
  };
  const dirty = git('status', '--porcelain', '--', 'src', 'package.json', 'rollup.config.mjs');
  let npm = '';
  try {
    npm = execFileSync('npm', ['--version'], { encoding: 'utf8', timeout: 20_000 }).trim();
  } catch {}
  return {
    os: `${os.type()} ${os.release()} (${existsSync('/etc/debian_version') ? `Debian ${readFileSync('/etc/debian_version', 'utf8').trim()}` : os.platform()})`,
    cpu: `${os.cpus()[0]?.model ?? 'unknown'} x ${os.cpus().length}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    npm,
    chromium: chromium ?? chromiumVersion(),
    commit: `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes in src/' : ''}`,
    packages: Object.fromEntries(
      ['playwright-core', 'ky', 'idb', 'workbox-window', 'workbox-strategies', 'workbox-background-sync', 'cockatiel', 'rollup', '@rollup/plugin-terser', 'esbuild'].map((n) => [n, pkgVersion(n)]),
    ),
  };
}
