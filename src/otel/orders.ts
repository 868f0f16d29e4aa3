import { SpanKind, SpanStatusCode, type Attributes, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';
import type { OrderResult } from '../types';
import { ATTR, drillAttribute } from './attributes';

/** A `placeOrder` call under way, with its span. */
interface Call {
  span: Span;
  failovers: number;
}

/** Orders left pending whose later requests still link to their placeOrder span: at most this many. */
const KEEP_PENDING = 1000;

/** What the wrapper reports when a `placeOrder` call ends. */
export interface Placed {
  result?: OrderResult;
  /** The typed error's `code` when the call threw. */
  thrown?: string;
  budgetMs: number;
}

/**
 * The spans of orders: one per `placeOrder` call, found by the order's key
 * while the call runs (its requests become its children), and remembered
 * for a while after a call that left the order pending (a later request
 * of it links to the span).
 */
export class OrderSpans {
  private readonly calls = new Map<string, Call>();
  /** Key, then when placeOrder resolved pending and the span's context. */
  private readonly pending = new Map<string, { at: number; context: SpanContext }>();

  constructor(private readonly tracer: Tracer) {}

  /** Starts a call's span; `bind` gives it the order's key once known. */
  start(drilling: boolean): { span: Span; bind(id: string): void } {
    const span = this.tracer.startSpan('steadycart placeOrder', { kind: SpanKind.INTERNAL, attributes: drillAttribute(drilling) });
    return { span, bind: (id) => this.calls.set(id, { span, failovers: 0 }) };
  }

  /** Ends a call's span with how it went. */
  end(span: Span, id: string | undefined, { result, thrown, budgetMs }: Placed): void {
    const call = id === undefined ? undefined : this.calls.get(id);
    if (id !== undefined) this.calls.delete(id);
    const attributes: Attributes = { [ATTR.budget]: budgetMs, [ATTR.failovers]: call?.failovers ?? 0 };
    if (result) {
      attributes[ATTR.orderId] = result.id;
      attributes[ATTR.orderStatus] = result.status;
      attributes[ATTR.attempts] = result.attempts;
      attributes[ATTR.budgetUsed] = result.elapsedMs;
      if (result.error) attributes[ATTR.orderError] = result.error.code;
      if (result.status == 'pending') this.remember(result.id, span.spanContext());
    }
    const error = thrown ?? (result?.status == 'failed' ? result.error?.code ?? 'failed' : undefined);
    if (error) {
      attributes[ATTR.errorType] = error;
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.setAttributes(attributes);
    span.end();
  }

  /** The span of the call placing order `id` now, if any. */
  callSpan(id: string): Span | undefined {
    return this.calls.get(id)?.span;
  }

  /** The span context of the call that left order `id` pending, if remembered. */
  pendingContext(id: string): SpanContext | undefined {
    return this.pending.get(id)?.context;
  }

  /** The key of a call under way or a remembered pending order that `url` names (a lookup's URL holds the key). */
  keyIn(url: string): string | undefined {
    for (const id of this.calls.keys()) if (url.includes(id)) return id;
    for (const id of this.pending.keys()) if (url.includes(id)) return id;
  }

  /** Forgets a pending order; resolves with when it went pending, if it was this page's. */
  settle(id: string): number | undefined {
    const at = this.pending.get(id)?.at;
    this.pending.delete(id);
    return at;
  }

  /** Notes a failover on the call's span. */
  failover(id: string, from: string, to: string): void {
    const call = this.calls.get(id);
    if (!call) return;
    call.failovers++;
    call.span.addEvent('steadycart.failover', { [ATTR.from]: from, [ATTR.to]: to });
  }

  /** Tells every call under way that an endpoint's circuit changed. */
  circuit(endpoint: string, state: string): void {
    for (const { span } of this.calls.values()) span.addEvent('steadycart.circuit', { [ATTR.endpoint]: endpoint, [ATTR.circuitState]: state });
  }

  private remember(id: string, context: SpanContext): void {
    this.pending.set(id, { at: performance.now(), context });
    if (this.pending.size > KEEP_PENDING) this.pending.delete(this.pending.keys().next().value!);
  }
}
