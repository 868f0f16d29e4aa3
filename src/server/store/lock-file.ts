import { closeSync, linkSync, openSync, readFileSync, readlinkSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { SteadyCartServerError } from '../errors';

/** A held lock file; `release` removes it (also run at process exit). */
export interface LockFile {
  release(): void;
}

/** A lock file without a pid in it is being written for at most this long; older, it is stale. */
const WRITING_MS = 1000;
/** The pause before looking again at a lock file being written or taken over. */
const PAUSE_MS = 20;
/** Rounds of `lockFile`: enough to wait out a file being written (WRITING_MS) several times. */
const ROUNDS = 150;
/** How often a holder touches its lock file, so that a process that cannot see it (another pid namespace) can tell it lives. */
const BEAT_MS = 1000;
/** A lock from another pid namespace or boot not touched for this long is stale: its holder stopped beating. */
const FOREIGN_STALE_MS = 30_000;
/**
 * The holder's beat, in a thread of its own (a fixed module, no data in it):
 * PGlite holds the main thread while it works, for a minute or more on its
 * first start on a slow machine, and a beat there would stop meanwhile.
 */
const BEATER = `import { workerData } from 'node:worker_threads';
import { utimesSync } from 'node:fs';
setInterval(() => {
  try {
    const now = new Date();
    utimesSync(workerData.path, now, now);
  } catch {
    // Gone: the next lockFile of it takes it.
  }
}, workerData.ms);`;
/** The pause between looks at another namespace's lock. */
const WATCH_MS = 200;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code == 'EPERM';
  }
};

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** Reads what `read` returns, or '' where the system does not tell (not Linux, no /proc). */
const told = (read: () => string): string => {
  try {
    return read();
  } catch {
    return '';
  }
};

/** This boot of the machine (Linux); read once. */
const BOOT = told(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());

/**
 * Which run of process `pid` this is, where the system tells (Linux: the boot
 * and the process's start time); '' elsewhere. Pids are reused, after a
 * reboot or a container restart (Node as pid 1 again): a lock whose pid runs
 * under another identity was left by a process that is gone.
 */
function identity(pid: number): string {
  if (!BOOT) return '';
  // Field 22, counted after the command name, which may hold spaces and parentheses.
  const start = told(() => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  });
  return start && `${BOOT}:${start}`;
}

/**
 * Where this process's pids mean something: the boot and the pid namespace
 * ('' where the system does not tell). Another container on the same volume
 * has pids of its own, its pid 1 too: a pid in a lock file written from
 * another namespace (or before a reboot) says nothing about its holder here.
 */
const VIEW = BOOT && told(() => `${BOOT}/${readlinkSync('/proc/self/ns/pid')}`);

/** What this process writes in a lock file: its pid, its identity and its view, where there are. */
const STAMP = `${process.pid} ${identity(process.pid) || '-'} ${VIEW}`.trim();
/** The lock files this process holds: one with its pid that is not among them was left by an earlier run with the same pid. */
const mine = new Set<string>();

/** A cell nothing ever notifies: waiting on it is a synchronous sleep (`lockFile` is synchronous: so is its pause). */
const never = new Int32Array(new SharedArrayBuffer(4));
const pause = () => Atomics.wait(never, 0, 0, PAUSE_MS);

let created = 0;

/**
 * Creates `path` holding this process's `STAMP`; false when it exists. The file
 * is written under a name of its own, then linked to `path` (atomic, and
 * refused if `path` exists), so that no reader ever sees it empty. On a file
 * system without hard links, it is created, then written.
 */
function create(path: string): boolean {
  const own = `${path}.${process.pid}-${created++}`;
  writeFileSync(own, STAMP);
  try {
    linkSync(own, path);
    return true;
  } catch (err) {
    if (code(err) == 'EEXIST') return false;
    if (!['EPERM', 'ENOTSUP', 'ENOSYS'].includes(code(err) ?? '')) throw err;
  } finally {
    rmSync(own, { force: true });
  }
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    if (code(err) == 'EEXIST') return false;
    throw err;
  }
  writeSync(fd, STAMP);
  closeSync(fd);
  return true;
}

/**
 * Who holds `path` (null when there is no such file): its text, the pid in it,
 * when it was last touched, whether it was written from another view (`foreign`:
 * another pid namespace or boot, where its pid cannot be looked up), and whether
 * it is live: its process runs (the same run of it, where the file names one;
 * this process only for a lock it holds); from another view, it was touched
 * within `FOREIGN_STALE_MS` (`lockFile` watches such a lock rather than trust
 * clocks); without a pid, it was written within `WRITING_MS` (its creator may
 * be writing it still).
 */
