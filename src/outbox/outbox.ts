import type { Channel } from '../channel';
import { fail } from '../errors';
import type { Emitter } from '../events';
import { toJsonBody } from '../guard/json';
import { number, type Config } from '../options';
import type { OutboxRecord, Storage } from '../storage';
import { isObject, outboxProblem, quarantined } from '../storage/validate';
import type { Json, OrderEvent, OrderResult, OutboxEntry, OutboxStatus, PlaceOrderOptions } from '../types';
import { backoff } from '../transport/backoff';
import type { Circuits } from '../transport/circuits';
import { tokenExpired, tokenExpiredError, type Outcome, type Placer } from '../transport/place';
import { withLock } from './lock';
import { isFinal } from './statuses';

/** Finished entries stay listed this long, so the shop can show how they ended. */
const KEEP_FINISHED_MS = 86_400_000;
/** Replay backoff per entry: 1 s plus full jitter up to 5 min. */
export const REPLAY_BASE_MS = 1000;
export const REPLAY_CAP_MS = 300_000;
/** Entries replayed at once: the connections a browser opens to one host. */
const REPLAY_CONCURRENCY = 6;
/** Rounds of one drain, so that a drain always ends. */
const DRAIN_PASSES = 5;

/** @internal Background Sync tag of the replay, which the pages register and the worker answers. */
export const syncTag = (namespace: string) => `${namespace}:replay`;

type Settlement = Omit<Outcome, 'status'> & { status: OutboxStatus };

const needsPayment = (): Settlement => ({ status: 'needs-payment', attempts: 0, error: tokenExpiredError() });

/**
 * How a replay ends: an order still waiting whose payment token died (before
 * or during the run) and that no domain may have processed needs payment
 * again (the placer sends no order with a dead token).
 */
const settlement = (record: OutboxRecord, outcome: Outcome): Settlement =>
  outcome.status == 'pending' && tokenExpired(record) && !record.domains.length ? needsPayment() : outcome;


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
  };
}

/**
 * The write-ahead outbox: every order is committed here before its first
 * request, leaves `sending`/`pending` only on a definite outcome, and is
 * replayed, exactly once across every tab and the service worker, until then.
 * Shared by the page and the service worker.
 */
export class Outbox {
  private draining?: Promise<number>;
  private forceNext = false;

  /** @internal */
  constructor(
    private readonly config: Config,
    private readonly storage: Storage,
    private readonly channel: Channel,
    private readonly events: Emitter,
    private readonly circuits: Circuits,
    private readonly placer: Placer,
    /** Told when an order waits, so that it is replayed later (Background Sync, timers). */
    private readonly onWaiting: () => void = () => {},
  ) {}

