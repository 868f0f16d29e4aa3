/**
 * Which errors switch storage to memory: only failures of IndexedDB itself.
 * A bug in the code that uses storage (a TypeError in an update callback, a
 * value that cannot be cloned) is the caller's, and leaves the session on
 * IndexedDB.
 */
import { expect } from 'chai';
import { readIntoMemory, Storage, updateRecord, VERSION } from '../../../src/storage';
import { deleteDatabase, rejection, sleep, unhandledRejections, uniqueNamespace } from '../helpers';
import { rawAll, rawOpen } from '../hardening/raw-idb';

describe('storage errors', () => {
  let namespace: string;
  let storage: Storage;
  let degraded: string[];

  beforeEach(async () => {
    namespace = uniqueNamespace();
    degraded = [];
    storage = new Storage(namespace, (reason) => degraded.push(reason), readIntoMemory);
    await storage.ready();
  });

  afterEach(async () => {
    storage.close();
    await deleteDatabase(namespace);
  });

  it('a TypeError thrown inside an update callback is rethrown to the caller, and the session stays on IndexedDB', async () => {
    const error = await rejection(
      updateRecord(storage, 'cart', 'cart', () => {
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
    const updated = await updateRecord(storage, 'cart', 'cart', () => {
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

  it('a write IndexedDB aborts under an update (the quota, say) degrades to memory, and no promise of it rejects unhandled', async () => {
    const unhandled = unhandledRejections();
    const put = IDBObjectStore.prototype.put;
    // Each put's request fails as a full disk's would, taking its transaction with it.
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<typeof put>) {
      const request = put.apply(this, args);
      this.transaction.abort();
      return request;
    };
    try {
      const updated = await updateRecord(storage, 'cart', 'cart', () => ({ id: 'cart', items: [], rev: 3, updatedAt: 1 }));
      expect(updated?.rev).to.equal(3);
      expect(storage.kind).to.equal('memory');
      expect(degraded).to.have.length(1);
      // Unhandled rejections are reported after the task that left them.
      await sleep(200);
      expect(unhandled.reasons.map((reason) => (reason as Error)?.name)).to.deep.equal([]);
    } finally {
      IDBObjectStore.prototype.put = put;
      unhandled.stop();
    }
  });

  describe('without a fall back to memory (the service worker\'s storage)', () => {
    let bare: Storage;
    // Opens nothing until its first use.
    beforeEach(() => (bare = new Storage(namespace, (reason) => degraded.push(reason))));
    afterEach(() => bare.close());

    it('a storage failure reaches the caller, after one retry, and the session stays on IndexedDB', async () => {
      let calls = 0;
      const error = await rejection(
        updateRecord(bare, 'cart', 'cart', () => {
          calls++;
          throw new DOMException('the disk is full', 'QuotaExceededError');
        }),
      );
      expect(error.name).to.equal('QuotaExceededError');
      expect(calls, 'tried on a fresh connection once more').to.equal(2);
      expect(bare.kind).to.equal('indexeddb');
      expect(degraded).to.deep.equal([]);
      // Nothing switched: the next write is on disk, read back by another connection.
      await bare.put('meta', { id: 'after', value: 2 });
      expect(await rawAll(namespace, 'meta')).to.deep.include({ id: 'after', value: 2 });
    });

    it('a database it cannot open (upgraded past this build) is an error, not an empty memory', async () => {
      storage.close();
      const newer = await rawOpen(namespace, VERSION + 1);
      newer.close();
      const error = await rejection(bare.all('outbox'));
      expect(error.name).to.equal('VersionError');
      expect(degraded).to.deep.equal([]);
    });
  });
});
