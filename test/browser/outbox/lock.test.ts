// The replay lock's IndexedDB lease (the path of engines without Web Locks,
// forced here with `locks: null`), against a real database.
import { expect } from 'chai';
import { LEASE_MS, withLease } from '../../../src/outbox/lease';
import { withLock } from '../../../src/outbox/lock';
import { Storage, updateRecord } from '../../../src/storage';
import { deleteDatabase, uniqueNamespace, until } from '../helpers';

/** The IndexedDB lease, as in engines without Web Locks. */
const LEASE = { locks: null, lease: withLease } as const;

/** Renewal runs every third of the 10 s lease: a loss must be noticed within one period, with margin. */
const NOTICE_MS = 8000;

describe('withLock: the IndexedDB lease', function () {
  this.timeout(30_000);
  let namespace: string;
  let storage: Storage;

  beforeEach(() => {
    namespace = uniqueNamespace();
    storage = new Storage(namespace, () => {});
  });
  afterEach(async () => {
    storage.close();
    await deleteDatabase(namespace);
  });

  const lease = () => storage.get('leases', 'replay');

  it('invariant 5: is held by one context at a time; a second taker gets nothing until it is released', async () => {
    let second: string | undefined = 'not tried';
    const first = await withLock(
      storage,
      'replay',
      async () => {
        second = await withLock(storage, 'replay', async () => 'second ran', LEASE);
        return 'first ran';
      },
      LEASE,
    );
    expect(first).to.equal('first ran');
    expect(second).to.equal(undefined);
    expect(await withLock(storage, 'replay', async () => 'after release', LEASE)).to.equal('after release');
  });

  it('invariant 5: a holder whose lease another context took over is told at once (lost fires), and stops', async () => {
    let stoppedAt = -1;
    const result = await withLock(
      storage,
      'replay',
      async (lost) => {
        // Another context takes the lease over, as after this one was frozen past its lease.
        await updateRecord(storage, 'leases', 'replay', () => ({ id: 'replay', owner: 'another-context', until: Date.now() + 10_000 }));
        const taken = Date.now();
        // A bounded replay loop that checks `lost` between entries, as the outbox's drain does.
        for (let entry = 0; entry < 100 && !lost.aborted; entry++) await new Promise((r) => setTimeout(r, 100));
        stoppedAt = Date.now() - taken;
        return lost.aborted;
      },
      LEASE,
    );
    expect(result, 'lost fired').to.equal(true);
    expect(stoppedAt).to.be.below(NOTICE_MS);
    // The other context's lease is left alone when the loser lets go.
    expect((await lease())?.owner).to.equal('another-context');
  });

  it('invariant 5: a holder whose lease may have run out (no renewal landed for a lease\'s length) is told lost, though no one took it', async () => {
    const withDatabase = storage.withDatabase.bind(storage);
    // No later than the lease is taken: it runs for a lease's length from then, at least.
    const before = Date.now();
    const result = await withLock(
      storage,
      'replay',
      async (lost) => {
        // From here no renewal lands, as for a context frozen past its lease (or whose storage fails).
        storage.withDatabase = (() => Promise.reject(new Error('renewal did not land'))) as typeof storage.withDatabase;
        try {
          await until(() => lost.aborted, 'lost to fire', LEASE_MS + NOTICE_MS);
        } finally {
          storage.withDatabase = withDatabase;
        }
        return Date.now() - before;
      },
      LEASE,
    );
    // Not before the lease as written could have run out, when another context may take it.
    expect(result).to.be.at.least(LEASE_MS);
  });

  it('renewal keeps a lease that nobody took: lost does not fire, and the lease is extended', async () => {
    const aborted = await withLock(
      storage,
      'replay',
      async (lost) => {
        const first = (await lease())!.until;
        await until(async () => (await lease())!.until > first, 'the lease renewed', NOTICE_MS);
        return lost.aborted;
      },
      LEASE,
    );
    expect(aborted).to.equal(false);
    expect((await lease())?.until).to.equal(0);
  });
});
