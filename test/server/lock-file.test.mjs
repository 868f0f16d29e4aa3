// @ts-check
/**
 * The lock file that keeps a second process off a PGlite data directory
 * (src/server/store/lock-file.ts), raced by several processes at once: on a
 * stale lock (its process killed with -9), on no lock at all, and on a lock
 * being written; in every round exactly one process holds it and every other
 * one gets STORE_LOCKED. A lock whose pid was given out again is stale. Two holders would be two PGlite instances writing one
 * directory. Containers on one volume are processes in pid namespaces of
 * their own (`unshare --pid`, where the system lets this test make them):
 * each refuses the other's live lock, pid 1 in both too.
 *
 *   node --test test/server/lock-file.test.mjs
 */
import assert from 'node:assert/strict';
import { fork, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const HERE = fileURLToPath(import.meta.url);
/** Processes racing in each round: more than the 2 cores of CI, so that they interleave. */
const PROCESSES = 5;
/** A pid no process has: Linux's pids stay below 2^22. */
const DEAD_PID = '4194305';

if (process.argv[2] == 'child') {
  // One contender: takes the lock when told, answers `held` or the error code, releases when told.
  const { lockFile } = await import(/** @type {string} */ (process.argv[3]));
  /** @type {{ release(): void } | null} */
  let lock = null;
  process.on('message', (/** @type {{ go?: string, block?: number }} */ m) => {
    if (m.block) {
      // Its main thread held, as PGlite holds it while it works.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, m.block);
      process.send?.('unblocked');
    } else if (m.go) {
      try {
        lock = lockFile(m.go, 'the directory');
        process.send?.('held');
      } catch (err) {
        process.send?.(/** @type {{ code?: string }} */ (err).code ?? String(err));
      }
    } else {
      lock?.release();
      lock = null;
      process.send?.('released');
    }
  });
  process.send?.('ready');
} else {
  describe('the PGlite lock file, raced by several processes', { timeout: 300_000 }, () => {
    /** @type {string} */
    let dir;
    /** @type {import('node:child_process').ChildProcess[]} */
    let children = [];
    /** @param {import('node:child_process').ChildProcess} child @param {unknown} message @returns {Promise<string>} */
    const ask = (child, message) =>
      new Promise((resolve) => {
        child.once('message', (answer) => resolve(String(answer)));
        child.send(/** @type {any} */ (message));
      });

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'steadycart-lock-file-'));
      const module = join(dir, 'lock-file.mjs');
      await esbuild.build({
        entryPoints: [fileURLToPath(new URL('../../src/server/store/lock-file.ts', import.meta.url))],
        bundle: true,
        platform: 'node',
        format: 'esm',
        outfile: module,
        logLevel: 'error',
      });
      children = await Promise.all(
        Array.from({ length: PROCESSES }, () => {
          const child = fork(HERE, ['child', module], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
          return new Promise((resolve) => child.once('message', () => resolve(child)));
        }),
      );
    });
    after(() => {
      for (const child of children) child.kill();
      rmSync(dir, { recursive: true, force: true });
    });

    /**
     * Runs `rounds` rounds, each on a lock file `prepare` sets up; returns how many rounds had
     * other than one holder, with a sample of their answers.
     * @param {number} rounds @param {(path: string) => void} prepare
     */
    async function race(rounds, prepare) {
      const path = join(dir, 'data.lock');
      /** @type {string[][]} */
      const bad = [];
      for (let round = 0; round < rounds; round++) {
        rmSync(path, { force: true });
        prepare(path);
        const answers = await Promise.all(children.map((child) => ask(child, { go: path })));
        if (answers.filter((a) => a == 'held').length != 1 || answers.some((a) => a != 'held' && a != 'STORE_LOCKED')) bad.push(answers);
        await Promise.all(children.map((child) => ask(child, { release: true })));
      }
      return { rounds: bad.length, sample: bad.slice(0, 3) };
    }

    it('a stale lock (its process is dead) is taken over by exactly one process', async () => {
      assert.deepEqual(await race(150, (path) => writeFileSync(path, DEAD_PID)), { rounds: 0, sample: [] });
    });

    it('a lock left by an earlier run under a pid that runs again (this process, or another one started since) is taken over', async () => {
      const { lockFile } = await import(join(dir, 'lock-file.mjs'));
      const path = join(dir, 'reused.lock');
      // This process's own pid, in a lock file it does not hold: a container's pid 1 after a restart.
      writeFileSync(path, String(process.pid));
      const lock = lockFile(path, 'the directory');
      assert.equal(readFileSync(path, 'utf8').split(' ')[0], String(process.pid));
      // One it does hold is still refused, in this process too.
      assert.throws(() => lockFile(path, 'the directory'), { code: 'STORE_LOCKED' });
      lock.release();
      assert.equal(existsSync(path), false);
      // A live process's pid (the first child's), with a start other than its own: a pid given out again after a reboot.
      const pid = /** @type {number} */ (children[0].pid);
      writeFileSync(path, `${pid} not-this-boot:1`);
      lockFile(path, 'the directory').release();
      // The same pid written by that very process run stays live.
      assert.equal(await ask(children[0], { go: path }), 'held');
      assert.throws(() => lockFile(path, 'the directory'), { code: 'STORE_LOCKED' });
      assert.equal(await ask(children[0], { release: true }), 'released');
    });

    describe('from another pid namespace (containers on one volume)', () => {
      // Making a pid namespace needs root (or user namespaces): elsewhere these cases cannot run.
      const unshare = ['--pid', '--fork', '--mount-proc', '--kill-child'];
      const canUnshare = process.platform == 'linux' && spawnSync('unshare', [...unshare, 'true']).status === 0;
      /** @type {import('node:child_process').ChildProcess[]} */
      const contained = [];
      after(() => {
        // SIGKILL: a container's pid 1 ignores SIGTERM (it has no handler), and unshare passes it on (--kill-child).
        for (const child of contained) child.kill('SIGKILL');
      });
      /** A contender in a pid namespace of its own, where it is pid 1. @returns {Promise<import('node:child_process').ChildProcess>} */
      const inContainer = () => {
        const child = spawn('unshare', [...unshare, process.execPath, HERE, 'child', join(dir, 'lock-file.mjs')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        contained.push(child);
        return new Promise((resolve) => child.once('message', () => resolve(child)));
      };

      it('a live lock is refused across pid namespaces, either way, and between two pid 1s', { skip: !canUnshare && 'unshare --pid is not allowed here' }, async () => {
        const { lockFile } = await import(join(dir, 'lock-file.mjs'));
        const path = join(dir, 'contained.lock');
        const [first, second] = await Promise.all([inContainer(), inContainer()]);
        // Held in a container: refused here, and in the other container (both are pid 1).
        assert.equal(await ask(first, { go: path }), 'held');
        assert.equal(readFileSync(path, 'utf8').split(' ')[0], '1');
        assert.throws(() => lockFile(path, 'the directory'), { code: 'STORE_LOCKED' });
        assert.equal(await ask(second, { go: path }), 'STORE_LOCKED');
        assert.equal(await ask(first, { release: true }), 'released');
        assert.equal(existsSync(path), false);
        // Held here: refused in a container.
        const lock = lockFile(path, 'the directory');
        try {
          assert.equal(await ask(second, { go: path }), 'STORE_LOCKED');
        } finally {
          lock.release();
        }
      });

      it("a live lock stays live across namespaces while its holder's main thread is held (PGlite at work): the holder beats from a thread of its own", { skip: !canUnshare && 'unshare --pid is not allowed here' }, async () => {
        const { lockFile } = await import(join(dir, 'lock-file.mjs'));
        const path = join(dir, 'busy.lock');
        const holder = await inContainer();
        assert.equal(await ask(holder, { go: path }), 'held');
        // Last touched a minute ago by this clock: a watcher then waits three beats only.
        const old = (Date.now() - 60_000) / 1000;
        utimesSync(path, old, old);
        const unblocked = ask(holder, { block: 5000 });
        assert.throws(() => lockFile(path, 'the directory'), { code: 'STORE_LOCKED' });
        assert.equal(await unblocked, 'unblocked');
        assert.equal(await ask(holder, { release: true }), 'released');
      });

      it("another namespace's lock that nothing touches any more (its container crashed) is taken over", async () => {
        const { lockFile } = await import(join(dir, 'lock-file.mjs'));
        const path = join(dir, 'crashed.lock');
        // pid 1 of a namespace that is not this one, last touched a minute ago.
        writeFileSync(path, '1 - 00000000-0000-0000-0000-000000000000/pid:[1]');
        const old = (Date.now() - 60_000) / 1000;
        utimesSync(path, old, old);
        const lock = lockFile(path, 'the directory');
        assert.equal(readFileSync(path, 'utf8').split(' ')[0], String(process.pid));
        lock.release();
      });
    });

    it('with no lock file, exactly one process takes it', async () => {
      assert.deepEqual(await race(100, () => {}), { rounds: 0, sample: [] });
    });

    it('a lock file without a pid is left alone while it may be being written, and taken over by one process once it is old', async () => {
      // Created empty, its pid (this live process's) written 200 ms later: no one may take it meanwhile.
      const writing = await race(20, (path) => {
        writeFileSync(path, '');
        setTimeout(() => writeFileSync(path, String(process.pid)), 200);
      });
      assert.equal(writing.rounds, 20, 'no process takes it');
      assert.deepEqual(writing.sample[0], Array(PROCESSES).fill('STORE_LOCKED'));
      // Left empty long ago by a process that died before writing it.
      const old = (Date.now() - 60_000) / 1000;
      assert.deepEqual(await race(50, (path) => (writeFileSync(path, ''), utimesSync(path, old, old))), { rounds: 0, sample: [] });
    });
  });
}
