import type { Emitter } from '../events';
import { lookupUrl, type Config, type Endpoint } from '../options';
import type { OutboxRecord } from '../storage';
import { sleep } from '../time';
import type { ErrorInfo, Json, ServerResult } from '../types';
import { backoff } from './backoff';
import { classify, classifyLookup, replyError } from './classify';
import type { Circuits } from './circuits';
import { decide, judge } from './decide';
import { send, type Reply } from './http';
import type { RetryBudget } from './retry-budget';

/** How one run of attempts for an order ended. */
export interface Outcome {
  status: 'confirmed' | 'rejected' | 'failed' | 'pending';
  result?: ServerResult;
  error?: ErrorInfo;
  /** Requests sent in this run. */
  attempts: number;
}

/** One run of attempts for an order, within a deadline. */
export interface Run {
  /** The order's record; `attempts` and `domains` are kept up to date in it. */
  record: OutboxRecord;
  deadline: number;
  signal?: AbortSignal;
  /** True for a new order, of which nothing has been sent yet. */
  fresh: boolean;
  /**
   * Whether the order itself may still be sent, asked before every send
   * (the outbox's payment-token policy). Lookups are always allowed: with
   * `() => false` the run only reconciles. Default: always.
   */
  mayOrder?: () => boolean;
}

/** Never hedge sooner than this, however fast the endpoint usually is. */
const MIN_HEDGE_MS = 100;
/** Backoff between rounds of attempts within one run. */
const ROUND_BASE_MS = 100;
const ROUND_CAP_MS = 1000;

type Answer = [Endpoint, Reply];
type Kind = 'order' | 'hedge' | 'lookup';

/** A request under way, which its rival (a hedge) may abort. */
interface Flight {
  endpoint: Endpoint;
  controller: AbortController;
  start: number;
  answer: Promise<Answer>;
}

/**
 * @internal Places one order: picks endpoints by circuit state, hedges slow
 * attempts within a domain, retries and fails over as the wire contract allows,
 * and never lets an order reach a second idempotency domain after an
 * ambiguous failure unless a lookup in the first answered 404.
 */
export class Placer {
  /** Requests this context sent per order still in doubt (the Steadycart-Attempt count). */
  private readonly sent = new Map<string, number>();

  constructor(
    private readonly config: Config,
    private readonly circuits: Circuits,
    private readonly budget: RetryBudget,
    private readonly events: Emitter,
    /** Persists the record (the domains it may have reached) before a request leaves for a new domain. */
    private readonly persist: (record: OutboxRecord) => Promise<void>,
  ) {}

