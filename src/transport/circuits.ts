import type { Channel } from '../channel';
import { lookupUrl, type Config, type Endpoint } from '../options';
import type { EndpointRecord, Storage } from '../storage';
import { isEndpointRecord } from '../storage/validate';
import { replyError } from './classify';
import { closedCircuit, failed, latency, notBefore, permits, succeeded } from './breaker';
import { send, type Reply } from './http';

/** Latency-only updates are shared at most this often. */
const SHARE_MS = 1000;

/**
 * @internal What the circuits ask of the outbox, so that a waiting order is
 * its own probe (recovery without a stampede).
 */
export interface OrderProbe {
  /**
   * `false` when no order waits to be sent, in any context; else which
   * domains a waiting order may go to (not held to another by an ambiguous failure).
   */
  waiting(): Promise<false | ((domain: string) => boolean)>;
  /** Replays the waiting orders: the first one sent to a circuit due a probe claims it. */
  replay(): Promise<unknown>;
}

/**
 * @internal Circuit breakers of every endpoint, shared with the other tabs
 * and the service worker: every change is persisted (so a new page starts
 * informed) and broadcast (so open pages learn at once).
 */
export class Circuits {
  private readonly records = new Map<string, EndpointRecord>();
  private readonly probing = new Map<string, Promise<boolean>>();
  /** When each endpoint's record was last persisted and broadcast. */
  private readonly shared = new Map<string, number>();
  /** Resolved by `wake` (which also clears it) when a circuit closes or falls due: see `closing`. */
  private closes?: Promise<void>;
  private wake = () => {};
  private timer?: ReturnType<typeof setTimeout>;
  /** @internal Set by `close`: runs of this context send nothing more. */
  isClosed = false;
  private orders: OrderProbe = { waiting: async () => false, replay: async () => {} };

  constructor(
    private readonly config: Config,
    private readonly storage: Storage,
    private readonly channel: Channel,
    /**
     * Called when an endpoint's circuit changes state; when it closes, with
     * how long the endpoint was out, so that waiting orders can go.
     */
    private readonly onState: (url: string, outageMs?: number) => void,
  ) {}

  /**
   * Loads the state shared by every context, but for a record stamped later
   * than any context could have set it (a clock that ran fast, a tampered
   * record): its endpoint starts closed, as with no news, since it would
   * otherwise stay out of use until then, orders only waiting.
   */
  async load(): Promise<void> {
    for (const record of await this.storage.all('endpoints')) if (this.trusted(record)) this.records.set(record.id, record);
  }

  /** Lets waiting orders probe open circuits instead of health requests (the core connects the outbox at start, once events reach the caller). */
  probeWith(orders: OrderProbe): void {
    this.orders = orders;
  }

  /**
   * Asks every open circuit again now (connectivity came back, a page loaded,
   * the shopper retries), never before a server's `Retry-After`. When orders
   * wait, the circuits only fall due now: the replay that follows sends the
   * first order as the probe. Otherwise each is probed with its health route;
   * resolves once all have answered. With `reconnected` (the device was
   * offline), each probe interval starts again from its base: it grew with
   * the device's own outage, and a first probe that fails as the network
   * comes up should be followed within seconds, not after up to 30 s.
   */
  async probeOpen(reconnected = false): Promise<unknown> {
    const now = Date.now();
    const open = this.config.endpoints.filter((e) => this.circuit(e).state != 'closed' && notBefore(this.circuit(e)) <= now);
    if (!open.length) return;
    if (reconnected) for (const e of open) this.adopt({ ...this.circuit(e), openMs: this.config.tuning.openMs });
    if (!(await this.orders.waiting())) return Promise.all(open.map((e) => this.probe(e)));
    for (const e of open) {
      const record = this.circuit(e);
      // Half-open: another context's probe is out; its verdict comes to every context.
      if (record.state == 'open') this.adopt({ ...record, retryAt: Math.min(record.retryAt, now) });
    }
    // Runs waiting for these circuits' probe time (the interval grew while the device was offline) go now.
    this.wake();
  }

