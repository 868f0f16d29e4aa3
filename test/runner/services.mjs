// @ts-check
/**
 * Throwaway PostgreSQL and Redis servers for the server tests: each on a free
 * 127.0.0.1 port, its data in a fresh temporary folder, stopped (and the folder
 * removed) by `stop()`, at process exit, and on SIGINT/SIGTERM/SIGHUP when nobody else
 * handles those signals (scripts/test.mjs does, and calls `stop()` itself).
 *
 *   const pg = await startPostgres();   // { url: 'postgres://postgres@127.0.0.1:PORT/postgres', stop }
 *   const redis = await startRedis();   // { url: 'redis://127.0.0.1:PORT', stop }
 *
 * `postgresUrl()` / `redisUrl()` use STEADYCART_TEST_POSTGRES_URL /
 * STEADYCART_TEST_REDIS_URL when set (scripts/test.mjs sets each one it finds
 * unset to a server it starts for the whole node phase) and otherwise start
 * their own, so that `node --test test/server/x.test.mjs` works alone.
 *
 * Binaries: Debian's /usr/lib/postgresql/<version>/bin (initdb refuses root: as
 * root, initdb and postgres run as the `postgres` user) and redis-server. When
 * they are missing, `ensureServiceBinaries()` installs the Debian packages
 * `postgresql` and `redis-server` (each start function only its own) as root
 * with apt-get, and otherwise says what to install.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupOnSignal } from '../../examples/demo-shop/lib/signal-cleanup.mjs';

/** @typedef {{ url: string, port: number, stop: () => Promise<void> }} Service */

/** @type {Set<{ stopSync: () => void }>} every service still running */
const running = new Set();
let hooked = false;

/** Stops everything still running, synchronously (process exit, signals). */
function stopAllSync() {
  for (const s of [...running]) s.stopSync();
}

function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on('exit', stopAllSync);
  // A runner with its own handler (scripts/test.mjs) stops us itself, and the exit hook still runs.
  cleanupOnSignal(stopAllSync);
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** Starts of a server on a fresh free port before its failure stands. */
const PORT_TRIES = 3;

/**
 * Runs `start` on a free port, and again on another (up to `PORT_TRIES`
 * times) when `retry` says its failure may be the port's: another process
 * can take a port between `freePort` finding it and the server binding it.
 * @template T
 * @param {(port: number) => Promise<T>} start
 * @param {(error: unknown) => boolean} retry
 * @returns {Promise<T>}
 */
export async function onFreePort(start, retry) {
  for (let tries = 1; ; tries++) {
    const port = await freePort();
    try {
      return await start(port);
    } catch (err) {
      if (tries >= PORT_TRIES || !retry(err)) throw err;
    }
  }
}

/** A server's process ended before it was ready (a port another process took first, among other reasons). */
export class ExitedEarly extends Error {}
/** Whether a server's start failed because its process ended before it was ready. */
export const exitedEarly = (/** @type {unknown} */ err) => err instanceof ExitedEarly;

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** The newest Debian PostgreSQL bin folder, or the folder of `postgres` on PATH, or null. */
function postgresBin() {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  const found = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim();
  return found ? found.replace(/\/initdb$/, '') : null;
}

const redisBin = () => spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim() || null;

/** @typedef {'postgresql' | 'redis-server'} ServicePackage */

/** Per Debian package: its binaries found, what it is elsewhere, the variable naming a server of one's own. */
const PACKAGES = {
  postgresql: { found: () => postgresBin() !== null, what: 'PostgreSQL 13+', envVar: 'STEADYCART_TEST_POSTGRES_URL' },
  'redis-server': { found: () => redisBin() !== null, what: 'Redis 6+', envVar: 'STEADYCART_TEST_REDIS_URL' },
};

/**
 * Makes sure the binaries of `pkgs` exist; as root on Debian, installs the
 * missing packages with apt-get (saying so). Throws with what to install otherwise.
 * @param {ServicePackage[]} [pkgs]
 * @param {(line: string) => void} [log]
 */
