/**
 * An OpenTelemetry `TracerProvider` (`@opentelemetry/api`), described by the
 * one method the handler calls, so that these types hold without the
 * optional peer dependency installed. Any SDK's provider fits.
 */
export interface TracerProviderLike {
  /** Returns the tracer the handler's spans are made with (named `steadycart`). */
  getTracer(name: string, version?: string): unknown;
}

/** An OpenTelemetry `MeterProvider`, described by the one method the handler calls. */
export interface MeterProviderLike {
  /** Returns the meter the handler's instruments are made with (named `steadycart`). */
  getMeter(name: string, version?: string): unknown;
}

/** An OpenTelemetry `TextMapPropagator` (e.g. `W3CTraceContextPropagator`), by the method the handler calls. */
export interface TextMapPropagatorLike {
  /** Reads a request's trace context (its `traceparent` header) into a context. */
  extract(context: unknown, carrier: unknown, getter: unknown): unknown;
}

/**
 * OpenTelemetry for {@link createCheckoutHandler}: a server span per request
 * (HTTP server semantic conventions) with a child span per step (reservation,
 * the merchant's handler, each store write), the request's W3C `traceparent`
 * continued, and counters for replays, 409s, 422s, lease takeovers and store
 * errors. `@opentelemetry/api` (an optional peer dependency) is loaded only
 * when this option is given: without it nothing of OpenTelemetry is imported.
 *
 * No order body, header value, idempotency key or payment data ever becomes
 * an attribute; a lookup's `url.path` has its key replaced by `REDACTED`.
 *
 * @example
 * ```ts
 * createCheckoutHandler({ store, handle, telemetry: { tracerProvider, meterProvider } });
 * createCheckoutHandler({ store, handle, telemetry: {} }); // the globally registered providers
 * ```
 */
export interface TelemetryOptions {
  /** Where spans go. Default: the global provider (`trace.getTracerProvider()`, a no-op until one is registered). */
  tracerProvider?: TracerProviderLike | undefined;
  /** Where metrics go. Default: the global provider (`metrics.getMeterProvider()`). */
  meterProvider?: MeterProviderLike | undefined;
  /**
   * Reads the caller's trace context from the request headers. Default: the
   * global propagator (`propagation`), W3C Trace Context once an SDK is set up.
   */
  propagator?: TextMapPropagatorLike | undefined;
}
