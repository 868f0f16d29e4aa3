import { openSync, closeSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { SteadyCartServerError } from '../errors';

/** A held lock file; `release` removes it (also run at process exit). */
export interface LockFile {
  release(): void;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code == 'EPERM';
  }
};

/**
 * Takes `path` exclusively for this process, writing its pid. A lock left by a
 * process that no longer runs (killed with -9) is taken over; one held by a live
 * process, this one included, throws `STORE_LOCKED`.
 */
export function lockFile(path: string, what: string): LockFile {
  for (let round = 0; round < 3; round++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code != 'EEXIST') throw err;
      let pid = NaN;
      try {
        pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch {
        // Removed meanwhile, or being written: try again.
      }
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new SteadyCartServerError('STORE_LOCKED', `${what} is in use by process ${pid} (lock file ${path})`);
      }
      if (Number.isNaN(pid) && round == 0) continue;
      try {
        unlinkSync(path);
      } catch {
        // Another process took the stale lock over first; the next round sees its pid.
      }
      continue;
    }
    writeSync(fd, String(process.pid));
    closeSync(fd);
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      process.off('exit', release);
      try {
        if (readFileSync(path, 'utf8') == String(process.pid)) unlinkSync(path);
      } catch {
        // Already gone.
      }
    };
    process.on('exit', release);
    return { release };
  }
  throw new SteadyCartServerError('STORE_LOCKED', `${what}: could not take the lock file ${path}`);
}
