import { STANDALONE_WORKER } from '../build-flags';
import type { Events } from '../events';
import { lookupUrl, type Config, type Endpoint } from '../options';
import type { OutboxRecord } from '../storage';
import { sleep } from '../time';
import type { ErrorInfo, FailureCode, Json, ServerResult } from '../types';
import { backoff } from './backoff';
import { classify, classifyLookup, replyError } from './classify';
import type { Circuits } from './circuits';
import { decide, judge, type Situation } from './decide';
import { CONNECTIONS, send, type Reply } from './http';
import type { RetryBudget } from './retry-budget';

/** How one run of attempts for an order ended. */
export interface Outcome {
  status: 'confirmed' | 'rejected' | 'failed' | 'pending';
  result?: ServerResult;
  error?: ErrorInfo;
  /** Requests sent in this run. */
  attempts: number;
  /** Ending `pending`: how long a 409's `Retry-After` asked to wait before the order is sent again. */
  waitMs?: number;
}

/** One run of attempts for an order, within a deadline. */
export interface Run {
  /** The order's record; `attempts` and `domains` are kept up to date in it. */
  record: OutboxRecord;
  deadline: number;
  /** The caller's: it gives up on the order. */
  signal?: AbortSignal;
  /** True for a new order, of which nothing has been sent yet. */
  fresh: boolean;
  /**
   * Whether the order itself may still be sent, asked before every send
   * (the outbox's payment-token policy). Lookups are always allowed: with
   * `() => false` the run only reconciles. Default: always.
   */
  mayOrder?: () => boolean;
  /**
   * Fires when the order's lock is taken away (a lease another context took over, or one that may have run out):
   * the run stops as at the caller's abort. Read before every step: a lease's `aborted` checks its age then.
   */
  lost: AbortSignal;
}

/**
 * Requests of this page under way, per endpoint (every instance's: they share
 * the browser's connections). The page's drain may send many replays at once
 * (`WIDE_REPLAY`): the browser queues them, so a replay's attempt gets one more
 * timeout per wave of six ahead of it (its time waiting for a connection is not
 * the endpoint's silence), and a queued request's time is no sample of the
 * endpoint's latency. The worker replays 16 at once, and carries none of this.
 */
const underWay = new Map<string, number>();

/** Backoff between rounds of attempts within one run. */
const ROUND_BASE_MS = 100;
const ROUND_CAP_MS = 1000;

/** @internal An endpoint and its reply. */
export type Answer = [Endpoint, Reply];
type Kind = 'order' | 'hedge' | 'lookup';

/** @internal A request under way, which its rival (a hedge) may abort. */
export interface Flight {
  endpoint: Endpoint;
  controller: AbortController;
  answer: Promise<Answer>;
}

/** @internal What one run knows as it goes; passed from step to step. */
export interface RunState {
  readonly run: Run;
  readonly record: OutboxRecord;
  /** Aborted when the run ends or its caller gives up: cancels every request of the run. */
  readonly controller: AbortController;
  /** Domains where a POST may have been processed without a definite answer. */
  readonly inDoubt: Set<string>;
  /** Endpoints tried (or probed in vain) in this round. */
  readonly tried: Set<string>;
  /** Ambiguous domains looked up in this round. */
  readonly looked: Set<string>;
  attempts: number;
  round: number;
  /** The longest `Retry-After` of a 409 in this round: at least 1 once a 409 came (the key still running in a domain). */
  retryAfterMs: number;
  /** Where the previous order request went, to tell a failover. */
  previous?: Endpoint;
  /** Why the last request settled nothing. */
  error?: ErrorInfo;
}

/**
 * @internal Places one order: picks endpoints by circuit state, retries and
 * fails over as the wire contract allows, and never lets an order reach a
 * second idempotency domain after an ambiguous failure unless a lookup in
 * the first answered 404. Read it top to bottom: `place`, then each step in
 * the order the loop takes them. It sends one request at a time: the page's
 * `HedgingPlacer` (hedge.ts) adds hedges, where a shopper waits.
 */
export class Placer {
  /** Requests this context sent per order still in doubt (the Steadycart-Attempt count). */
  private readonly sent = new Map<string, number>();

