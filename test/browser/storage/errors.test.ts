/**
 * Which errors switch storage to memory: only failures of IndexedDB itself.
 * A bug in the code that uses storage (a TypeError in an update callback, a
 * value that cannot be cloned) is the caller's, and leaves the session on
 * IndexedDB.
 */
import { expect } from 'chai';
import { Storage } from '../../../src/storage';
import { deleteDatabase, rejection, uniqueNamespace } from '../helpers';
import { rawAll } from '../hardening/raw-idb';

describe('storage errors', () => {
  let namespace: string;
  let storage: Storage;
  let degraded: string[];

  beforeEach(async () => {
    namespace = uniqueNamespace();
    degraded = [];
    storage = new Storage(namespace, (reason) => degraded.push(reason));
    await storage.ready();
  });

  afterEach(async () => {
    storage.close();
    await deleteDatabase(namespace);
  });

  it('a TypeError thrown inside an update callback is rethrown to the caller, and the session stays on IndexedDB', async () => {
    const error = await rejection(
      storage.update('cart', 'cart', () => {
        throw new TypeError('a bug in the caller');
      }),
    );
    expect(error).to.be.instanceOf(TypeError);
    expect(error.message).to.equal('a bug in the caller');
    expect(storage.kind).to.equal('indexeddb');
    expect(degraded).to.deep.equal([]);
    // Still on disk: the next write is read back by another connection.
    await storage.put('meta', { id: 'after', value: 1 });
    expect(await rawAll(namespace, 'meta')).to.deep.include({ id: 'after', value: 1 });
  });

  it('a value IndexedDB cannot clone (DataCloneError, a bug) is rethrown, and the session stays on IndexedDB', async () => {
    const error = await rejection(storage.put('meta', { id: 'fn', value: () => 1 }));
    expect(error.name).to.equal('DataCloneError');
    expect(storage.kind).to.equal('indexeddb');
    expect(degraded).to.deep.equal([]);
  });

  it('a storage failure inside an update (QuotaExceededError) degrades to memory once, and the update completes there', async () => {
    await storage.put('meta', { id: 'before', value: 'kept' });
    const updated = await storage.update('cart', 'cart', () => {
      // Full on disk; memory has room.
      if (storage.kind == 'indexeddb') throw new DOMException('the disk is full', 'QuotaExceededError');
      return { id: 'cart', items: [], rev: 7, updatedAt: 1 };
    });
    expect(updated?.rev).to.equal(7);
    expect(storage.kind).to.equal('memory');
    expect(degraded).to.have.length(1);
    expect(degraded[0]).to.contain('the disk is full');
    // What was stored before is still there, copied to memory.
    expect(await storage.get('meta', 'before')).to.deep.equal({ id: 'before', value: 'kept' });
  });
});