  /**
   * An order is about to be sent to an endpoint due a probe: it is the probe.
   * Half-open until its answer (or `timeoutMs`), so that the other contexts
   * wait for the verdict instead of probing too.
   */
  claim(endpoint: Endpoint, timeoutMs: number): void {
    this.due(endpoint, 'half-open', timeoutMs);
  }

  /**
   * A probe that proved nothing (never sent: its headers failed): open
   * again, due after the same interval, not a longer one; not at once, or
   * the timer would probe again at once, without end.
   */
  unproven(endpoint: Endpoint): void {
    this.due(endpoint, 'open', this.circuit(endpoint).openMs);
  }

  /** Sets the endpoint's circuit to `state`, due a probe in `inMs`. */
  private due(endpoint: Endpoint, state: 'half-open' | 'open', inMs: number): void {
    const now = Date.now();
    this.set({ ...this.circuit(endpoint), state, retryAt: now + inMs, updatedAt: now });
  }

  /**
   * Settles when a circuit next closes in this context (an answer here, or
   * another context's news), or when `probeOpen` makes the open ones due, so
   * that runs waiting for a probe's verdict, or for its time, go at once
   * instead of when their wait ends: a drain whose first order was the probe
   * would otherwise send its next ones one by one until then, and one that
   * began while the device was offline would wait out the interval it had.
   */
  closing(): Promise<void> {
    return (this.closes ??= new Promise<void>((resolve) => (this.wake = () => resolve((this.closes = undefined)))));
  }

  /**
   * The endpoint's circuit as this context knows it (a closed one before any news). One stamped
   * after now was written before the device's clock went back: its times no longer mean what they
   * said (it would wait for as long as the clock went back), and it is due a probe now (a server's
   * `Retry-After` too: `notBefore` is never later than `retryAt`).
   */
  circuit(endpoint: Endpoint): EndpointRecord {
    const r = this.records.get(endpoint.url);
    return r && r.updatedAt > Date.now() ? { ...r, retryAt: 0 } : (r ?? closedCircuit(endpoint.url, this.config.tuning.openMs));
  }

  permits(endpoint: Endpoint, now = Date.now()): 'yes' | 'probe' | 'no' {
    return permits(this.circuit(endpoint), now);
  }

  /** Median and p95 latency of recent answers. */
  latency(endpoint: Endpoint): { median: number | null; p95: number | null } {
    return latency(this.circuit(endpoint));
  }

  success(endpoint: Endpoint, latencyMs?: number): void {
    this.set(succeeded(this.circuit(endpoint), Date.now(), this.config.tuning.openMs, latencyMs));
  }

  /** A failed answer opens the circuit; a `Retry-After` (on 503 or 429) is its next probe time in every context, within `maxOpenMs`. */
  failure(endpoint: Endpoint, reply: Reply): void {
    this.set(failed(this.circuit(endpoint), replyError(reply), Date.now(), this.config.tuning.maxOpenMs, reply.retryAfterMs));
  }

  /**
   * Probes an open endpoint with its health route (or, without one, a lookup
   * of a random key, where 404 means healthy). Half-open meanwhile, so other
   * contexts wait for the verdict instead of probing too.
   */
  probe(endpoint: Endpoint): Promise<boolean> {
    // A closed instance asks nothing more (React's Strict Mode closes one as soon as it is made). A probe
    // already out when it closed still records its verdict: news of the endpoint for every context.
    // Nor is a circuit that closed meanwhile probed (`probeOpen` reads the outbox between choosing and
    // probing): its half-open state would keep the next orders from an endpoint known to answer.
    if (this.isClosed || this.circuit(endpoint).state == 'closed') return Promise.resolve(!this.isClosed);
    const { health } = endpoint.paths;
    // One probe per endpoint at a time in this context: a second caller waits for the first's verdict.
    const running = this.probing.get(endpoint.url);
    if (running) return running;
    const timeoutMs = this.config.tuning.attemptTimeoutMs;
    this.claim(endpoint, timeoutMs);
    const url = health ? endpoint.url + health : lookupUrl(endpoint, crypto.randomUUID());
    // Never cut short (its signal never fires): a probe runs to its answer or its timeout, so it is never `aborted`.
    const probing = send(this.config, endpoint, url, 'health', 1, timeoutMs, new AbortController().signal).then((reply) => {
      this.probing.delete(endpoint.url);
      const ok = health ? !!reply.status && reply.status < 300 : reply.status == 404;
      if (ok) this.success(endpoint);
      else if (reply.error == 'headers') this.unproven(endpoint);
      else this.failure(endpoint, reply);
      return ok;
    });
    this.probing.set(endpoint.url, probing);
    return probing;
  }

