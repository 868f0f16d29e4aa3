import type * as OtelApi from '@opentelemetry/api';
import type { Attributes, Context, MeterProvider, Span, TextMapGetter, TextMapPropagator, TracerProvider } from '@opentelemetry/api';
import { createInstruments } from './instruments';
import type { MeterProviderLike, TelemetryOptions, TextMapPropagatorLike, TracerProviderLike } from './options';
import { HANDLER_RUN_OUTCOMES, type Outcome, type RequestTelemetry, type RouteInfo, type Step, type StoreOperation, type Telemetry } from './types';

type Api = typeof OtelApi;

/** The compiler checks that the API's own types fit the options' structural ones. */
type Fits<Like, Real extends Like> = [Like, Real];
export type ProvidersFit = [Fits<TracerProviderLike, TracerProvider>, Fits<MeterProviderLike, MeterProvider>, Fits<TextMapPropagatorLike, TextMapPropagator>];

/** The instrumentation scope of every span and metric. */
export const SCOPE = 'steadycart/server';

/** Methods named as they are; any other is `_OTHER` (HTTP semantic conventions). */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']);

const STORE_STEPS: ReadonlySet<Step> = new Set(['reserve', 'read', 'complete', 'release', 'ping']);

/** The Fetch `Headers` as a propagation carrier. */
const headersGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

/** `error.type` of a thrown value: its class name, never its message (it may carry order data). */
const errorType = (err: unknown): string => (err instanceof Error ? err.name || 'Error' : '_OTHER');

/**
 * Telemetry on the OpenTelemetry API `api` (the caller's own copy, loaded by
 * {@link loadTelemetry}).
 */
export function otelTelemetry(api: Api, options: TelemetryOptions): Telemetry {
  // The options are typed structurally (see options.ts); checked at run time by settings().
  const tracer = ((options.tracerProvider as TracerProvider | undefined) ?? api.trace.getTracerProvider()).getTracer(SCOPE);
  const meter = ((options.meterProvider as MeterProvider | undefined) ?? api.metrics.getMeterProvider()).getMeter(SCOPE);
  const propagator = (options.propagator as TextMapPropagator | undefined) ?? api.propagation;
  const m = createInstruments(meter);
  const storeError = (operation: StoreOperation) => m.storeErrors.add(1, { 'steadycart.store.operation': operation });

  const request = (req: Request, rawMethod: string, route: RouteInfo): RequestTelemetry => {
    const known = KNOWN_METHODS.has(rawMethod);
    const method = known ? rawMethod : '_OTHER';
    const parent = propagator.extract(api.ROOT_CONTEXT, req.headers, headersGetter);
    const url = new URL(req.url);
    const attributes: Attributes = {
      'http.request.method': method,
      'http.route': route.template,
      'url.path': route.path,
      'url.scheme': url.protocol.slice(0, -1),
    };
    if (!known) attributes['http.request.method_original'] = rawMethod;
    const span = tracer.startSpan(`${known ? method : 'HTTP'} ${route.template}`, { kind: api.SpanKind.SERVER, attributes }, parent);
    const ctx: Context = api.trace.setSpan(parent, span);
    const started = performance.now();
    const shared = { 'http.request.method': method, 'http.route': route.template };

    return {
      async step(name, fn, describe) {
        const store = STORE_STEPS.has(name);
        const child: Span = tracer.startSpan(
          `steadycart.${store ? 'store.' : ''}${name}`,
          { kind: api.SpanKind.INTERNAL, attributes: store ? { 'steadycart.store.operation': name } : {} },
          ctx,
        );
        const t0 = performance.now();
        try {
          const result = await api.context.with(api.trace.setSpan(ctx, child), fn);
          if (describe) child.setAttributes(describe(result));
          return result;
        } catch (err) {
          child.setAttribute('error.type', errorType(err));
          child.setStatus({ code: api.SpanStatusCode.ERROR });
          throw err;
        } finally {
          child.end();
          if (name == 'handler') m.handlerDuration.record((performance.now() - t0) / 1000);
        }
      },
      takeover(attempt) {
        m.takeovers.add(1);
        span.addEvent('steadycart.lease_takeover', { 'steadycart.attempt': attempt });
      },
      outcome(outcome: Outcome) {
        span.setAttribute('steadycart.outcome', outcome);
        if (outcome == 'replayed') m.replays.add(1);
        else if (outcome == 'in_progress') m.conflicts.add(1);
        else if (outcome == 'key_mismatch') m.mismatches.add(1);
        else if (HANDLER_RUN_OUTCOMES.includes(outcome)) m.handlerRuns.add(1, { 'steadycart.outcome': outcome });
      },
      storeError(operation) {
        storeError(operation);
        span.addEvent('steadycart.store_error', { 'steadycart.store.operation': operation });
      },
      end(status) {
        span.setAttribute('http.response.status_code', status);
        const metric: Attributes = { ...shared, 'http.response.status_code': status };
        // Server spans: only 5xx is an error (a 4xx is the client's).
        if (status >= 500) {
          span.setAttribute('error.type', String(status));
          span.setStatus({ code: api.SpanStatusCode.ERROR });
          metric['error.type'] = String(status);
        }
        span.end();
        m.duration.record((performance.now() - started) / 1000, metric);
        m.requests.add(1, metric);
      },
    };
  };
  return { request, storeError };
}

/**
 * Loads `@opentelemetry/api` (the optional peer dependency) the first time a
 * request needs it. Until it is loaded, requests wait for it; if it cannot
 * be loaded, `onError` is told once and requests go on without telemetry.
 */
export function loadTelemetry(options: TelemetryOptions, fallback: Telemetry, onError: (error: unknown) => void): Telemetry {
  let ready: Telemetry | null = null;
  const loading = import('@opentelemetry/api').then(
    (api) => (ready = otelTelemetry(api, options)),
    (err: unknown) => {
      onError(err);
      return (ready = fallback);
    },
  );
  return {
    request: (req, method, route) => (ready ? ready.request(req, method, route) : loading.then((t) => t.request(req, method, route))),
    storeError: (operation) => void (ready ? ready.storeError(operation) : loading.then((t) => t.storeError(operation))),
  };
}
