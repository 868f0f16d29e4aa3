import type { Emitter } from '../events';
import type { Config, Endpoint } from '../options';
import type { OutboxRecord } from '../storage';
import { sleep } from '../time';
import type { ErrorInfo, Json, ServerResult } from '../types';
import { backoff } from './backoff';
import { classify, classifyLookup } from './classify';
import { describe, type Circuits } from './circuits';
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
  /** Only reconcile by lookup; send nothing (the payment token is dead). */
  lookupOnly?: boolean;
}

/** @internal Whether the order's payment token has expired: no order may be sent for it any more. */
export const tokenExpired = (record: OutboxRecord): boolean => !!record.tokenExpiresAt && Date.now() >= record.tokenExpiresAt;

/** @internal Why an order with a dead token was not sent. */
export const tokenExpiredError = (): ErrorInfo => ({ code: 'token-expired', message: 'the payment token expired', at: Date.now() });

/** Never hedge sooner than this, however fast the endpoint usually is. */
const MIN_HEDGE_MS = 100;
/** Backoff between rounds of attempts within one run. */
const ROUND_BASE_MS = 100;
const ROUND_CAP_MS = 1000;

type Answer = [Endpoint, Reply];

/**
 * @internal Places one order: picks endpoints by circuit state, hedges slow
 * attempts within a domain, retries and fails over as PROTOCOL.md allows,
 * and never lets an order reach a second idempotency domain after an
 * ambiguous failure unless a lookup in the first answered 404.
 */
export class Placer {
  /** Requests this context sent per order still in doubt. */
  private readonly sent = new Map<string, number>();

  constructor(
    private readonly config: Config,
    private readonly circuits: Circuits,
    private readonly budget: RetryBudget,
    private readonly events: Emitter,
    /** Persists the record (the domains it may have reached) before a request leaves for a new domain. */
    private readonly persist: (record: OutboxRecord) => Promise<void>,
  ) {}

  async place(run: Run): Promise<Outcome> {
    const outcome = await this.run(run);
    if (outcome.status != 'pending') this.sent.delete(run.record.id);
    return outcome;
  }

