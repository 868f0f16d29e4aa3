import { openDB, type IDBPDatabase } from 'idb';
import { STANDALONE_WORKER } from '../build-flags';
import type { MemoryStores, ToMemory } from './memory';
import { migrations, type Schema, type StoreName, type Value } from './schema';

/** How soon a write counts as done: `strict` waits until it is on disk. */
export type Durability = 'strict' | 'relaxed';

/** The schema version this build reads and writes. */
export const VERSION = migrations.length;

/** How long opening may take (an upgrade waits for old tabs to let go) before we give up on IndexedDB. */
const OPEN_TIMEOUT_MS = 3000;

/** @internal An open database of our schema. */
export type DB = IDBPDatabase<Schema>;

/**
 * The `DOMException` names by which IndexedDB itself fails: full
 * (`QuotaExceededError`), a connection closed under us (`InvalidStateError`
 * on a new transaction, `AbortError` for one it cut short), broken
 * (`UnknownError`), upgraded past us (`VersionError`), or not ours: a database
 * of our name and version without our stores (`NotFoundError` on a transaction).
 */
const STORAGE_FAILURES = ['QuotaExceededError', 'InvalidStateError', 'UnknownError', 'VersionError', 'AbortError', 'NotFoundError'];

/**
 * @internal Whether `error` is a failure of IndexedDB itself, which may switch
 * a session to memory, rather than a bug in the code that uses storage (a
 * `TypeError`, a `DataCloneError`), which must reach its caller.
 */
export function isStorageFailure(error: unknown): boolean {
  return error instanceof DOMException && STORAGE_FAILURES.includes(error.name);
}

/**
 * @internal The memory arm of a `withDatabase` call, as each call writes it:
 * none in the standalone worker, which has no fall back to memory, so its
 * bundle carries none of them.
 */
export const inMemory = <T>(arm: (m: MemoryStores) => T): ((m: MemoryStores) => T) | undefined => (STANDALONE_WORKER ? undefined : arm);

/**
 * Opens the database at `version`, running the migrations it lacks.
 * @internal Exported for migration tests.
 */
export function openDatabase(
  name: string,
  version = VERSION,
  on: { closed?: () => void; versionchange?: (db: DB, deleted: boolean) => Promise<void> } = {},
): Promise<DB> {
  let db: DB | undefined;
  const closed = () => {
    db?.close();
    on.closed?.();
  };
  // Another context deletes or upgrades the database: keep what can be read first (it waits for us to close).
  const blocking = (_: number, next: number | null) => (!STANDALONE_WORKER && on.versionchange && db ? void on.versionchange(db, next == null).finally(closed) : closed());
  return openDB<Schema>(name, version, {
    upgrade(database, oldVersion, _newVersion, tx) {
      for (let v = oldVersion; v < version; v++) migrations[v]!(database, tx);
    },
    // A newer tab wants to upgrade or delete: let go at once so it is never wedged by us.
    blocking,
    terminated: closed,
  }).then((opened) => (db = opened));
}

/**
 * @internal Record storage: IndexedDB when it works, memory when it does not.
 * A failure of IndexedDB itself (missing, blocked, quota, closed under us,
 * broken) switches this instance to memory and reports why, once; checkout
 * goes on. Any other error reaches the caller and changes nothing.
 *
 * The fall back to memory is `toMemory` (`readIntoMemory`), which pages pass.
 * The service worker passes none: memory would hold nothing to replay, so
 * there such a failure reaches the caller, and the sync event that woke the
 * worker fails and is fired again later by the browser.
 *
 * This is what every bundle needs (reads); `updateRecord` in `./update` adds
 * atomic updates (the cart, the page's outbox, leases), and `Storage` in
 * `./index` the plain writes the outbox, circuits and worker use, so that
 * the cart-only bundle carries no plain writes and the standalone worker no
 * updates.
 */