  /** @internal `placeOrder`, see the instance's documentation. */
  async place(order: unknown, options: PlaceOrderOptions = {}): Promise<OrderResult> {
    const start = performance.now();
    if (typeof options != 'object' || options === null) fail('INVALID_OPTIONS', 'must be an object', '');
    const { endpoints, retentionMs, allowCardLikeAt } = this.config;
    const budgetMs = number(options.budgetMs, this.config.budgetMs, 100, 120_000, 'budgetMs');
    let expires = options.paymentTokenExpiresAt;
    if (expires instanceof Date) expires = expires.getTime();
    if (expires !== undefined && !(typeof expires == 'number' && isFinite(expires))) fail('INVALID_OPTIONS', 'must be a time in ms or a Date', 'paymentTokenExpiresAt');
    const { signal } = options;
    if (signal !== undefined && !(signal instanceof AbortSignal)) fail('INVALID_OPTIONS', 'must be an AbortSignal', 'signal');
    if (typeof order != 'object' || order === null) fail('INVALID_ORDER', 'an order must be an object', '');
    if (!endpoints.length) fail('NO_ENDPOINTS', 'no checkout endpoint is configured', 'endpoints');
    const body = toJsonBody(order, allowCardLikeAt);
    if (signal?.aborted) fail('ABORTED', 'the signal was already aborted');

    const now = Date.now();
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
      tokenExpiresAt: expires as number | undefined,
    };
    const run = async () => {
      if (retentionMs) await this.storage.put('outbox', record);
      this.emit(record);
      const outcome = await this.placer.place({ record, deadline: now + budgetMs, signal, fresh: true });
      await this.settle(record, outcome.status == 'pending' && !retentionMs ? { ...outcome, status: 'failed' } : outcome);
      return outcome;
    };
    const outcome = (await withLock(this.storage, this.lockName(record.id), run)) ?? (await run());
    return {
      id: record.id,
      status: record.status as OrderResult['status'],
      result: record.result,
      attempts: outcome.attempts,
      elapsedMs: Math.round(performance.now() - start),
      error: record.lastError,
    };
  }

  /** Every entry, oldest first, from every tab and the service worker. */
  async list(): Promise<OutboxEntry[]> {
    return (await this.records()).sort((a, b) => a.createdAt - b.createdAt).map(toEntry);
  }

  /**
   * Replays a waiting entry now, ignoring its backoff; open circuits are
   * probed first, since the shopper asks whether the store is back. Resolves
   * with the entry as it then is.
   */
  async retry(id: string): Promise<OutboxEntry> {
    const record = await this.storage.update('outbox', id, (r) => (r?.status == 'pending' ? { ...r, due: 0 } : r), 'relaxed');
    if (!record) fail('NOT_FOUND', 'no outbox entry has this id', 'id');
    await this.circuits.probeOpen();
    // This entry, now, even while another context drains the rest (waiting for it if that one is
    // sending this very entry: its outcome is then the answer).
    await withLock(this.storage, this.lockName(id), () => this.replayOne(id, true, this.reachable()), true);
    return toEntry((await this.storage.get('outbox', id)) ?? record!);
  }

  /**
   * Removes an entry that is not being sent right now; resolves `false` when
   * there is none or it is in flight. A discarded order is never replayed.
   */
  async discard(id: string): Promise<boolean> {
    const removed = await withLock(this.storage, this.lockName(id), async () => {
      const record = await this.storage.get('outbox', id);
      if (record) await this.storage.delete('outbox', id);
      return !!record;
    });
    return !!removed;
  }

  /**
   * Replays what is due (with `force`, everything waiting: connectivity or an
   * endpoint just came back), unless another context is already doing it.
   * Resolves with the number of entries still waiting.
   */
  replay(force = false): Promise<number> {
    if (this.draining) {
      // A drain is under way: a forced one must still follow it, or its entries would wait for their backoff.
      this.forceNext ||= force;
      return this.draining;
    }
    return (this.draining = withLock(this.storage, `${this.config.namespace}:replay`, () => this.drain(force))
      .then((waiting) => waiting ?? 0)
      .finally(() => {
        this.draining = undefined;
        if (this.forceNext) {
          this.forceNext = false;
          this.replay(true);
        }
      }));
  }

  /** Time of the next due replay, or `undefined` when nothing waits. */
  async nextDue(): Promise<number | undefined> {
    const due = (await this.records()).filter((r) => r.status == 'pending').map((r) => r.due);
    return due.length ? Math.min(...due) : undefined;
  }

  /** Whether any order is in flight, in any context. */
  async sending(): Promise<boolean> {
    return (await this.records()).some((r) => r.status == 'sending');
  }

  private async drain(force: boolean): Promise<number> {
    let waiting = 0;
    for (let pass = 0; pass < DRAIN_PASSES; pass++) {
      const now = Date.now();
      const records = await this.records();
      const due: string[] = [];
      waiting = 0;
      for (const r of records) {
        if (isFinal(r.status)) {
          if (r.updatedAt + KEEP_FINISHED_MS < now) await this.storage.delete('outbox', r.id);
        } else {
          waiting++;
          // A `sending` entry whose lock is free was orphaned by a context that died mid-flight.
          if (r.status == 'sending' || (force && !pass) || r.due <= now) due.push(r.id);
        }
      }
      if (!due.length) break;
      // While every circuit is open, sending would only wait out each order's budget: only
      // what needs no request (expiry, a dead token) happens; an endpoint's recovery starts the next drain.
      const workers = Array.from({ length: REPLAY_CONCURRENCY }, async () => {
        for (let id; (id = due.shift()); ) await withLock(this.storage, this.lockName(id), () => this.replayOne(id, force && !pass, this.reachable()));
      });
      await Promise.all(workers);
      if (!this.reachable()) break;
    }
    return waiting;
  }

  private async replayOne(id: string, force: boolean, send: boolean): Promise<void> {
    const record = await this.checked(await this.storage.get('outbox', id));
    const now = Date.now();
    if (!record || isFinal(record.status) || (record.status == 'pending' && !force && record.due > now)) return;
    if (now >= record.createdAt + this.config.retentionMs) {
      return this.settle(record, { status: 'expired', attempts: 0, error: { code: 'expired', message: 'kept past the outbox retention', at: now } });
    }
    // A dead payment token is never sent again; only a lookup may still find the order placed.
    const tokenDead = tokenExpired(record);
    if (tokenDead && !record.domains.length) return this.settle(record, needsPayment());
    if (!send) {
      // Orphaned by a context that died mid-flight: nothing is in flight any more.
      if (record.status == 'sending') await this.settle(record, { status: 'pending', attempts: 0, error: record.lastError });
      return;
    }

    // Announced, not stored: the entry's lock already keeps every other context off it, and one
    // write per replayed order (its outcome) is what lets a drain keep pace with the network.
    record.status = 'sending';
    this.emit(record);
    const outcome = await this.placer.place({
      record,
      deadline: now + this.config.budgetMs,
      fresh: false,
      lookupOnly: tokenDead,
    });
    if (outcome.attempts) record.runs++;
    await this.settle(record, settlement(record, outcome));
  }

  /** Whether any endpoint may be used now (or probed). */
  private reachable(): boolean {
    return this.config.endpoints.some((e) => this.circuits.permits(e) != 'no');
  }

  /** Every record; bad ones are quarantined on the way. */
  private async records(): Promise<OutboxRecord[]> {
    const records: OutboxRecord[] = [];
    for (const raw of await this.storage.all('outbox')) {
      const record = await this.checked(raw);
      if (record) records.push(record);
    }
    return records;
  }

  /**
   * The record when it can be trusted. A malformed or tampered one (card
   * data included) is quarantined as `failed`, reported, and never sent;
   * one without a string id was not written by steadycart and is skipped.
   */
  private async checked(raw: unknown): Promise<OutboxRecord | undefined> {
    if (!isObject(raw) || typeof raw.id != 'string') return;
    let problem = outboxProblem(raw);
    let keepBody = true;
    if (!problem && !isFinal(raw.status as OutboxStatus)) {
      try {
        toJsonBody(JSON.parse(raw.body as string), this.config.allowCardLikeAt);
      } catch (error) {
        problem = (error as Error).message;
        keepBody = false;
      }
    }
    if (!problem) return raw as unknown as OutboxRecord;
    const record = quarantined(keepBody ? raw : { ...raw, body: 'null' }, problem);
    await this.storage.put('outbox', record, 'relaxed');
    this.events.emit('storage:corrupt', { store: 'outbox', id: record.id, reason: problem });
    return record;
  }

  /** Stores how a run ended and tells every context. */
  private async settle(record: OutboxRecord, outcome: Settlement): Promise<void> {
    const now = Date.now();
    record.status = outcome.status;
    record.updatedAt = now;
    record.result = outcome.result;
    record.lastError = outcome.error;
    record.due = now + REPLAY_BASE_MS + backoff(record.runs, REPLAY_BASE_MS, REPLAY_CAP_MS);
    // Relaxed: should a power cut lose this write, the order is still in flight or pending on
    // disk, and its replay finds the outcome again by lookup.
    if (this.config.retentionMs) await this.storage.put('outbox', record, 'relaxed');
    this.emit(record);
    if (record.status == 'pending') this.onWaiting();
  }

  private emit(record: OutboxRecord): void {
    const event: OrderEvent = { id: record.id, status: record.status, result: record.result, error: record.lastError };
    this.events.emit(`order:${event.status}`, event);
    this.channel.post({ t: 'order', event });
  }

  private lockName(id: string): string {
    return `${this.config.namespace}:order:${id}`;
  }
}