  constructor(
    protected readonly config: Config,
    protected readonly circuits: Circuits,
    protected readonly budget: RetryBudget,
    private readonly events: Events,
    /** Persists the record (the domains it may have reached) before a request leaves for a new domain. */
    private readonly persist: (record: OutboxRecord) => Promise<void>,
  ) {}

  async place(run: Run): Promise<Outcome> {
    const { record } = run;
    const stops = [run.signal, run.lost];
    const state: RunState = {
      run,
      record,
      controller: new AbortController(),
      inDoubt: new Set(run.fresh ? [] : record.domains),
      tried: new Set(),
      looked: new Set(),
      attempts: 0,
      round: 0,
      retryAfterMs: 0,
    };
    const abort = () => state.controller.abort();
    for (const stop of stops) stop?.addEventListener('abort', abort);
    // Aborted (or the lock lost) while the order waited for its lock or its write-ahead: no event will come.
    if (stops.some((stop) => stop?.aborted)) abort();
    try {
      const outcome = (await this.reconcileDoubts(state)) ?? (await this.loop(state));
      if (outcome.status != 'pending') this.sent.delete(record.id);
      return outcome;
    } finally {
      // Only the domains still in doubt need a lookup before the order goes elsewhere.
      record.domains = record.domains.filter((d) => state.inDoubt.has(d));
      for (const stop of stops) stop?.removeEventListener('abort', abort);
      state.controller.abort();
    }
  }

  /**
   * Where an earlier run was ambiguous and the order may not be sent again (its
   * payment token died), ask: only a lookup can still find it placed. An order
   * that may be sent goes without one: resent in the same domain, its key
   * makes the server answer the stored outcome; before it may cross to another
   * domain, `decide` asks for the lookup.
   */
  private async reconcileDoubts(state: RunState): Promise<Outcome | undefined> {
    if (mayOrder(state)) return;
    for (const domain of [...state.inDoubt]) {
      const outcome = await this.lookUp(state, domain);
      if (outcome) return outcome;
    }
  }

  /** Decides and makes moves until one settles the order or the run stops. */
  private async loop(state: RunState): Promise<Outcome> {
    for (;;) {
      const situation = this.situation(state);
      const move = decide(situation);
      if (move.kind == 'stop') {
        // No endpoint left (the key is closed in every domain): it can never be processed anywhere, and waiting cannot
        // change that. Not so for an order that may not be sent anyway: a page's copy in memory, whose lookups close
        // nothing (the database's copy may still go), or one whose payment token died (the outbox's policy then says
        // what it needs: a payment, since no domain processed it). Nor for one in doubt in a domain no endpoint carries
        // any more: it may have been charged there, and only a lookup there could say.
        const closedEverywhere = situation.mayOrder && !situation.endpoints.length && !situation.inDoubt.length;
        return closedEverywhere ? failed(state, 'key-closed', 'key closed') : pending(state);
      }
      if (move.kind == 'wait') {
        await nextRound(state, move.ms, this.circuits);
        continue;
      }
      if (move.kind == 'lookup') {
        state.looked.add(move.domain);
        const outcome = await this.lookUp(state, move.domain);
        if (outcome) return outcome;
        continue;
      }
      const endpoint = this.config.endpoints.find((e) => e.url == move.url)!;
      // A waiting order is its own probe: it goes to the circuit that is due one, with no health request first.
      if (move.kind == 'probe') this.circuits.claim(endpoint, this.timeoutFor(state, endpoint));
      const outcome = await this.sendOrder(state, endpoint);
      if (outcome) return outcome;
    }
  }