  /** Another context changed a circuit. */
  onRemote(record: EndpointRecord): void {
    if (this.trusted(record) && record.updatedAt > (this.records.get(record.id)?.updatedAt ?? -1)) this.adopt(record);
  }

  /**
   * Whether a record from storage or another context is well formed, for an
   * endpoint of this configuration, and not stamped far in the future: such a
   * record would take the endpoint out of use, and shadow every real update,
   * until then (another page's `maxOpenMs` may be up to an hour).
   */
  private trusted(record: unknown): record is EndpointRecord {
    const now = Date.now();
    return (
      isEndpointRecord(record) &&
      this.config.endpoints.some((e) => e.url == record.id) &&
      record.updatedAt <= now + 60_000 &&
      record.retryAt <= now + this.config.tuning.maxOpenMs + 3_600_000
    );
  }

  close(): void {
    this.isClosed = true;
    clearTimeout(this.timer);
    // Runs waiting for a round stop now rather than send when it ends.
    this.wake();
  }

  /** @internal Adopts, persists and shares a change of an endpoint's circuit (drill mode uses it too). */
  set(record: EndpointRecord): void {
    const before = this.records.get(record.id);
    this.adopt(record);
    // A change of state, or of a server's pace (Retry-After), is shared at once; a mere new latency
    // sample at most once a second, so a busy drain does not write and broadcast a record per order.
    if (before?.state == record.state && before.notBefore == record.notBefore && record.updatedAt - (this.shared.get(record.id) ?? 0) < SHARE_MS) return;
    this.shared.set(record.id, record.updatedAt);
    this.storage.put('endpoints', record, 'relaxed').catch(() => {});
    this.channel.post({ t: 'endpoint', record });
  }

  private adopt(record: EndpointRecord): void {
    const before = this.records.get(record.id);
    this.records.set(record.id, record);
    if ((before?.state ?? 'closed') != record.state) {
      const closed = record.state == 'closed';
      if (closed) this.wake();
      this.onState(record.id, closed ? record.updatedAt - (before?.openedAt ?? record.updatedAt) : undefined);
    }
    this.schedule();
  }

  /**
   * Probes the next open circuit when it is due, while this instance lives:
   * with a waiting order when there is one (the replay sends it), else with
   * the health route: when none waits, when the replay settled every order
   * without sending to it (a dead token, say), and when every waiting order
   * is held to another domain by an ambiguous failure (left due, the circuit
   * would fire this timer again at once, and the replay with it).
   * @internal Public for the core, which arms it first at start.
   */
  schedule(): void {
    clearTimeout(this.timer);
    if (this.isClosed) return;
    const open = this.config.endpoints.filter((e) => this.circuit(e).state != 'closed');
    if (!open.length) return;
    const next = Math.min(...open.map((e) => this.circuit(e).retryAt));
    this.timer = setTimeout(async () => {
      const due = () => open.filter((e) => this.permits(e) == 'probe');
      // Timers may fire a millisecond before Date.now() reaches their target (Firefox does): nothing
      // was due yet, so wait again rather than never probe. (A probe reschedules when it settles.)
      if (!due().length) return this.schedule();
      try {
        // An order still waiting after the replay is in flight (its own run probes) or waits for its lock's holder.
        const waiting = await this.orders.waiting();
        if (waiting && !this.isClosed) await this.orders.replay();
        // Read again only when orders waited (otherwise every circuit still due gets its health probe), once for every circuit.
        const mayGo = waiting && (await this.orders.waiting());
        for (const e of due()) if (!this.isClosed && !(mayGo && mayGo(e.domain))) void this.probe(e);
      } catch {
        // Storage or the lock manager refused: the page's replay triggers report that, and replay again.
      }
    }, Math.max(0, next - Date.now()));
  }
}