export class BaseStorage {
  private db: Promise<DB> | null = null;
  /** @internal Where records live once storage fell back to memory (see `kind`). */
  memory: MemoryStores | null = null;
  private degrading?: Promise<void>;
  /** Set by `close`: a later use (an answer that arrives after it) opens a connection of its own and closes it when done. */
  private isClosed = false;
  /** Why storage degraded to memory. */
  error?: string;

  constructor(
    private readonly name: string,
    private readonly onDegraded: (reason: string) => void,
    private readonly toMemory?: ToMemory,
  ) {}

  get kind(): 'indexeddb' | 'memory' {
    return this.memory ? 'memory' : 'indexeddb';
  }

  get<S extends StoreName>(store: S, id: string): Promise<Value<S> | undefined> {
    return this.withDatabase((db) => db.get(store, id), inMemory((m) => m.get(store, id)));
  }

  /** Lets go of the database for good: nothing stored is lost, and no connection stays open (see `isClosed`). */
  close(): void {
    this.isClosed = true;
    this.release();
  }

  /** Closes the current connection; the next use opens another. */
  private release(): void {
    this.db?.then((db) => db.close(), () => {});
    this.db = null;
  }

  /** The shared connection; once closed, a new one for each use. */
  private open(): Promise<DB> {
    if (!this.db) {
      const opening = new Promise<DB>((resolve, reject) => {
        // Blocked by a connection that never lets go, or queued behind such an open: give up in bounded time.
        const timer = setTimeout(() => reject(new Error('IndexedDB open timed out')), OPEN_TIMEOUT_MS);
        openDatabase(this.name, VERSION, {
          closed: () => {
            if (this.db == opening) this.db = null;
          },
          // Without a fall back, the connection is simply let go.
          versionchange: !STANDALONE_WORKER && this.toMemory ? ((db, deleted) => this.degrade(new Error('another tab deleted or upgraded the database'), db, deleted)) : undefined,
        }).then((db) => {
          clearTimeout(timer);
          resolve(db);
          // Opened after we gave up waiting: nobody will use it.
          opening.catch(() => db.close());
        }, reject);
      });
      if (this.isClosed) return opening;
      this.db = opening;
    }
    return this.db;
  }

  /**
   * Runs `idb` on the database, or `memory` once the session is in memory.
   * A database that cannot open (missing, blocked, refused) degrades to memory,
   * whatever the cause. Once open, only a storage failure (see
   * `isStorageFailure`) degrades, after one retry on a fresh connection (it
   * may have been closed under us); any other error is the caller's (a
   * `SteadyCartError`, a bug) and is rethrown with the session left on
   * IndexedDB.
   * @internal Public for `updateRecord` (./update), which only some bundles carry.
   */
  async withDatabase<T>(idb: (db: DB) => Promise<T>, memory: ((m: MemoryStores) => T) | undefined): Promise<T> {
    for (let retry = true; !this.memory; retry = false) {
      // Once the session is moving to memory, a write to the database would be missing from the copy.
      if (this.degrading) {
        await this.degrading;
        break;
      }
      const opening = this.open();
      let db: DB;
      try {
        db = await opening;
      } catch (error) {
        // Without a fall back, the next use tries to open again.
        if (this.db == opening) this.db = null;
        await this.degrade(error);
        break;
      }
      try {
        return await idb(db);
      } catch (error) {
        if (!isStorageFailure(error)) throw error;
        if (retry) {
          // Only the connection that failed: another call may be using a newer one already.
          if (this.db == opening) this.release();
          continue;
        }
        await this.degrade(error, db);
      } finally {
        if (this.isClosed) db.close();
      }
    }
    // In memory only where there is a fall back: then every call has its memory arm.
    return memory!(this.memory!);
  }

  /** Switches to memory (see `toMemory`); without a fall back, throws `error`. */
  private degrade(error: unknown, db?: DB, deleted?: boolean): Promise<void> {
    if (STANDALONE_WORKER || !this.toMemory) throw error;
    return (this.degrading ??= this.toMemory(this.name, db, deleted).then((memory) => {
      this.release();
      this.memory = memory;
      this.error = (error as Error)?.message || String(error);
      this.onDegraded(this.error);
    }));
  }
}
