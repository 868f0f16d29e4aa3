import { STANDALONE_WORKER } from '../build-flags';
import type { Channel } from '../channel';
import type { Events } from '../events';
import type { Config } from '../options';
import type { OutboxRecord, Storage } from '../storage';
import type { OrderEvent, OutboxStatus } from '../types';
import { backoff } from '../transport/backoff';
import { CONNECTIONS } from '../transport/http';
import type { Circuits } from '../transport/circuits';
import type { Outcome, Placer } from '../transport/place';
import { GroupCommit } from './group-commit';
import type { Lease } from './lease';
import { withLock, type LockedTask } from './lock';
import { needsNewPayment, needsPaymentAt, tokenExpired, tokenExpiredError, whileTokenLives } from './payment-token';
import { OutboxRecords } from './records';
import { isFinal } from './statuses';

/** Finished entries stay listed this long, so the shop can show how they ended. */
export const KEEP_FINISHED_MS = 86_400_000;
/** @internal When a finished entry is forgotten: by the first drain after then. */
export const forgetAt = (r: OutboxRecord): number => r.updatedAt + KEEP_FINISHED_MS;
/** Replay backoff per entry: 1 s plus full jitter up to 5 min. */
export const REPLAY_BASE_MS = 1000;
export const REPLAY_CAP_MS = 300_000;
/**
 * @internal Entries replayed at once, each until its answer is in: it then
 * stores its outcome while the next entry goes (a drain of 1,000 orders took
 * 5 to 8% less time than when each held its place until stored). More than
 * the six connections a browser opens to one host over HTTP/1.1: while some
 * orders wait for their lock or their read, others keep the connections busy.
 * The service worker's width, and the page's with a slow or unknown endpoint.
 */
export const REPLAY_CONCURRENCY = 16;
/**
 * @internal The page's width with a fast endpoint. The browser queues the
 * requests past its six connections, ready the moment one frees, and the
 * drain's work per order comes in larger batches: against a backend that
 * answers at once, 1,000 orders drained a fifth sooner than 16 at once, on less
 * CPU (holding the requests in our own queue instead, 64 entries under way and
 * at most 12 or 16 requests out, gained nothing). What makes it safe:
 * - a queued request's attempt gets one more timeout per wave of six ahead of
 *   it, and its time is no sample of the endpoint's latency (`Placer`): without
 *   that, a drain of 1,000 orders from a backend answering in 300 ms had 390
 *   requests cut off while they waited for a connection (each an ambiguous
 *   failure, sent again), where 16 at once had none to 10; with it, 0 or 1;
 * - the first order of a pass goes alone: its answer puts the endpoint's CORS
 *   preflight in the browser's cache, where 64 requests sent together would
 *   each send one ahead of every POST;
 * - it is used only while the queue holds at most `QUEUE_MS` of the endpoint's
 *   time (its median latency per wave of six): a new order the shopper places
 *   meanwhile waits at most about that long behind them.
 */
export const WIDE_REPLAY = 64;
/** The longest queue of the page's drain ahead of a new order, in the endpoint's time. */
const QUEUE_MS = 500;

/**
 * @internal The page's drain width: `WIDE_REPLAY` while the browser's queue of that many
 * holds at most `QUEUE_MS` of the endpoint's time (six connections, its median
 * latency each), fewer down to `REPLAY_CONCURRENCY` as it slows. The endpoint:
 * the first one usable now, where the orders go (without one, unknown).
 */
export function pageWidth({ endpoints }: Config, circuits: Circuits): number {
  // None on a cart-only page, which only ends what needs no request (orphaned sends, expiry).
  const endpoint = endpoints.find((e) => circuits.permits(e) == 'yes') ?? endpoints[0];
  const median = endpoint && circuits.latency(endpoint).median;
  return Math.min(WIDE_REPLAY, Math.max(REPLAY_CONCURRENCY, CONNECTIONS * Math.floor(QUEUE_MS / (median ?? QUEUE_MS))));
}