  /** The facts `decide` needs, gathered now. */
  private situation(state: RunState): Situation {
    const now = Date.now();
    return {
      leftMs: state.run.deadline - now,
      aborted: this.stopped(state),
      mayOrder: mayOrder(state),
      canRetry: this.budget.canRetry(),
      // A new order's only: a replay that cannot go now stops, and its order goes when a circuit falls due.
      firstTry: state.run.fresh && !state.attempts,
      // A domain whose lookup answered 404 closed the key there: the order never goes back to it.
      endpoints: this.config.endpoints.filter((e) => !state.record.closed?.includes(e.domain)).map((e) => {
        const permit = this.circuits.permits(e, now);
        return { url: e.url, domain: e.domain, permit, dueInMs: permit == 'no' ? this.circuits.circuit(e).retryAt - now : 0, tried: state.tried.has(e.url) };
      }),
      inDoubt: [...state.inDoubt],
      looked: [...state.looked],
      backoffMs: backoff(state.round, ROUND_BASE_MS, ROUND_CAP_MS),
      retryAfterMs: state.retryAfterMs,
    };
  }

  /**
   * Sends the order to `endpoint` (hedged), and settles it when an answer is
   * definite; otherwise notes what the answers mean for the next move.
   */
  private async sendOrder(state: RunState, endpoint: Endpoint): Promise<Outcome | undefined> {
    const { record } = state;
    // No one hears the standalone worker's events: it builds none.
    if (!STANDALONE_WORKER && state.previous && state.previous.url != endpoint.url) {
      this.events.emit('failover', { id: record.id, from: state.previous.url, to: endpoint.url, reason: state.error?.message ?? '' });
    }
    state.previous = endpoint;
    if (!record.domains.includes(endpoint.domain)) {
      // Write-ahead for a new domain: after a crash from here on, replay must look it up. Stored beside the domains
      // still in doubt only, not every one asked: a replay after a crash looks up (and so closes the key in) what is
      // stored; a domain that answered "not processed" (a 503) among them would have its key closed too, and with
      // this one's closed by a lookup whose answer the crash lost, no domain would ever take the order.
      record.domains = [...state.inDoubt, endpoint.domain];
      await this.persist(record);
      // Stopped during that write (the caller gave up, the instance closed, the budget or the payment token ran out): it does not leave.
      if (this.stopped(state) || !mayOrder(state)) return;
    }
    for (const [e, reply] of await this.exchange(state, endpoint)) {
      // Its headers could not be made: nothing left, so nothing is in doubt.
      if (!STANDALONE_WORKER && reply.error == 'headers') {
        state.error = replyError(reply);
        continue;
      }
      const move = judge(classify(reply.status));
      if (move.kind == 'settle') return settled(state, e, move.status, reply.status!, reply.body);
      state.error = replyError(reply);
      if (move.kind == 'fail') return failed(state, 'IDEMPOTENCY_MISMATCH', 'key used with another body');
      // The domain closed the key (a lookup of it, whose answer this context never heard, found no record):
      // it never processes it, so the order is in no doubt there, and never goes back.
      if (keyClosed(reply)) closeKey(state, e.domain);
      if (move.honourRetryAfter) {
        holdOff(state, reply);
        // Still processing it: the domain's endpoints share one store, so none is asked again, nor is
        // the domain looked up, before the wait (the wire contract: wait, then ask the same domain).
        for (const d of this.config.endpoints) if (d.domain == e.domain) state.tried.add(d.url);
        state.looked.add(e.domain);
      }
      if (move.pin) state.inDoubt.add(e.domain);
    }
  }

  /** Sends the order to `endpoint`; resolves with the answers that came back (one here). */
  protected async exchange(state: RunState, endpoint: Endpoint): Promise<Answer[]> {
    state.tried.add(endpoint.url);
    return [await this.fly(state, endpoint, 'order').answer];
  }

  /** Sends one order request, abortable on its own (by a rival) and with the run. */
  protected fly(state: RunState, endpoint: Endpoint, kind: 'order' | 'hedge'): Flight {
    const own = new AbortController();
    const stop = () => own.abort();
    state.controller.signal.addEventListener('abort', stop);
    const answer = this.request(state, endpoint, kind, own.signal).then((reply): Answer => {
      state.controller.signal.removeEventListener('abort', stop);
      this.observe(endpoint, reply, true);
      return [endpoint, reply];
    });
    return { endpoint, controller: own, answer };
  }

