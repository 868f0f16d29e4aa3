import { fail } from '../errors';
import { updateRecord, type OutboxRecord, type Storage } from '../storage';
import type { Json, OrderResult, OutboxEntry } from '../types';
import type { Outcome } from '../transport/place';
import { withLease } from './lease';
import type { Placement } from './placement';
import { whileTokenLives } from './payment-token';
import { forgetAt, OutboxReplay, underTokenPolicy, type StoredOutcome } from './replay';

/** @internal Commits a new order's record before its first request: see `Outbox.place`. */
export type WriteAhead = (storage: Storage, record: OutboxRecord) => Promise<void>;

/** @internal The public view of a record. */
export function toEntry(r: OutboxRecord): OutboxEntry {
  let order: Json = null;
  try {
    order = JSON.parse(r.body);
  } catch {
    // Shown as null; the record itself is kept as it is.
  }
  return {
    id: r.id,
    status: r.status,
    order,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    attempts: r.attempts,
    lastError: r.lastError,
    result: r.result,
    paymentTokenExpiresAt: r.tokenExpiresAt,
    replaces: r.replaces,
    replacedBy: r.replacedBy,
  };
}

/**
 * The write-ahead outbox of a page: every order is committed here before its
 * first request, then replayed until its outcome is definite (the replay, in
 * `OutboxReplay`, is all the service worker carries). Placing orders and the
 * entry API are page-only.
 */
export class Outbox extends OutboxReplay {
  protected override readonly lease = withLease;

  /**
   * Also removes the order's lease, where the page has no Web Locks: one
   * record per order, kept for good otherwise. A forgotten order is discarded
   * (under that lease) or finished a day ago, so no one sends it meanwhile.
   */
  protected override async forget(ids: string[]): Promise<void> {
    await super.forget(ids);
    await this.storage.delete('leases', ids.map((id) => this.lockName(id)));
  }

  /**
   * @internal `placeOrder`, see the instance's documentation, with its input
   * checked (`checkPlacement`, page-only). `writeAhead` commits the new record
   * under its lock (default: stores it).
   */
  async place({ start, body, budgetMs, tokenExpiresAt, signal }: Placement, writeAhead: WriteAhead = (storage, record) => storage.put('outbox', record)): Promise<OrderResult> {
    const record = this.newRecord(body, tokenExpiresAt);
    this.config.onNewOrder?.(record.id);
    const deadline = record.createdAt + budgetMs;
    const outcome =
      (await this.lock(this.lockName(record.id), (lost) => this.placeLocked(record, deadline, signal, writeAhead, lost), true)) ??
      // The lock is named by this order's fresh key: no other context can hold it, so this happens
      // only if the lease store misbehaves. The order is then not sent from here without its lock
      // (a drain elsewhere would take it for an orphan and send it too): it waits for a replay.
      (await this.unsent(record, writeAhead));
    return {
      id: record.id,
      status: record.status as OrderResult['status'],
      result: record.result,
      attempts: outcome.attempts,
      elapsedMs: Math.round(performance.now() - start),
      error: record.lastError,
    } as OrderResult;
  }

  /** Every entry, oldest first, from every tab and the service worker. */
  async list(): Promise<OutboxEntry[]> {
    return (await this.records.all()).sort((a, b) => a.createdAt - b.createdAt).map(toEntry);
  }

  /** @internal The trusted record of an entry; none while the outbox is off. */
  async record(id: string): Promise<OutboxRecord | undefined> {
    return this.config.retentionMs ? this.records.get(id) : undefined;
  }

  /**
   * Replays a waiting entry now, ignoring its backoff (never a 409's
   * `Retry-After`: the server is still processing that key); open circuits
   * are asked again first (the entry itself is their probe), since the
   * shopper asks whether the store is back. Resolves with the entry as it
   * then is.
   */
  async retry(id: string): Promise<OutboxEntry> {
    // A page that keeps no orders records no outcome (nor a domain's write-ahead): it replays none.
    if (!this.config.retentionMs) fail('NOT_FOUND', 'this instance keeps no outbox', 'id');
    // Due now, but never before a 409's Retry-After: an unforced replay (the page's timer, the worker's) reads `due` alone.
    const gone = () => fail('NOT_FOUND', 'no outbox entry has this id', 'id');
    (await updateRecord(this.storage, 'outbox', id, (r) => (r?.status == 'pending' ? { ...r, due: r.holdUntil ?? 0 } : r), 'relaxed')) ?? gone();
    await this.circuits.probeOpen();
    // This entry, now, even while another context drains the rest (waiting for it if that one is
    // sending this very entry: its outcome is then the answer; discarding it meanwhile: it is gone).
    const replay = { ignoreBackoff: true, reachable: this.reachable() };
    await this.lock(this.lockName(id), (lost) => this.replayOne(id, replay, lost), true);
    return toEntry((await this.storage.get('outbox', id)) ?? gone());
  }

  /**
   * Removes an entry that is not being sent right now; resolves `false` when
   * there is none or it is in flight. A discarded order is never replayed.
   * Other tabs' outbox views hear of it and read the outbox again.
   */
  async discard(id: string): Promise<boolean> {
    const removed = await this.lock(this.lockName(id), async () => {
      const record = await this.storage.get('outbox', id);
      if (record) await this.forget([id]);
      return !!record;
    });
    if (removed) this.channel.post({ t: 'outbox' });
    return !!removed;
  }

