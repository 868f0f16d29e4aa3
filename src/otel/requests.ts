import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import type { SendFetch } from '../transport/http';
import { ATTR, drillAttribute, httpAttributes } from './attributes';
import type { OrderSpans } from './orders';
import { quietly } from './quietly';
import { setTraceHeaders } from './traceparent';

/** What the request spans need from the instrumentation. */
export interface RequestTracing {
  tracer: Tracer;
  orders: OrderSpans;
  /** The idempotency domain of a configured endpoint. */
  domainOf(endpoint: string): string | undefined;
  drilling(): boolean;
  /** Whether requests carry `traceparent`. */
  propagate: boolean;
}

/**
 * Why a request got no answer, as `error.type`: `network` (the browser's
 * TypeError: refused, reset, offline, CORS), `timeout` (aborted when its
 * timeout ran out) or `aborted` (its run or a faster rival ended it).
 */
export function failureType(error: unknown, timedOut: boolean): 'network' | 'timeout' | 'aborted' {
  if ((error as Error)?.name != 'AbortError' && (error as Error)?.name != 'TimeoutError') return 'network';
  // The transport's own verdict: its timer started before the `headers` functions ran, not with this fetch.
  return timedOut ? 'timeout' : 'aborted';
}

/**
 * A `fetch` around `next` that makes a CLIENT span of every request (HTTP
 * semantic conventions) and sends its W3C trace context. A request of an
 * order being placed is a child of its `placeOrder` span; a later request
 * of an order left pending is a root span linked to it; a probe is a root span.
 */
export function tracedFetch(t: RequestTracing, next: SendFetch): SendFetch {
  return async (request, info) => {
    // A telemetry SDK that throws (a span processor's bug) must change nothing of the request and
    // its answer: a charged order's 201 lost to a throw would read as "may have arrived", and leave it pending.
    let span: Span | undefined;
    quietly(() => {
      const key = request.headers.get('Idempotency-Key') ?? t.orders.keyIn(request.url);
      const parent = key === undefined ? undefined : t.orders.callSpan(key);
      const earlier = parent || key === undefined ? undefined : t.orders.pendingContext(key);
      const attributes: Attributes = {
        ...httpAttributes(request),
        [ATTR.kind]: info.kind,
        [ATTR.attempt]: info.attempt,
        [ATTR.endpoint]: info.endpoint,
        ...drillAttribute(t.drilling()),
      };
      const domain = t.domainOf(info.endpoint);
      if (domain !== undefined) attributes[ATTR.domain] = domain;
      if (key !== undefined) attributes[ATTR.orderId] = key;
      span = t.tracer.startSpan(
        request.method,
        { kind: SpanKind.CLIENT, attributes, links: earlier ? [{ context: earlier }] : [] },
        parent ? trace.setSpan(context.active(), parent) : ROOT_CONTEXT,
      );
      if (t.propagate) setTraceHeaders(request.headers, span.spanContext());
    });
    let response: Response;
    try {
      response = await inSpan(span, () => next(request, info));
    } catch (error) {
      quietly(() => {
        span?.setAttribute(ATTR.errorType, failureType(error, info.timedOut()));
        span?.setStatus({ code: SpanStatusCode.ERROR });
        span?.end();
      });
      throw error;
    }
    quietly(() => {
      span?.setAttribute(ATTR.status, response.status);
      if (response.status >= 400) {
        span?.setAttribute(ATTR.errorType, String(response.status));
        span?.setStatus({ code: SpanStatusCode.ERROR });
      }
      span?.end();
    });
    return response;
  };
}

/**
 * Runs `send` with `span` as the active span: a fetch instrumentation of the
 * page then makes its own span of the request a child of it, and the
 * `traceparent` it may set joins the order's trace. Should the context
 * manager fail, `send` runs all the same, outside it.
 */
function inSpan<T>(span: Span | undefined, send: () => T): T {
  let sent = false;
  const once = () => ((sent = true), send());
  try {
    return span ? context.with(trace.setSpan(context.active(), span), once) : once();
  } catch (error) {
    if (sent) throw error;
    return once();
  }
}