  /**
   * Asks a domain whether it has processed the order: the stored outcome
   * settles the order; a 404 frees it to go to other domains, and closes
   * that one to it: the lookup asks the server to close the key (`close=1`),
   * so that a POST of it still on its way is not processed there, and the
   * order must not go back. Open circuits are asked too: a lookup is the
   * only way out of the doubt, and cheap.
   */
  private async lookUp(state: RunState, domain: string): Promise<Outcome | undefined> {
    // Endpoints that are answering first: the one whose attempt just failed may be the slow one.
    const answering = (e: Endpoint) => +(this.circuits.permits(e) != 'yes');
    const asked = this.config.endpoints.filter((e) => e.domain == domain).sort((a, b) => answering(a) - answering(b));
    for (const endpoint of asked) {
      if (this.stopped(state)) break;
      const reply = await this.request(state, endpoint, 'lookup', state.controller.signal);
      this.observe(endpoint, reply, false);
      const answer = classifyLookup(reply.status, reply.body);
      if (answer.kind == 'absent') closeKey(state, domain);
      // Still processing it: the next round waits for the server's `Retry-After`, as after a POST's 409.
      if (answer.kind == 'busy') holdOff(state, reply);
      if (answer.kind == 'found') {
        const move = judge(classify(answer.status));
        return move.kind == 'settle' ? settled(state, endpoint, move.status, answer.status, answer.body as Json) : undefined;
      }
      if (answer.kind != 'unknown') return;
      state.error = replyError(reply);
    }
  }

  /**
   * Whether the run must send nothing more: its time is up, its caller gave up,
   * the instance closed (whose storage can no longer record what it sends) or
   * the order's lock was taken away.
   */
  protected stopped(state: RunState): boolean {
    return state.run.deadline <= Date.now() || state.controller.signal.aborted || state.run.lost.aborted || this.circuits.isClosed;
  }

  /** Sends one request of the run (an order, a hedge or a lookup); counts it and tells listeners. */
  private request(state: RunState, endpoint: Endpoint, kind: Kind, signal: AbortSignal): Promise<Reply> {
    const { record } = state;
    state.attempts++;
    record.attempts++;
    // Steadycart-Attempt counts what this context sent for the order (docs/backend-contract.md), across its runs.
    const n = (this.sent.get(record.id) ?? 0) + 1;
    this.sent.set(record.id, n);
    if (!STANDALONE_WORKER) this.events.emit('attempt', { id: record.id, endpoint: endpoint.url, attempt: n, kind });
    const ahead = STANDALONE_WORKER ? 0 : underWay.get(endpoint.url) ?? 0;
    // A new order's time is the shopper's: its timeout never grows (see `underWay`).
    const timeoutMs = STANDALONE_WORKER || state.run.fresh ? this.timeoutFor(state, endpoint) : this.timeoutFor(state, endpoint) * (1 + Math.floor(ahead / CONNECTIONS));
    const reply =
      kind == 'lookup'
        ? send(this.config, endpoint, lookupUrl(endpoint, record.id, !record.copied), kind, n, timeoutMs, signal)
        : send(this.config, endpoint, endpoint.url + endpoint.paths.checkout, 'order', n, timeoutMs, signal, record);
    if (STANDALONE_WORKER) return reply;
    underWay.set(endpoint.url, ahead + 1);
    return reply.then((r) => {
      underWay.set(endpoint.url, underWay.get(endpoint.url)! - 1);
      r.queued = ahead >= CONNECTIONS;
      return r;
    });
  }

  /** An attempt's timeout: from the endpoint's observed latency, within the time left. */
  private timeoutFor(state: RunState, endpoint: Endpoint): number {
    const { p95 } = this.circuits.latency(endpoint);
    const { attemptTimeoutMs, minAttemptTimeoutMs } = this.config.tuning;
    return Math.min(state.run.deadline - Date.now(), p95 == null ? attemptTimeoutMs : Math.max(minAttemptTimeoutMs, p95 * 3));
  }