  /**
   * Time of the next due replay, or `undefined` when the outbox is empty. An entry
   * in flight is asked after again within a budget: should the context that
   * sends it die (a tab closed during a long `placeOrder`), it is an orphan
   * to replay, and nothing else may come to wake this page. A waiting order
   * is not due before an endpoint is in reach (`reachAt`): while every
   * circuit is open, the page does not read the outbox every second for
   * nothing. (The circuit that falls due replays it too, its order the probe.)
   * Nor later than it ends without a request (its retention, its token's
   * death), whatever its backoff: the shop is told then. A finished entry
   * is due when it is to be forgotten: a page that stays open for days (a
   * kiosk) keeps no more than a day of them.
   */
  async nextDue(): Promise<number | undefined> {
    const reach = this.reachAt();
    const due = (await this.records.all()).map((r) => (r.status == 'pending' ? Math.min(Math.max(r.due, reach), this.endsAt(r)) : r.status == 'sending' ? Date.now() + this.config.budgetMs : forgetAt(r)));
    return due.length ? Math.min(...due) : undefined;
  }

  /**
   * Whether any order is in flight, in any context: one whose lock is held.
   * An order's record is written `sending` under its lock, and its outcome
   * before the lock is let go: a record left `sending` by a context that died
   * holds none, and keeps nothing out (a page with `outbox: false` never
   * replays it, and would hold every update back). The locks say it of every
   * namespace's orders: pages of several namespaces on one scope share its
   * worker. Without Web Locks: a lease of this namespace, or a record `sending`.
   */
  async sending(): Promise<boolean> {
    const { locks } = navigator;
    return locks
      ? !!(await locks.query()).held?.some((lock) => lock.name?.includes(':order:'))
      : (await this.storage.all('leases')).some((lease) => lease.id.startsWith(this.lockName('')) && lease.until > Date.now()) ||
          (await this.records.all()).some((r) => r.status == 'sending');
  }

  /** A new order's record, with its key minted now. */
  private newRecord(body: string, tokenExpiresAt: number | undefined): OutboxRecord {
    const now = Date.now();
    const { endpoints } = this.config;
    const first = endpoints.find((e) => this.circuits.permits(e) != 'no') ?? endpoints[0]!;
    const record: OutboxRecord = {
      id: crypto.randomUUID(),
      body,
      status: 'sending',
      createdAt: now,
      updatedAt: now,
      attempts: 0,
      runs: 0,
      // The first domain is recorded with the write-ahead itself, which saves a write.
      domains: [first.domain],
      due: now,
      tokenExpiresAt,
      expiresAt: now + this.config.retentionMs,
      allowCardLikeAt: this.config.allowCardLikeAt,
    };
    // Only an outbox that keeps its orders reads them again (one with `outbox: false` would keep every body in memory).
    if (this.config.retentionMs) this.records.trust(record);
    return record;
  }

  /**
   * A new order, under its lock: write-ahead, then the first run, then its
   * outcome stored. `lost` fires if the lock is taken away meanwhile.
   */
  private async placeLocked(record: OutboxRecord, deadline: number, signal: AbortSignal | undefined, writeAhead: WriteAhead, lost: AbortSignal): Promise<Outcome> {
    const { retentionMs } = this.config;
    if (retentionMs) await writeAhead(this.storage, record);
    this.emit(record);
    const outcome = await this.placer.place({ record, deadline, signal, fresh: true, mayOrder: whileTokenLives(record), lost });
    // The lock was taken away mid-run (this tab was frozen past its lease, and a replay elsewhere took the
    // order): the entry is that context's now, and only a definite outcome is worth storing over its own.
    // The caller hears how that context left it.
    if (lost.aborted && outcome.status == 'pending' && retentionMs) {
      const { status, result, lastError } = (await this.records.get(record.id)) ?? {};
      // Still on its way there (a replay announces its run, it does not store it): waiting, as far as this caller knows,
      // and why this run did not settle it. Settled there: as that context left it, never beside this run's error.
      const settled = ['confirmed', 'rejected', 'failed'].includes(status!);
      Object.assign(record, { status: settled ? status : 'pending', result, lastError: settled ? lastError : lastError ?? outcome.error });
      return outcome;
    }
    await this.settle(record, underTokenPolicy(record, outcome, { replay: false, tokenDeadAtStart: false, aborted: !!signal?.aborted }));
    return outcome;
  }

  /** See `place`: an order that could not take its own lock waits, stored (through its write-ahead), without a request. */
  private async unsent(record: OutboxRecord, writeAhead: WriteAhead): Promise<Outcome> {
    const outcome: Outcome = { status: 'pending', attempts: 0, error: { code: 'unreachable', message: 'not sent: the order could not be locked', at: Date.now() } };
    record.domains = [];
    if (this.config.retentionMs) await writeAhead(this.storage, record);
    await this.settle(record, outcome);
    return outcome;
  }

  /** Stores a new order's outcome: with the outbox off (`outbox: false`), one left waiting is `failed`, as nothing replays it. */
  private settle(record: OutboxRecord, outcome: StoredOutcome): Promise<void> {
    return this.store(record, outcome.status == 'pending' && !this.config.retentionMs ? { ...outcome, status: 'failed' } : outcome);
  }
}