function holderOf(path: string): { text: string; pid: number; touched: number; foreign: boolean; live: boolean } | null {
  try {
    const text = readFileSync(path, 'utf8');
    const touched = statSync(path).mtimeMs;
    const [first = '', run = '', where = ''] = text.split(' ');
    const pid = first ? Number(first) : NaN;
    const foreign = !!where && where != VIEW;
    const live = !(Number.isInteger(pid) && pid > 0)
      ? Date.now() - touched < WRITING_MS
      : foreign
        ? Date.now() - touched < FOREIGN_STALE_MS
        : pid == process.pid
          ? mine.has(path)
          : alive(pid) && (!run || run == '-' || [run, ''].includes(identity(pid)));
    return { text, pid, touched, foreign, live };
  } catch (err) {
    if (code(err) == 'ENOENT') return null;
    throw err;
  }
}

/**
 * Watches a lock written from another view until it has gone untouched for
 * `FOREIGN_STALE_MS`, and at least three beats whatever the clocks say (the
 * holder's may differ from this one's): `true` when its holder touched it
 * meanwhile (it runs), `false` when no one did (stale), `null` when it was
 * released or taken by another process meanwhile.
 */
function beats(path: string, holder: { text: string; touched: number }): boolean | null {
  // (A time stamp ahead of this clock counts as just touched, no more.)
  const watch = Math.max(3 * BEAT_MS, FOREIGN_STALE_MS - Math.max(0, Date.now() - holder.touched));
  for (const end = Date.now() + watch; Date.now() < end; ) {
    Atomics.wait(never, 0, 0, WATCH_MS);
    const now = holderOf(path);
    if (now?.text !== holder.text) return null;
    if (now.touched != holder.touched) return true;
  }
  return false;
}

/**
 * Removes `path` if it still holds `stale`. Only the holder of the takeover
 * file `path.takeover` may remove a stale lock, and it checks the lock again
 * first: so no process removes a lock that another one has just taken in
 * its place. A takeover file left by a process that died taking over is
 * stale too, and is removed the same way, one level up.
 */
function removeStale(path: string, stale: string, depth = 0): void {
  const token = `${path}.takeover`;
  if (create(token)) {
    try {
      if (holderOf(path)?.text === stale) unlinkSync(path);
    } finally {
      rmSync(token, { force: true });
    }
    return;
  }
  const taker = holderOf(token);
  // Another process is taking over: the next round sees what it left.
  if (taker?.live) pause();
  else if (taker && depth < 2) removeStale(token, taker.text, depth + 1);
}

/**
 * Takes `path` exclusively for this process, writing its pid. A lock left by a
 * process that no longer runs (killed with -9, or gone while its pid was
 * given to another process, this one included) is taken over, by one process
 * only when several try at once; one held by a live process, this one
 * included, throws `STORE_LOCKED`. A lock written from another pid namespace
 * (another container on the same volume) or before a reboot is watched: it is
 * live while its holder touches it, and taken over once it has gone
 * untouched for `FOREIGN_STALE_MS` (so a container restarted after a crash
 * waits out the rest of that).
 */
export function lockFile(path: string, what: string): LockFile {
  for (let round = 0; round < ROUNDS; round++) {
    if (create(path)) return held(path);
    const holder = holderOf(path);
    // Released meanwhile: take it.
    if (!holder) continue;
    if (holder.foreign && holder.pid > 0) {
      const running = beats(path, holder);
      if (running) throw new SteadyCartServerError('STORE_LOCKED', `${what} is in use by a process of another container or system (lock file ${path}, ${holder.text})`);
      if (running === false) removeStale(path, holder.text);
      continue;
    }
    if (holder.live && holder.pid > 0) {
      throw new SteadyCartServerError('STORE_LOCKED', `${what} is in use by process ${holder.pid} (lock file ${path})`);
    }
    if (holder.live) pause();
    else removeStale(path, holder.text);
  }
  throw new SteadyCartServerError('STORE_LOCKED', `${what}: could not take the lock file ${path}`);
}

/** The lock file this process just created; touched every `BEAT_MS` while held. */
function held(path: string): LockFile {
  let holding = true;
  mine.add(path);
  const beat = new Worker(new URL(`data:text/javascript,${encodeURIComponent(BEATER)}`), { workerData: { path, ms: BEAT_MS } });
  beat.unref();
  const release = (): void => {
    if (!holding) return;
    holding = false;
    void beat.terminate();
    mine.delete(path);
    process.off('exit', release);
    try {
      if (readFileSync(path, 'utf8') == STAMP) unlinkSync(path);
    } catch {
      // Already gone.
    }
  };
  process.on('exit', release);
  return { release };
}