  /** Feeds a reply to the endpoint's circuit and the retry budget; `order`: an order's answer, else a lookup's. */
  private observe(endpoint: Endpoint, reply: Reply, order: boolean): void {
    // Cut short, or never sent (its headers failed): nothing to learn about the endpoint. Nor from
    // silence shorter than any attempt is given (the order's budget ended it, not the endpoint), or
    // from a request that waited for a connection behind this page's own (a new order behind a drain).
    if (reply.error == 'aborted' || reply.error == 'headers' || (reply.error == 'timeout' && (reply.queued || reply.ms < this.config.tuning.minAttemptTimeoutMs))) {
      // A waiting order sent as the probe of a due circuit (claimed half-open) whose headers failed: as a health probe's.
      if (reply.error == 'headers' && this.circuits.circuit(endpoint).state == 'half-open') this.circuits.unproven(endpoint);
      return;
    }
    const verdict = classify(reply.status);
    // An answer about this key alone, given without running the order: no news of the endpoint's orders.
    if (keyClosed(reply)) return;
    if (verdict == 'retry' || verdict == 'ambiguous') {
      this.circuits.failure(endpoint, reply);
      this.budget.onFailure();
    } else {
      // Only an order's answer (or a probe) closes a circuit and times what an order takes: a lookup's answer
      // proves the lookup route alone. An endpoint whose orders fail while its lookups answer (its payment
      // provider down behind it) stays open, and the next orders lose no time there.
      if (order) this.circuits.success(endpoint, verdict != 'busy' && (STANDALONE_WORKER || !reply.queued) ? reply.ms : undefined);
      if (verdict != 'busy') this.budget.onSuccess();
    }
  }
}

/** The domain closed the key (docs/backend-contract.md): `503 {"error":"key_closed"}`. */
const keyClosed = (reply: Reply): boolean => reply.status == 503 && (reply.body as { error?: unknown } | null)?.error == 'key_closed';

/** @internal Whether the order itself may still be sent (the outbox's policy). */
export const mayOrder = (state: RunState): boolean => state.run.mayOrder?.() ?? true;

/** A 409: the longest `Retry-After` of the round is waited before the next one (1 ms without one: the round met a 409). */
const holdOff = (state: RunState, reply: Reply): void => {
  state.retryAfterMs = Math.max(state.retryAfterMs, reply.retryAfterMs || 1);
};

/**
 * Waits, or until a circuit closes (its endpoint may take the order now),
 * unless the round met a 409: the key is still running there, whatever
 * another circuit does. Closing this context ends any wait. Then starts a
 * new round in which every endpoint may be tried again.
 */
async function nextRound(state: RunState, ms: number, circuits: Circuits): Promise<void> {
  const waited = sleep(ms, state.controller.signal).then(() => true);
  while (!(await Promise.race([waited, circuits.closing().then(() => !state.retryAfterMs || circuits.isClosed)])));
  state.round++;
  state.retryAfterMs = 0;
  state.tried.clear();
  state.looked.clear();
}

/** The outcome of a definite answer. */
const settled = (state: RunState, endpoint: Endpoint, status: 'confirmed' | 'rejected', http: number, body: Json): Outcome => ({
  status,
  attempts: state.attempts,
  result: { status: http, body, endpoint: endpoint.url },
});

/**
 * A domain closed the order's key: it was not processed there and never will
 * be, so the order is in no doubt there and never goes back. Kept with the
 * record (written before the order leaves for a new domain, and with the run's outcome).
 */
function closeKey(state: RunState, domain: string): void {
  state.inDoubt.delete(domain);
  // Two answers of one domain may both say so (a hedge): a domain twice in the list changes nothing.
  (state.record.closed ??= []).push(domain);
}

/** The outcome of a run that can never succeed by waiting. */
const failed = (state: RunState, code: FailureCode, message: string): Outcome => ({ status: 'failed', attempts: state.attempts, error: { ...state.error, code, message, at: Date.now() } });

/** The outcome of a run that ends with the order still waiting, and why. */
function pending(state: RunState): Outcome {
  const at = Date.now();
  const error: ErrorInfo = state.run.signal?.aborted ? { code: 'aborted', message: 'aborted by the caller', at } : state.error ?? { code: 'unreachable', message: 'no endpoint reached', at };
  return { status: 'pending', attempts: state.attempts, error, waitMs: state.retryAfterMs };
}
