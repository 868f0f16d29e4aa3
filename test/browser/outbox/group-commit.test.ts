import { expect } from 'chai';
import { GroupCommit } from '../../../src/outbox/group-commit';
import { Storage, type OutboxRecord } from '../../../src/storage';
import { deleteDatabase, uniqueNamespace } from '../helpers';

const record = (id: string, extra: Partial<OutboxRecord> = {}): OutboxRecord => ({
  id,
  body: '{"orderRef":"g"}',
  status: 'pending',
  createdAt: 1,
  updatedAt: 1,
  attempts: 0,
  runs: 0,
  domains: ['main'],
  due: 0,
  ...extra,
});

describe('outbox group commit (the drain writes outcomes together)', () => {
  let namespace: string;
  let storage: Storage;
  /** The size of every transaction the group commit asked for. */
  let transactions: number[];

  beforeEach(async () => {
    namespace = uniqueNamespace();
    storage = new Storage(namespace, () => {});
    await storage.ready();
    transactions = [];
    const putAll = storage.putAll.bind(storage);
    storage.putAll = (store, values, durability) => (transactions.push(values.length), putAll(store, values, durability));
  });

  afterEach(async () => {
    storage.close();
    await deleteDatabase(namespace);
  });

  it('a write made alone goes at once; writes made while it commits go together in the next transaction', async () => {
    const commits = new GroupCommit(storage);
    const ids = Array.from({ length: 10 }, (_, i) => `group-${i}-0000`);
    await Promise.all(ids.map((id) => commits.put(record(id), 'relaxed')));
    expect(transactions).to.deep.equal([1, 9]);
    expect((await storage.all('outbox')).map((r) => r.id).sort()).to.deep.equal(ids);
  });

  it('each write is on disk when it resolves, as it was when it was made (a later change to the object is not written)', async () => {
    const commits = new GroupCommit(storage);
    const r = record('snapshot-0000');
    const stored = commits.put(r, 'strict');
    r.status = 'confirmed';
    r.domains.push('backup');
    await stored;
    expect(await storage.get('outbox', r.id)).to.deep.include({ status: 'pending', domains: ['main'] });
  });

  it('one write that cannot be stored fails alone; the others of its transaction are stored', async () => {
    const commits = new GroupCommit(storage);
    const first = commits.put(record('first-0000'));
    // A function cannot be cloned into IndexedDB: this one write fails.
    const bad = commits.put(record('bad-00000', { lastError: (() => {}) as never }));
    const good = commits.put(record('good-0000'));
    await first;
    const [badResult, goodResult] = await Promise.allSettled([bad, good]);
    expect(badResult.status).to.equal('rejected');
    expect(goodResult.status).to.equal('fulfilled');
    expect((await storage.all('outbox')).map((r) => r.id).sort()).to.deep.equal(['first-0000', 'good-0000']);
  });
});
