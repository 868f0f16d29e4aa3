import { BaseStorage, inMemory, type Durability } from './base';
import type { OutboxRecord, StoreName, Value } from './schema';

export { BaseStorage, isStorageFailure, openDatabase, VERSION, type Durability } from './base';
export { readIntoMemory, type MemoryStores, type ToMemory } from './memory';
export { updateRecord } from './update';
export type { CartRecord, EndpointRecord, LeaseRecord, OutboxRecord, StoreName } from './schema';

/**
 * @internal Record storage with plain writes: {@link BaseStorage} (reads,
 * atomic updates, the fall back to memory) plus `all`, `put`, `putAll` and
 * `delete`, which the outbox, the circuits and the service worker use and the
 * cart does not.
 */
export class Storage extends BaseStorage {
  /** Opens the database now, so that degradation is known before the first use (the cart alone opens it with its first read). */
  async ready(): Promise<void> {
    await this.withDatabase((db) => db.count('meta'), inMemory(() => 0));
  }

  all<S extends StoreName>(store: S): Promise<Value<S>[]> {
    return this.withDatabase((db) => db.getAll(store), inMemory((m) => m.all(store)));
  }

  /**
   * Stores a record. `strict` (the default) waits until it is on disk, which
   * only the write-ahead of an order truly needs; `relaxed` writes are safe
   * wherever losing them to a power cut merely repeats work (an outcome that
   * a replay finds again by lookup, a circuit, a lease).
   */
  put<S extends StoreName>(store: S, value: Value<S>, durability: Durability = 'strict'): Promise<void> {
    return this.putAll(store, [value], durability);
  }

  /**
   * Stores several records of one store in one transaction: one commit for
   * all of them. In memory, a page's lookup-only copy of an order (core.ts:
   * the database was upgraded by a newer build) stays one, in doubt in every
   * domain, when a run that was in flight as storage fell back writes its own
   * record back. (Every other record is stored as written: a run's domains
   * shrink as lookups answer 404.)
   */
  putAll<S extends StoreName>(store: S, values: readonly Value<S>[], durability: Durability = 'strict'): Promise<void> {
    return this.withDatabase(
      async (db) => {
        const tx = db.transaction(store, 'readwrite', { durability });
        await Promise.all([...values.map((value) => tx.store.put(value)), tx.done]);
      },
      inMemory((m) =>
        values.forEach((value) => {
          const kept = m.get(store, value.id) as Partial<OutboxRecord> | undefined;
          const record = value as OutboxRecord;
          m.put(store, kept?.copied && Array.isArray(kept.domains) ? { ...value, copied: true, domains: [...new Set([...kept.domains, ...record.domains])] } : value);
        }),
      ),
    );
  }

  /** Deletes records of one store in one transaction. */
  delete(store: StoreName, ids: readonly string[]): Promise<void> {
    return this.withDatabase(
      async (db) => {
        const tx = db.transaction(store, 'readwrite', { durability: 'strict' });
        await Promise.all([...ids.map((id) => tx.store.delete(id)), tx.done]);
      },
      inMemory((m) => ids.forEach((id) => m.delete(store, id))),
    );
  }
}
