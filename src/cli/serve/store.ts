/**
 * Opens the store named by `--store`. The PostgreSQL and Redis drivers and
 * PGlite are optional peer dependencies: each is imported only when asked
 * for, so `--store memory` runs without any of them.
 */
import { memoryStore, type IdempotencyStore } from '../../server/index';
import { CliError } from '../errors';
import { describeStore, type StoreSpec } from './options';

/** A store and how to let go of it (and of the connections opened for it). */
export interface OpenStore {
  store: IdempotencyStore;
  close(): Promise<void>;
}

/** Opens (and for SQL, migrates) the store; a `CliError` with code `STORE` when it cannot. */
export async function openStore(spec: StoreSpec): Promise<OpenStore> {
  try {
    return await open(spec);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const driver = e.code === 'ERR_MODULE_NOT_FOUND' ? ` (install the optional dependency: npm i ${driverOf(spec)})` : '';
    throw new CliError('STORE', `cannot open the store ${describeStore(spec)}: ${e.message}${driver}`);
  }
}

function driverOf(spec: StoreSpec): string {
  return spec.kind === 'pglite' ? '@electric-sql/pglite' : spec.kind === 'postgres' ? 'pg' : 'redis';
}

async function open(spec: StoreSpec): Promise<OpenStore> {
  switch (spec.kind) {
    case 'memory': {
      const store = memoryStore();
      return { store, close: () => store.close() };
    }
    default:
      throw new Error(`the ${spec.kind} store is not built in yet`);
  }
}
