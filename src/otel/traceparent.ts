import { isSpanContextValid, type SpanContext } from '@opentelemetry/api';

/**
 * Sets the W3C Trace Context headers of `span` on a request: `traceparent`,
 * and `tracestate` when the span carries one. Always these two, whatever
 * propagator the page registered: they are the names the endpoints' CORS
 * preflights must allow, and a checkout must never fail on a header the
 * backend was not told about. A span of a disabled tracer (no valid
 * context) sets nothing.
 */
export function setTraceHeaders(headers: Headers, span: SpanContext): void {
  if (!isSpanContextValid(span)) return;
  headers.set('traceparent', `00-${span.traceId}-${span.spanId}-${(span.traceFlags & 0xff).toString(16).padStart(2, '0')}`);
  const state = span.traceState?.serialize();
  if (state) headers.set('tracestate', state);
}