  private async run(run: Run): Promise<Outcome> {
    const { record } = run;
    const { config, circuits, budget, events, sent } = this;
    const { endpoints, tuning } = config;
    const controller = new AbortController();
    const abort = () => controller.abort();
    run.signal?.addEventListener('abort', abort);
    const left = () => run.deadline - Date.now();
    const stopped = () => left() <= 0 || controller.signal.aborted;
    // A dead payment token is never sent: once it expires (even mid-run), only lookups go out.
    const payable = () => !run.lookupOnly && !tokenExpired(record);

    // Domains where a POST may have been processed without a definite answer: while
    // any is set, no other domain may receive the order.
    const ambiguous = new Set(run.fresh ? [] : record.domains);
    const tried = new Set<string>();
    const looked = new Set<string>();
    const free = (domain: string) => [...ambiguous].every((d) => d == domain);
    let attempts = 0;
    let round = 0;
    let hintMs = 0;
    let previous: Endpoint | undefined;
    let error: ErrorInfo | undefined;

    const timeoutFor = (endpoint: Endpoint) => {
      const { p95 } = circuits.latency(endpoint);
      const { attemptTimeoutMs, minAttemptTimeoutMs } = tuning;
      return Math.min(left(), p95 == null ? attemptTimeoutMs : Math.max(minAttemptTimeoutMs, p95 * 3));
    };

    const request = (endpoint: Endpoint, kind: 'order' | 'hedge' | 'lookup', signal: AbortSignal): Promise<Reply> => {
      attempts++;
      record.attempts++;
      // Steadycart-Attempt counts what this context sent for the order (PROTOCOL.md), across its tries.
      const n = (sent.get(record.id) ?? 0) + 1;
      sent.set(record.id, n);
      events.emit('attempt', { id: record.id, endpoint: endpoint.url, attempt: n, kind });
      const url = endpoint.url + config.checkoutPath;
      return send(kind == 'lookup' ? `${url}/${record.id}` : url, {
        method: kind == 'lookup' ? 'GET' : 'POST',
        body: kind == 'lookup' ? undefined : record.body,
        headers:
          kind == 'lookup'
            ? undefined
            : { 'Content-Type': 'application/json', 'Idempotency-Key': record.id, 'Steadycart-Attempt': String(n) },
        timeoutMs: timeoutFor(endpoint),
        signal,
        credentials: config.credentials,
      });
    };

    /** Feeds a reply to the endpoint's circuit and the retry budget. */
    const observe = (endpoint: Endpoint, reply: Reply, latency: boolean) => {
      if (reply.error == 'aborted') return;
      const verdict = classify(reply.status);
      if (verdict == 'retry' || verdict == 'ambiguous') {
        circuits.failure(endpoint, reply);
        budget.onFailure();
      } else {
        circuits.success(endpoint, latency && verdict != 'busy' ? reply.ms : undefined);
        if (verdict != 'busy') budget.onSuccess();
      }
    };

    /** Whether an endpoint may be used now, probing it first when its open circuit is due. */
    const usable = async (endpoint: Endpoint) => {
      const permit = circuits.permits(endpoint);
      return permit == 'yes' || (permit == 'probe' && (await circuits.probe(endpoint, timeoutFor(endpoint), controller.signal)));
    };

    /**
     * Asks a domain whether it has processed the order: the stored outcome
     * settles the order; a 404 frees it to go to other domains. Open circuits
     * are asked too: a lookup is the only way out of the doubt, and cheap.
     */
    const reconcile = async (domain: string): Promise<Outcome | undefined> => {
      // Endpoints that are answering first: the one whose attempt just failed may be the slow one.
      const asked = endpoints.filter((e) => e.domain == domain).sort((a, b) => +(circuits.permits(a) != 'yes') - +(circuits.permits(b) != 'yes'));
      for (const endpoint of asked) {
        if (stopped()) break;
        const reply = await request(endpoint, 'lookup', controller.signal);
        observe(endpoint, reply, false);
        const answer = classifyLookup(reply.status, reply.body);
        if (answer.kind == 'absent') ambiguous.delete(domain);
        if (answer.kind == 'found') return settle(endpoint, answer.status, answer.body as Json);
        if (answer.kind != 'unknown') return;
        error = describe(reply);
      }
    };

    /**
     * Sends the order to `endpoint`; past its slow threshold, also to the next
     * endpoint of the same domain (same key, same bytes). The first definite
     * answer wins and the other request is aborted.
     */
    const exchange = async (endpoint: Endpoint): Promise<Answer[]> => {
      tried.add(endpoint.url);
      const first = attempt(endpoint, 'order');
      const hedge =
        tuning.hedge &&
        budget.canRetry() &&
        endpoints.find((e) => e.domain == endpoint.domain && !tried.has(e.url) && circuits.permits(e) == 'yes');
      if (!hedge) return [await first.answer];
      const { p95 } = circuits.latency(endpoint);
      const delay = p95 == null ? tuning.hedgeDelayMs : Math.max(MIN_HEDGE_MS, p95);
      const early = await Promise.race([first.answer, sleep(delay, controller.signal)]);
      if (early || stopped() || !payable()) return [await first.answer];
      tried.add(hedge.url);
      const second = attempt(hedge, 'hedge');
      return new Promise((resolve) => {
        const answers: Answer[] = [];
        const arrive = (answer: Answer, other: typeof first) => {
          answers.push(answer);
          if (answers.length == 2) resolve(answers);
          else if (['done', 'refused', 'mismatch'].includes(classify(answer[1].status))) {
            // The loser was past its slow threshold: that counts against its circuit.
            if (performance.now() - other.start >= delay) circuits.failure(other.endpoint, { body: null, error: 'timeout', ms: 0 });
            other.controller.abort();
            resolve([answer]);
          }
        };
        first.answer.then((a) => arrive(a, second));
        second.answer.then((a) => arrive(a, first));
      });
    };

    const attempt = (endpoint: Endpoint, kind: 'order' | 'hedge') => {
      const own = new AbortController();
      const stop = () => own.abort();
      controller.signal.addEventListener('abort', stop);
      const start = performance.now();
      const answer = request(endpoint, kind, own.signal).then((reply): Answer => {
        controller.signal.removeEventListener('abort', stop);
        observe(endpoint, reply, true);
        return [endpoint, reply];
      });
      return { endpoint, controller: own, start, answer };
    };

    /** The outcome of a definite answer (`undefined` for any other). */
    const settle = (endpoint: Endpoint, status: number, body: Json): Outcome | undefined => {
      const verdict = classify(status);
      if (verdict == 'done' || verdict == 'refused') {
        return { status: verdict == 'done' ? 'confirmed' : 'rejected', attempts, result: { status, body, endpoint: endpoint.url } };
      }
    };

    try {
      // Reconcile first: where an earlier attempt was ambiguous, ask before sending again.
      for (const domain of [...ambiguous]) {
        const outcome = await reconcile(domain);
        if (outcome) return outcome;
      }
      while (payable() && !stopped()) {
        let endpoint: Endpoint | undefined;
        for (const e of endpoints) {
          if (!tried.has(e.url) && free(e.domain) && (await usable(e))) {
            endpoint = e;
            break;
          }
        }
        if (!endpoint) {
          // Held to a domain by an ambiguous failure while another domain may be up:
          // only a 404 lookup in the first lets the order go elsewhere.
          const pinned = [...ambiguous].find((d) => !looked.has(d));
          if (pinned && endpoints.some((e) => !free(e.domain) && circuits.permits(e) != 'no')) {
            looked.add(pinned);
            const outcome = await reconcile(pinned);
            if (outcome) return outcome;
            continue;
          }
          // Every usable endpoint was tried: wait (backoff, Retry-After, or until a circuit is due), then go round again.
          const now = Date.now();
          const due = Math.min(...endpoints.filter((e) => free(e.domain)).map((e) => (circuits.permits(e, now) == 'no' ? circuits.record(e).retryAt - now : 0)));
          const wait = Math.max(backoff(round, ROUND_BASE_MS, ROUND_CAP_MS), hintMs, due);
          if (!budget.canRetry() || wait >= left()) break;
          await sleep(wait, controller.signal);
          round++;
          hintMs = 0;
          tried.clear();
          looked.clear();
          continue;
        }
        // (Finding a usable endpoint may have taken a probe's time.)
        if (!payable()) break;
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
          const outcome = reply.status && settle(e, reply.status, reply.body);
          if (outcome) return outcome;
          const verdict = classify(reply.status);
          error = describe(reply);
          if (verdict == 'mismatch') {
            return { status: 'failed', attempts, error: { ...error, code: 'IDEMPOTENCY_MISMATCH', message: 'the server saw this key with another body' } };
          }
          if (verdict == 'busy') hintMs = Math.max(hintMs, reply.retryAfterMs ?? 0);
          if (verdict != 'retry') ambiguous.add(e.domain);
        }
      }
      const at = Date.now();
      return {
        status: 'pending',
        attempts,
        error: run.signal?.aborted
          ? { code: 'aborted', message: 'aborted by the caller', at }
          : !run.lookupOnly && !payable()
            ? tokenExpiredError()
            : error ?? { code: 'unreachable', message: 'no endpoint could be reached', at },
      };
    } finally {
      // Only the domains still in doubt need a lookup before the order goes elsewhere.
      record.domains = record.domains.filter((d) => ambiguous.has(d));
      run.signal?.removeEventListener('abort', abort);
      controller.abort();
    }
  }
}