export function ensureServiceBinaries(pkgs = ['postgresql', 'redis-server'], log = (line) => console.error(`[services] ${line}`)) {
  const missing = () => pkgs.filter((p) => !PACKAGES[p].found());
  let gaps = missing();
  if (gaps.length === 0) return;
  const canApt = process.getuid?.() === 0 && existsSync('/etc/debian_version');
  if (canApt) {
    log(`missing ${gaps.join(' and ')}: installing as root with apt-get install -y ${gaps.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...gaps], { stdio: 'inherit', env });
    // Debian starts a system-wide server as it installs one (PostgreSQL on 5432, Redis on 6379) and enables it
    // at boot; the tests start throwaway ones of their own, so where systemd runs those, they go again.
    const installed = gaps.filter((p) => PACKAGES[p].found());
    if (installed.length && existsSync('/run/systemd/system')) {
      log(`stopping and disabling the system-wide ${installed.join(' and ')} the install started (the tests start their own): systemctl disable --now ${installed.join(' ')}`);
      spawnSync('systemctl', ['disable', '--now', ...installed], { stdio: 'inherit' });
    }
    gaps = missing();
    if (gaps.length === 0) return;
  }
  throw new Error(
    `the server tests need ${gaps.join(' and ')}: on Debian/Ubuntu, as root: apt-get install -y ${gaps.join(' ')}` +
      ` (elsewhere install ${gaps.map((p) => PACKAGES[p].what).join(' and ')}),` +
      ` or set ${gaps.map((p) => PACKAGES[p].envVar).join(' / ')} to a server of your own`,
  );
}

/** uid and gid of the `postgres` user when running as root (initdb refuses root), else null. */
function postgresUser() {
  if (process.getuid?.() !== 0) return null;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root, but there is no postgres user to run initdb as (apt-get install postgresql creates it)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * Polls `probe` until it resolves true, the process exits, or `ms` pass.
 * @param {() => Promise<boolean>} probe
 * @param {import('node:child_process').ChildProcess} child
 * @param {() => string} log
 */
async function waitReady(probe, child, log, ms = 30_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) throw new ExitedEarly(`exited before it was ready:\n${log()}`);
    if (await probe().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`not ready after ${ms} ms:\n${log()}`);
}

/**
 * A child process with its output kept for error messages, stopped by `stop`.
 * @param {string} name
 * @param {string} bin
 * @param {string[]} args
 * @param {string} dir folder removed when it stops
 * @param {import('node:child_process').SpawnOptions} options
 * @param {NodeJS.Signals} stopSignal
 */
function daemon(name, bin, args, dir, options, stopSignal) {
  const child = spawn(bin, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (/** @type {Buffer} */ chunk) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  /** @type {Promise<void> | null} */
  let stopping = null;
  const handle = {
    child,
    log: () => `${name}: ${output}`,
    stopSync() {
      running.delete(handle);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
    /** Every caller gets the same stop. */
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill(stopSignal);
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
        // Only now: a process exit before this point (stopAllSync) still kills it and removes the folder.
        running.delete(handle);
      })();
      return stopping;
    },
  };
  running.add(handle);
  hookExit();
  return handle;
}

/**
 * Starts a throwaway PostgreSQL (trust authentication, user `postgres`, on
 * 127.0.0.1 only). Default settings otherwise: `fsync` and
 * `synchronous_commit` on, as in production.
 * @returns {Promise<Service>}
 */
export async function startPostgres() {
  ensureServiceBinaries(['postgresql']);
  return onFreePort(startPostgresOn, exitedEarly);
}

/**
 * Runs a command to its end without blocking the event loop: initdb takes
 * seconds, and a test file's other suites run meanwhile (a lease test's
 * timers, blocked that long, fired after the ones they race).
 * @param {string} command
 * @param {string[]} args
 * @param {import('node:child_process').SpawnOptions} options
 * @returns {Promise<{ status: number | null, output: string, error?: Error }>}
 */
function runToEnd(command, args, options) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (d) => (output += d));
    child.stderr?.setEncoding('utf8').on('data', (d) => (output += d));
    child.once('error', (error) => resolve({ status: null, output, error }));
    child.once('close', (status) => resolve({ status, output }));
  });
}

/**
 * A throwaway PostgreSQL on `port`, in a new data folder.
 * @param {number} port
 * @returns {Promise<Service>}
 */
async function startPostgresOn(port) {
  const bin = /** @type {string} */ (postgresBin());
  const user = postgresUser();
  const dir = mkdtempSync(join(tmpdir(), 'steadycart-pg-'));
  const data = join(dir, 'data');
  if (user) chownSync(dir, user.uid, user.gid);
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  // The C locale, whatever the shell's: initdb refuses a LANG this machine has no locale for (one an SSH
  // client sends along, en_US.UTF-8 from a Mac, on a Debian with only C.UTF-8).
  const init = await runToEnd(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync'], {
    ...as,
    cwd: dir,
    env: { ...process.env, LC_ALL: 'C' },
  });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.output || init.error}`);
  }
  const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'];
  // SIGINT is PostgreSQL's fast shutdown.
  const pg = daemon('postgres', join(bin, 'postgres'), args, dir, { ...as, cwd: dir }, 'SIGINT');
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  try {
    const { default: Pg } = await import('pg');
    await waitReady(
      async () => {
        const client = new Pg.Client({ connectionString: url });
        client.on('error', () => {});
        try {
          await client.connect();
          await client.query('SELECT 1');
          return true;
        } finally {
          await client.end().catch(() => {});
        }
      },
      pg.child,
      pg.log,
    );
  } catch (err) {
    await pg.stop();
    throw err;
  }
  return { url, port, stop: () => pg.stop() };
}

