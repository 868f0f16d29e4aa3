/**
 * A raw IndexedDB connection of the test's own (no `idb`, no SDK code), to
 * write what "something else on the origin" would write and to read back
 * exactly what is at rest.
 */
import { openDatabase } from '../../../src/storage';

/** Opens `name` (at its current version unless `version` is given), resolving once open. */
export function rawOpen(name: string, version?: number, upgrade?: (db: IDBDatabase) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = version === undefined ? indexedDB.open(name) : indexedDB.open(name, version);
    request.onupgradeneeded = () => upgrade?.(request.result);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => {
      // Resolves once the other connections let go (the SDK does, at once).
    };
  });
}

/** Creates the SDK's schema in `namespace` (as a first page load would), then lets go. */
export async function createSchema(namespace: string): Promise<void> {
  (await openDatabase(namespace)).close();
}

/** Runs `write` on `store` with a raw connection, in one transaction; resolves once it committed. */
async function rawWrite(namespace: string, store: string, write: (store: IDBObjectStore) => void): Promise<void> {
  const db = await rawOpen(namespace);
  try {
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction(store, 'readwrite');
      write(tx.objectStore(store));
      tx.oncomplete = () => resolve();
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** Writes `values` into `store` with a raw connection, in one transaction. */
export const rawPut = (namespace: string, store: string, values: unknown[]): Promise<void> => rawWrite(namespace, store, (s) => values.forEach((value) => s.put(value)));

/** Deletes the record `key` of `store` with a raw connection, as another context would. */
export const rawDelete = (namespace: string, store: string, key: IDBValidKey): Promise<void> => rawWrite(namespace, store, (s) => s.delete(key));

/**
 * One read of `store` with a raw connection (`absent` when there is no such
 * store). Resolves once the transaction is over, so that the connection is
 * closed at once, not merely closing (a closing connection still counts as
 * open to a deletion).
 */
async function rawRead<T>(namespace: string, store: string, read: (store: IDBObjectStore) => IDBRequest, absent: T): Promise<T> {
  const db = await rawOpen(namespace);
  try {
    if (!db.objectStoreNames.contains(store)) return absent;
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(store);
      const request = read(tx.objectStore(store));
      tx.oncomplete = () => resolve(request.result as T);
      tx.onerror = tx.onabort = () => reject(tx.error ?? request.error);
    });
  } finally {
    db.close();
  }
}

/** Every record of `store`, read with a raw connection. */
export function rawAll<T = Record<string, unknown>>(namespace: string, store: string): Promise<T[]> {
  return rawRead<T[]>(namespace, store, (s) => s.getAll(), []);
}

/** One record of `store` by key, read with a raw connection (undefined when absent). */
export function rawGet<T = Record<string, unknown>>(namespace: string, store: string, key: IDBValidKey): Promise<T | undefined> {
  return rawRead<T | undefined>(namespace, store, (s) => s.get(key), undefined);
}

/** Everything at rest in the database, as one JSON string (to search for card data). */
export async function rawDump(namespace: string): Promise<string> {
  const db = await rawOpen(namespace);
  const names = [...db.objectStoreNames];
  db.close();
  const dump: Record<string, unknown[]> = {};
  for (const name of names) dump[name] = await rawAll(namespace, name);
  return JSON.stringify(dump);
}

/** A well-formed `pending` outbox record, as the SDK writes one, with `extra` merged in. */
export function pendingRecord(order: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Date.now();
  return {
    id: crypto.randomUUID(),
    body: JSON.stringify(order),
    status: 'pending',
    createdAt: now - 1000,
    updatedAt: now - 1000,
    attempts: 1,
    runs: 0,
    domains: [],
    due: 0,
    ...extra,
  };
}

/**
 * Holds a read-write transaction on `store` open with a raw connection, as
 * a slow write elsewhere on the origin would: every other write to the store
 * waits behind it. It stays open (one read after another) until `release`,
 * or for `maxMs` at most.
 */
export async function holdStore(namespace: string, store: string, maxMs: number): Promise<{ release(): Promise<void> }> {
  const db = await rawOpen(namespace);
  const tx = db.transaction(store, 'readwrite');
  const over = new Promise<void>((resolve) => (tx.oncomplete = tx.onabort = tx.onerror = () => resolve()));
  const until = Date.now() + maxMs;
  let holding = true;
  const spin = () => {
    if (holding && Date.now() < until) tx.objectStore(store).get('steadycart-test-hold').onsuccess = spin;
  };
  spin();
  return {
    async release() {
      holding = false;
      await over;
      db.close();
    },
  };
}
