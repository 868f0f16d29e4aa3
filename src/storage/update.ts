import { inMemory, type BaseStorage, type Durability } from './base';
import type { StoreName, Value } from './schema';

/**
 * @internal Atomic read-modify-write of one record, in one transaction, so
 * that concurrent changes from other tabs are applied in turn, never lost.
 * `change` must be synchronous; returning `undefined` writes nothing;
 * throwing aborts and rethrows. `also` are records of the same store written
 * in the same transaction when `change` writes, and only then.
 *
 * A function rather than a method of `BaseStorage`: only the cart, the
 * page's outbox and leases change a record in place, and a bundle without
 * them (the standalone worker) leaves it out.
 */
export function updateRecord<S extends StoreName>(
  storage: BaseStorage,
  store: S,
  id: string,
  change: (current: Value<S> | undefined) => Value<S> | undefined,
  durability: Durability = 'strict',
  also: readonly Value<S>[] = [],
): Promise<Value<S> | undefined> {
  return storage.withDatabase(
    async (db) => {
      const tx = db.transaction(store, 'readwrite', { durability });
      const done = tx.done;
      done.catch(() => {});
      let next: Value<S> | undefined;
      try {
        next = change(await tx.store.get(id));
        // A put that fails (the quota) rejects as well as aborting the transaction: `done` says so, once.
        if (next) for (const value of [next, ...also]) tx.store.put(value).catch(() => {});
      } catch (error) {
        tx.abort();
        throw error;
      }
      await done;
      return next;
    },
    inMemory((m) => {
      const next = change(m.get(store, id));
      if (next) for (const value of [next, ...also]) m.put(store, value);
      return next;
    }),
  );
}
