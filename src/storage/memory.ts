import { wrap } from 'idb';
import type { DB } from './base';
import type { StoreName, Value } from './schema';

/**
 * @internal The in-memory stand-in for IndexedDB, used when it is missing or
 * broken. Values are cloned on the way in and out, as IndexedDB does, so no
 * caller can change a stored record by mutating an object it holds.
 */
export class MemoryStores {
  private readonly stores = new Map<StoreName, Map<string, unknown>>();

  private store(name: StoreName): Map<string, unknown> {
    let store = this.stores.get(name);
    if (!store) this.stores.set(name, (store = new Map()));
    return store;
  }

  get<S extends StoreName>(name: S, id: string): Value<S> | undefined {
    // structuredClone(undefined) is undefined: a missing record stays missing.
    return structuredClone(this.store(name).get(id)) as Value<S> | undefined;
  }

  all<S extends StoreName>(name: S): Value<S>[] {
    return structuredClone([...this.store(name).values()]) as Value<S>[];
  }

  put<S extends StoreName>(name: S, value: Value<S>): void {
    this.store(name).set(value.id, structuredClone(value));
  }

  delete(name: StoreName, id: string): void {
    this.store(name).delete(id);
  }
}

/** @internal How a storage falls back to memory: see {@link readIntoMemory}. */
export type ToMemory = (name: string, db?: DB, deleted?: boolean) => Promise<MemoryStores>;

/**
 * @internal A page's fall back to memory: memory holding what can still be
 * read of the database `name` (a full disk still reads), through `db` or a
 * fresh connection, so that orders stored before keep being replayed now.
 */
export const readIntoMemory: ToMemory = async (name, db) => {
  const memory = new MemoryStores();
  // One transaction: a consistent copy, which sees every write begun before it.
  const copy = async (from: DB) => {
    const stores = [...from.objectStoreNames];
    const tx = from.transaction(stores);
    const all = await Promise.all(stores.map((store) => tx.objectStore(store).getAll()));
    stores.forEach((store, i) => all[i]!.forEach((value) => memory.put(store, value)));
  };
  try {
    await copy(db!);
  } catch {
    // That connection is gone (closed by another call), or there was none: this build could not open
    // the database (a newer build upgraded it, or the open hung). Read with a fresh one, at whatever
    // version the database has, never creating it (bounded: an open can queue behind a blocked upgrade).
    const opening = (async () => {
      const request = indexedDB.open(name);
      request.onupgradeneeded = () => request.transaction!.abort();
      return (await wrap(request)) as unknown as DB;
    })();
    try {
      const fresh = await Promise.race([opening, new Promise<void>((wake) => setTimeout(wake, 1000))]);
      if (fresh) await copy(fresh);
    } catch {
      // Unreadable (or none at all): what is stored stays stored, for a later page.
    }
    // Closed once read, or as soon as it opens when we stopped waiting: a lingering connection blocks other tabs.
    opening.then((late) => late.close(), () => {});
  }
  return memory;
};