/**
 * Starts a throwaway Redis on 127.0.0.1: no snapshots, an append-only file
 * fsynced every write (the settings docs/server.md asks for), no eviction.
 * @returns {Promise<Service>}
 */
export async function startRedis() {
  ensureServiceBinaries(['redis-server']);
  return onFreePort(startRedisOn, exitedEarly);
}

/**
 * A throwaway Redis on `port`, in a new folder (exported for the runner's own test).
 * @param {number} port
 * @returns {Promise<Service>}
 */
export async function startRedisOn(port) {
  const dir = mkdtempSync(join(tmpdir(), 'steadycart-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction'];
  const redis = daemon('redis-server', /** @type {string} */ (redisBin()), args, dir, { cwd: dir }, 'SIGTERM');
  try {
    await waitReady(() => ping(port), redis.child, redis.log);
  } catch (err) {
    await redis.stop();
    throw err;
  }
  return { url: `redis://127.0.0.1:${port}`, port, stop: () => redis.stop() };
}

/** True when Redis on `port` answers PING. @param {number} port */
function ping(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      resolve(d.toString().startsWith('+PONG'));
      socket.end();
    });
  });
}

/**
 * The PostgreSQL URL of STEADYCART_TEST_POSTGRES_URL, or of a server started
 * now; `stop` stops only what it started.
 * @returns {Promise<Service | { url: string, stop: () => Promise<void> }>}
 */
export async function postgresUrl() {
  const url = process.env.STEADYCART_TEST_POSTGRES_URL;
  return url ? { url, stop: async () => {} } : startPostgres();
}

/**
 * The Redis URL of STEADYCART_TEST_REDIS_URL, or of a server started now.
 * @returns {Promise<Service | { url: string, stop: () => Promise<void> }>}
 */
export async function redisUrl() {
  const url = process.env.STEADYCART_TEST_REDIS_URL;
  return url ? { url, stop: async () => {} } : startRedis();
}
