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