/** Rounds of one drain, so that a drain always ends. */
const DRAIN_PASSES = 5;

/** How a run of an order ended, as the outbox stores it. */
export type StoredOutcome = Omit<Outcome, 'status'> & { status: OutboxStatus };

const needsPayment = (): StoredOutcome => ({ status: 'needs-payment', attempts: 0, error: tokenExpiredError() });

/**
 * How a run that ended with the order waiting is stored, under the token
 * policy. When the token died during the run, the error says so (it is why
 * nothing more was sent). On a replay, an order with a dead token that no
 * domain may have processed needs payment again.
 */
export function underTokenPolicy(record: OutboxRecord, outcome: Outcome, run: { replay: boolean; tokenDeadAtStart: boolean; aborted: boolean }): StoredOutcome {
  if (outcome.status != 'pending' || run.aborted || !tokenExpired(record)) return outcome;
  if (run.replay && needsNewPayment(record)) return needsPayment();
  return run.tokenDeadAtStart ? outcome : { ...outcome, error: tokenExpiredError() };
}

/**
 * The replay loop of this context: `idle`, or `draining` (one drain under
 * the replay lock), with at most one forced drain queued to follow it.
 */
type ReplayLoop = { state: 'idle' } | { state: 'draining'; drain: Promise<number>; forcedNext?: Promise<number> };

/** How one entry is replayed. */
interface ReplayOptions {
  /** Replay it even before its backoff ends (the shopper asked, or connectivity just came back). */
  ignoreBackoff: boolean;
  /** Whether any endpoint may be used now; without one, only what needs no request happens (expiry, a dead token, an orphan). */
  reachable: boolean;
}

/** What one drain pass does with a record. */
type PassStep = 'forget' | 'keep' | 'replay' | 'wait';

/**
 * A drain pass's step for a record: a finished one is kept for the shop to
 * see, then forgotten; a waiting one is replayed when due (with `forceAll`,
 * at once), and so is a `sending` one whose lock is free, orphaned by a
 * context that died mid-flight.
 */
function passStep(r: OutboxRecord, now: number, forceAll: boolean): PassStep {
  if (isFinal(r.status)) return forgetAt(r) <= now ? 'forget' : 'keep';
  return r.status == 'sending' || !held(r, now, forceAll) ? 'replay' : 'wait';
}

/**
 * Whether a waiting record must wait still: for its backoff, or (even when forced) for a 409's `Retry-After`.
 * Not one written after now, before the device's clock went back: it would wait for as long as the clock went back.
 */
const held = (r: OutboxRecord, now: number, force: boolean): boolean => r.updatedAt <= now && (force ? r.holdUntil! : r.due) > now;

/**
 * @internal Runs `task` on every item in order of the list, at most `limit`
 * at a time until each calls `free` (or ends): a replayed order frees its
 * place once its answer is in, and the next order's request goes while it
 * stores its outcome. Resolves when every task has ended; rejects, then, if one failed.
 */