  /**
   * One run: what it knows lives in the locals below, and each step is a
   * local function (so the minifier can shorten every name). Read it top to
   * bottom: the run's state, then each step in the order the loop takes them,
   * then the run itself.
   */
  async place(run: Run): Promise<Outcome> {
    const { config, circuits, budget, events, sent } = this;
    const { endpoints, tuning } = config;
    const { record, signal, deadline } = run;
    /** Aborted when the run ends or its caller gives up: cancels every request of the run. */
    const controller = new AbortController();
    const ended = controller.signal;
    /** Domains where a POST may have been processed without a definite answer. */
    const ambiguous = new Set(run.fresh ? [] : record.domains);
    /** Endpoints tried (or probed in vain) in this round. */
    const tried = new Set<string>();
    /** Ambiguous domains looked up in this round. */
    const looked = new Set<string>();
    let attempts = 0;
    let round = 0;
    /** The longest `Retry-After` of a 409 in this round. */
    let retryAfterMs = 0;
    /** Where the previous order request went, to tell a failover. */
    let previous: Endpoint | undefined;
    /** Why the last request settled nothing. */
    let error: ErrorInfo | undefined;

    /** Whether the run must send nothing more: its time is up or its caller gave up. */
    const stopped = () => deadline <= Date.now() || ended.aborted;
    /** Whether the order itself may still be sent (the outbox's policy). */
    const mayOrder = () => run.mayOrder?.() ?? true;

    /** The outcome of a definite answer. */
    const settled = (endpoint: Endpoint, status: 'confirmed' | 'rejected', http: number, body: Json): Outcome => ({
      status,
      attempts,
      result: { status: http, body, endpoint: endpoint.url },
    });

    /** An attempt's timeout: from the endpoint's observed latency, within the time left. */
    const timeoutFor = (endpoint: Endpoint) => {
      const { p95 } = circuits.latency(endpoint);
      return Math.min(deadline - Date.now(), p95 == null ? tuning.attemptTimeoutMs : Math.max(tuning.minAttemptTimeoutMs, p95 * 3));
    };

    /** Feeds a reply to the endpoint's circuit and the retry budget. */
    const observe = (endpoint: Endpoint, reply: Reply, withLatency: boolean) => {
      // Cut short, or never sent (its headers failed): nothing to learn about the endpoint.
      if (reply.error == 'aborted' || reply.error == 'headers') return;
      const verdict = classify(reply.status);
      if (verdict == 'retry' || verdict == 'ambiguous') {
        circuits.failure(endpoint, reply);
        budget.onFailure();
      } else {
        circuits.success(endpoint, withLatency && verdict != 'busy' ? reply.ms : undefined);
        if (verdict != 'busy') budget.onSuccess();
      }
    };

    /** Sends one request of the run (an order, a hedge or a lookup); counts it and tells listeners. */
    const request = (endpoint: Endpoint, kind: Kind, cancel: AbortSignal): Promise<Reply> => {
      attempts++;
      record.attempts++;
      // Steadycart-Attempt counts what this context sent for the order (docs/backend-contract.md), across its runs.
      const n = (sent.get(record.id) ?? 0) + 1;
      sent.set(record.id, n);
      events.emit('attempt', { id: record.id, endpoint: endpoint.url, attempt: n, kind });
      const timeoutMs = timeoutFor(endpoint);
      return kind == 'lookup'
        ? send(config, endpoint, lookupUrl(endpoint, record.id), kind, n, timeoutMs, cancel)
        : send(config, endpoint, endpoint.url + endpoint.paths.checkout, 'order', n, timeoutMs, cancel, record);
    };

    /**
     * Asks a domain whether it has processed the order: the stored outcome
     * settles the order; a 404 frees it to go to other domains. Open circuits
     * are asked too: a lookup is the only way out of the doubt, and cheap.
     */
    const lookUp = async (domain: string): Promise<Outcome | undefined> => {
      // Endpoints that are answering first: the one whose attempt just failed may be the slow one.
      const answering = (e: Endpoint) => +(circuits.permits(e) != 'yes');
      for (const endpoint of endpoints.filter((e) => e.domain == domain).sort((a, b) => answering(a) - answering(b))) {
        if (stopped()) break;
        const reply = await request(endpoint, 'lookup', ended);
        observe(endpoint, reply, false);
        const answer = classifyLookup(reply.status, reply.body);
        if (answer.kind == 'absent') ambiguous.delete(domain);
        if (answer.kind == 'found') {
          const move = judge(classify(answer.status));
          return move.kind == 'settle' ? settled(endpoint, move.status, answer.status, answer.body as Json) : undefined;
        }
        if (answer.kind != 'unknown') return;
        error = replyError(reply);
      }
    };

    /** Sends one order request, abortable on its own (by a rival) and with the run. */
    const fly = (endpoint: Endpoint, kind: 'order' | 'hedge'): Flight => {
      const own = new AbortController();
      const stop = () => own.abort();
      ended.addEventListener('abort', stop);
      const start = performance.now();
      const answer = request(endpoint, kind, own.signal).then((reply): Answer => {
        ended.removeEventListener('abort', stop);
        observe(endpoint, reply, true);
        return [endpoint, reply];
      });
      return { endpoint, controller: own, start, answer };
    };

    /** Both answers, or the first definite one (the loser, past its slow threshold, counts against its circuit). */
    const race = (first: Flight, second: Flight, delay: number) =>
      new Promise<Answer[]>((resolve) => {
        const answers: Answer[] = [];
        const arrive = (answer: Answer, other: Flight) => {
          answers.push(answer);
          if (answers.length == 2) resolve(answers);
          else if (judge(classify(answer[1].status)).kind != 'continue') {
            if (performance.now() - other.start >= delay) circuits.failure(other.endpoint, { body: null, error: 'timeout', ms: 0 });
            other.controller.abort();
            resolve([answer]);
          }
        };
        first.answer.then((a) => arrive(a, second));
        second.answer.then((a) => arrive(a, first));
      });

    /**
     * Sends the order to `endpoint`; past its slow threshold, also to the next
     * untried, usable endpoint of the same domain (same key, same bytes). The
     * first definite answer wins and the other request is aborted.
     */
    const exchange = async (endpoint: Endpoint): Promise<Answer[]> => {
      tried.add(endpoint.url);
      const first = fly(endpoint, 'order');
      const hedge = tuning.hedge && budget.canRetry() && endpoints.find((e) => e.domain == endpoint.domain && !tried.has(e.url) && circuits.permits(e) == 'yes');
      if (!hedge) return [await first.answer];
      const { p95 } = circuits.latency(endpoint);
      const delay = p95 == null ? tuning.hedgeDelayMs : Math.max(MIN_HEDGE_MS, p95);
      const early = await Promise.race([first.answer, sleep(delay, ended)]);
      if (early || stopped() || !mayOrder()) return [await first.answer];
      tried.add(hedge.url);
      return race(first, fly(hedge, 'hedge'), delay);
    };

    /**
     * Sends the order to `endpoint` (hedged), and settles it when an answer is
     * definite; otherwise notes what the answers mean for the next move.
     */
    const sendOrder = async (endpoint: Endpoint): Promise<Outcome | undefined> => {
      if (previous && previous.url != endpoint.url) {
        events.emit('failover', { id: record.id, from: previous.url, to: endpoint.url, reason: error?.message ?? '' });
      }
      previous = endpoint;
      if (!record.domains.includes(endpoint.domain)) {
        // Write-ahead for a new domain: after a crash from here on, replay must look it up.
        record.domains.push(endpoint.domain);
        await this.persist(record);
      }
      for (const [e, reply] of await exchange(endpoint)) {
        // Its headers could not be made: nothing left, so nothing is in doubt.
        if (reply.error == 'headers') {
          error = replyError(reply);
          continue;
        }
        const move = judge(classify(reply.status));
        if (move.kind == 'settle') return settled(e, move.status, reply.status!, reply.body);
        error = replyError(reply);
        if (move.kind == 'fail') return { status: 'failed', attempts, error: { ...error, code: 'IDEMPOTENCY_MISMATCH', message: 'key used with another body' } };
        if (move.honourRetryAfter) retryAfterMs = Math.max(retryAfterMs, reply.retryAfterMs ?? 0);
        if (move.pin) ambiguous.add(e.domain);
      }
    };

    /** Decides and makes moves until one settles the order or the run stops. */
    const loop = async (): Promise<Outcome> => {
      for (;;) {
        const now = Date.now();
        // The facts `decide` needs, gathered now.
        const move = decide({
          leftMs: deadline - now,
          aborted: ended.aborted,
          mayOrder: mayOrder(),
          canRetry: budget.canRetry(),
          endpoints: endpoints.map((e) => {
            const permit = circuits.permits(e, now);
            return { url: e.url, domain: e.domain, permit, dueInMs: permit == 'no' ? circuits.circuit(e).retryAt - now : 0, tried: tried.has(e.url) };
          }),
          ambiguous: [...ambiguous],
          looked: [...looked],
          backoffMs: backoff(round, ROUND_BASE_MS, ROUND_CAP_MS),
          retryAfterMs,
        });
        if (move.kind == 'stop') {
          // The order stays waiting, and this says why.
          const at = Date.now();
          const why: ErrorInfo = signal?.aborted ? { code: 'aborted', message: 'aborted by the caller', at } : error ?? { code: 'unreachable', message: 'no endpoint reached', at };
          return { status: 'pending', attempts, error: why };
        }
        let outcome: Outcome | undefined;
        if (move.kind == 'wait') {
          // Then a new round, in which every endpoint may be tried again.
          await sleep(move.ms, ended);
          round++;
          retryAfterMs = 0;
          tried.clear();
          looked.clear();
        } else if (move.kind == 'lookup') {
          looked.add(move.domain);
          outcome = await lookUp(move.domain);
        } else {
          const endpoint = endpoints.find((e) => e.url == move.url)!;
          // A waiting order is its own probe: it goes to the circuit that is due one, with no health request first.
          if (move.kind == 'probe') circuits.claim(endpoint, timeoutFor(endpoint));
          outcome = await sendOrder(endpoint);
        }
        if (outcome) return outcome;
      }
    };

    /**
     * Where an earlier run was ambiguous and the order may not be sent again (its
     * payment token died), ask first: only a lookup can still find it placed. An
     * order that may be sent goes without one: resent in the same domain, its
     * key makes the server answer the stored outcome; before it may cross to
     * another domain, `decide` asks for the lookup.
     */
    const reconcileDoubts = async (): Promise<Outcome | undefined> => {
      if (mayOrder()) return;
      for (const domain of [...ambiguous]) {
        const outcome = await lookUp(domain);
        if (outcome) return outcome;
      }
    };

    const abort = () => controller.abort();
    signal?.addEventListener('abort', abort);
    try {
      const outcome = (await reconcileDoubts()) ?? (await loop());
      if (outcome.status != 'pending') sent.delete(record.id);
      return outcome;
    } finally {
      // Only the domains still in doubt need a lookup before the order goes elsewhere.
      record.domains = record.domains.filter((d) => ambiguous.has(d));
      signal?.removeEventListener('abort', abort);
      controller.abort();
    }
  }
}