export async function eachConcurrently<T>(items: readonly T[], limit: number, task: (item: T, free: () => void) => Promise<void>): Promise<void> {
  let next = 0;
  const all: Promise<void>[] = [];
  const worker = async () => {
    while (next < items.length) {
      await new Promise<void>((free) => {
        const done = task(items[next++]!, free);
        all.push(done);
        // Handled at once: a failed task frees its place, and is not reported unhandled before the end.
        done.then(free, free);
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  await Promise.all(all);
}

/**
 * @internal The replay half of the write-ahead outbox, all the service worker
 * carries: every stored order leaves `sending`/`pending` only on a definite
 * outcome, and is replayed, exactly once across every tab and the service
 * worker, until then. The page's `Outbox` adds placing and the entry API.
 */
export class OutboxReplay {
  private loop: ReplayLoop = { state: 'idle' };
  /** Set by `close`: a closed instance starts no replay and sends no more entries of one under way. */
  private isClosed = false;
  protected readonly records: OutboxRecords;
  /** Outcomes and domain write-aheads, committed together while the store is busy. */
  private readonly writes: GroupCommit;
  /** The lock where Web Locks are missing: none in the service worker (see `LockOptions.lease`); the page's `Outbox` has the IndexedDB lease. */
  protected readonly lease?: Lease;

  /** @internal */
  constructor(
    protected readonly config: Config,
    protected readonly storage: Storage,
    protected readonly channel: Channel,
    private readonly events: Events,
    protected readonly circuits: Circuits,
    protected readonly placer: Placer,
    /** Told when an order waits, and until when, so that it is replayed later (Background Sync, timers). */
    private readonly onWaiting: (due: number) => void = () => {},
  ) {
    this.records = new OutboxRecords(storage, events, config.allowCardLikeAt);
    this.writes = new GroupCommit(storage);
  }

  /**
   * Replays what is due (with `force`, everything waiting: connectivity or an
   * endpoint just came back), unless another context is already doing it.
   * With `wait` (the service worker's sync), it waits for that context's
   * drain to end, up to a lease's length, then replays: what a tab that
   * closed mid-drain left is not left for the browser's next sync, minutes later.
   * Resolves with the number of entries still waiting (when another context
   * drains, 1 if any waits). While this context
   * drains, a plain replay shares the drain under way; a forced one resolves
   * after one forced drain that follows it (shared by every forced call made
   * meanwhile), or its entries would wait for their backoff.
   */
  replay(force = false, wait?: boolean): Promise<number> {
    const loop = this.loop;
    if (loop.state == 'idle') return this.startDrain(force, wait);
    if (!force) return loop.drain;
    return (loop.forcedNext ??= loop.drain.then(
      () => this.replay(true),
      () => this.replay(true),
    ));
  }

  /**
   * @internal Stops this context's replays: none starts any more, and a drain
   * under way sends no further entry (requests already out finish and are
   * recorded). Another context's IndexedDB lease would not keep it off a
   * closed instance's entries when this one holds a Web Lock.
   */
  close(): void {
    this.isClosed = true;
  }

  /** @internal The write-ahead of a new domain for an order (the placer's `persist`): on disk before the request leaves. */
  async persist(record: OutboxRecord): Promise<void> {
    if (!this.config.retentionMs) return;
    await this.writes.put(record, 'strict');
    // Storage fell back to memory under this write: the database still holds the order as it was, for another
    // context to send to the domains it lists. The run's record is now the memory copy too, in doubt everywhere
    // and only looked up (core.ts), or this request would go to a domain the database's copy never hears of.
    if (!STANDALONE_WORKER && this.storage.kind == 'memory') {
      const kept = await this.storage.get('outbox', record.id);
      if (kept?.copied) Object.assign(record, { copied: true, domains: kept.domains });
    }
  }

  /**
   * `false` when no order waits to be sent (or is in flight), in any
   * context; else which domains a waiting order may go to: those it is not
   * held away from by an ambiguous failure, and whose key it has not closed
   * there. One read of the outbox, however many domains are asked.
   */
  async waiting(): Promise<false | ((domain: string) => boolean)> {
    const held = (await this.records.all()).filter((r) => !isFinal(r.status));
    return !!held.length && ((domain) => held.some((r) => !r.closed?.includes(domain) && r.domains.every((d) => d == domain)));
  }

  /** Starts a drain under the replay lock; the loop is `draining` until it ends. */
  private startDrain(force: boolean, wait?: boolean): Promise<number> {
    // A page that keeps no orders (`outbox: false`) records no outcome nor a domain's write-ahead: it replays
    // none of the other pages' (it would only judge them expired, and tell every tab so).
    if (this.isClosed || !this.config.retentionMs) return Promise.resolve(0);
    const drain = this.lock(`${this.config.namespace}:replay`, (lost) => this.drain(force, lost), wait)
      // Another context drains (it holds the lock, or held it for all of a wait): what waits still waits, and the caller (the worker's sync) must know it.
      .then(async (waiting) => waiting ?? +!!(await this.waiting()))
      .finally(() => (this.loop = { state: 'idle' }));
    this.loop = { state: 'draining', drain };
    return drain;
  }

  /**
   * Replays every due entry, `REPLAY_CONCURRENCY` requests at a time, in up to `DRAIN_PASSES` passes
   * (an entry's outcome may make another due). Stops at once if the replay
   * lock is lost. Resolves with the number of entries still waiting.
   */
  private async drain(force: boolean, lost: AbortSignal): Promise<number> {
    let waiting = 0;
    for (let pass = 0; pass < DRAIN_PASSES && !lost.aborted && !this.isClosed; pass++) {
      const now = Date.now();
      const reachable = this.reachable();
      const due: string[] = [];
      const forgotten: string[] = [];
      waiting = 0;
      for (const r of await this.records.all()) {
        const step = passStep(r, now, force && !pass);
        if (step == 'forget') forgotten.push(r.id);
        if (step == 'replay' || step == 'wait') waiting++;
        // With no endpoint in reach, only an entry with something to do without a request is taken up:
        // a thousand waiting orders are not each locked and read again for nothing.
        // (What `replayOne` does without a request: expire it, ask for payment again, or end an orphaned send.)
        // An entry that ends so is taken up even while its backoff runs: the shop is told when it ends.
        if ((step == 'replay' && (reachable || r.status == 'sending')) || ((step == 'replay' || step == 'wait') && now >= this.endsAt(r))) due.push(r.id);
      }
      // In one transaction: a busy kiosk finishes thousands of orders a day.
      if (forgotten.length) await this.forget(forgotten);
      if (!due.length) break;
      // While every circuit is open for longer than an order's budget, sending would only wait it out:
      // only what needs no request happens (expiry, a dead token); an endpoint's recovery starts the next
      // drain. A circuit due within the budget (a blip: three dropped answers in a row) is waited for by
      // each run, the first order sent being its probe, rather than skipping the rest of the pass.
      const ignoreBackoff = force && !pass;
      const replay = (id: string, free: () => void) =>
        lost.aborted || this.isClosed ? Promise.resolve() : this.lock(this.lockName(id), (lostEntry) => this.replayOne(id, { ignoreBackoff, reachable: this.reachable() }, lostEntry, free));
      // The page's first order goes alone: its answer puts the endpoint's CORS preflight in the browser's
      // cache, where a wide drain's requests, sent together, would each send one ahead of every POST.
      if (!STANDALONE_WORKER) await eachConcurrently(due.splice(0, 1), 1, replay);
      await eachConcurrently(due, STANDALONE_WORKER ? REPLAY_CONCURRENCY : pageWidth(this.config, this.circuits), replay);
      if (!this.reachable()) break;
    }
    return waiting;
  }

  /**
   * Replays one entry, under its lock; `lost` fires if that lock is taken away
   * meanwhile. `answered` is called once its run has ended, before its outcome is stored.
   */
  protected async replayOne(id: string, options: ReplayOptions, lost: AbortSignal, answered = () => {}): Promise<void> {
    const record = await this.records.get(id);
    const now = Date.now();
    if (!record || isFinal(record.status) || (record.status == 'pending' && now < this.endsAt(record) && held(record, now, options.ignoreBackoff))) return;
    if (now >= this.expiresAt(record)) {
      return this.store(record, { status: 'expired', attempts: 0, error: { code: 'expired', message: 'kept past the outbox retention', at: now } });
    }
    // A dead payment token is never sent again; only a lookup may still find the order placed.
    const tokenDeadAtStart = tokenExpired(record);
    if (needsNewPayment(record)) return this.store(record, needsPayment());
    if (!options.reachable) {
      // Orphaned by a context that died mid-flight: nothing is in flight any more.
      if (record.status == 'sending') await this.store(record, { status: 'pending', attempts: 0, error: record.lastError });
      return;
    }
    // Announced, not stored: the entry's lock already keeps every other context off it, and one
    // write per replayed order (its outcome) is what lets a drain keep pace with the network.
    record.status = 'sending';
    this.emit(record);
    const outcome = await this.placer.place({ record, deadline: now + this.config.budgetMs, fresh: false, lost, mayOrder: whileTokenLives(record) });
    answered();
    if (outcome.attempts) record.runs++;
    // The lock was taken away mid-run: the entry is another context's now; only a definite outcome is worth storing.
    if (lost.aborted && outcome.status == 'pending') return;
    // A run that sent nothing (another entry of the drain held the circuit's probe) learned nothing: the last error stands.
    const learned = outcome.attempts || outcome.status != 'pending' ? outcome : { ...outcome, error: record.lastError ?? outcome.error };
    await this.store(record, underTokenPolicy(record, learned, { replay: true, tokenDeadAtStart, aborted: false }));
  }

  /** When the order is kept no longer: as the page that placed it said. */
  protected expiresAt(r: OutboxRecord): number {
    return r.expiresAt ?? r.createdAt + this.config.retentionMs;
  }

  /**
   * When a waiting entry ends without a request, whatever its backoff: past
   * its retention (`expired`), or once its token dies while no domain may
   * have processed it (`needs-payment`).
   */
  protected endsAt(r: OutboxRecord): number {
    return Math.min(this.expiresAt(r), needsPaymentAt(r));
  }

  /** Whether any endpoint may be used (or probed) now, or within one order's budget. */
  protected reachable(): boolean {
    return this.reachAt() <= Date.now();
  }

  /** When an endpoint is next in reach: now while one may be used or probed, else one order's budget before the first circuit falls due. */
  protected reachAt(): number {
    const now = Date.now();
    return Math.min(...this.config.endpoints.map((e) => (this.circuits.permits(e, now) == 'no' ? this.circuits.circuit(e).retryAt - this.config.budgetMs : now)));
  }

  /** Stores how a run ended and tells every context. */
  protected async store(record: OutboxRecord, outcome: StoredOutcome): Promise<void> {
    const now = Date.now();
    record.status = outcome.status;
    record.updatedAt = now;
    record.result = outcome.result;
    record.lastError = outcome.error;
    // Not before a 409's Retry-After (the key still running there), capped as a circuit caps it: a
    // forced replay (a page load, the tab shown again, `retry`) skips the backoff, never that.
    record.holdUntil = now + Math.min(outcome.waitMs ?? 0, this.config.tuning.maxOpenMs);
    record.due = Math.max(now + REPLAY_BASE_MS + backoff(record.runs, REPLAY_BASE_MS, REPLAY_CAP_MS), record.holdUntil);
    // Relaxed: should a power cut lose this write, the order is still in flight or pending on
    // disk, and its replay finds the outcome again by lookup.
    if (this.config.retentionMs) await this.writes.put(record, 'relaxed');
    this.emit(record);
    if (record.status == 'pending') this.onWaiting(Math.min(record.due, this.endsAt(record)));
  }

  /** Removes entries for good. */
  protected async forget(ids: string[]): Promise<void> {
    await this.storage.delete('outbox', ids);
    ids.forEach((id) => this.records.forget(id));
  }

  protected emit(record: OutboxRecord): void {
    const event: OrderEvent = { id: record.id, status: record.status, result: record.result, error: record.lastError };
    // The pages hear of the standalone worker's orders on the channel alone.
    if (!STANDALONE_WORKER) this.events.emit(`order:${event.status}`, event);
    this.channel.post({ t: 'order', event });
  }

  /** Runs `task` under the lock `name`, shared by every tab and the worker: see `withLock`. */
  protected lock<T>(name: string, task: LockedTask<T>, wait?: boolean): Promise<T | undefined> {
    return withLock(this.storage, name, task, { wait, lease: this.lease });
  }

  protected lockName(id: string): string {
    return `${this.config.namespace}:order:${id}`;
  }
}
