import type { Settings } from '../options';
import type { BaseHeaders } from './respond';

/** The SDK's own request headers (docs/backend-contract.md, CORS), then W3C Trace Context (steadycart/otel) and Steadycart-Drill (drill mode). */
const SDK_HEADERS = ['Content-Type', 'Idempotency-Key', 'Steadycart-Attempt', 'traceparent', 'tracestate', 'Steadycart-Drill'];

/** CORS headers for an answer to `origin`, or none when it is not allowed. */
export function corsHeaders(cors: Settings['cors'], origin: string | null): BaseHeaders {
  if (!cors || !origin || !cors.allowed(origin)) return cors ? { vary: 'Origin' } : {};
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': 'Retry-After, Idempotent-Replayed',
    ...(cors.credentials ? { 'access-control-allow-credentials': 'true' } : {}),
    vary: 'Origin',
  };
}

/** The answer to a preflight: 204, with the allowances only for an allowed origin. */
export function preflight(cors: Settings['cors'], origin: string | null): Response {
  const headers: BaseHeaders = corsHeaders(cors, origin);
  if (cors && headers['access-control-allow-origin']) {
    headers['access-control-allow-methods'] = 'GET, POST, OPTIONS';
    headers['access-control-allow-headers'] = [...SDK_HEADERS, ...cors.allowHeaders].join(', ');
    headers['access-control-max-age'] = String(cors.maxAgeSeconds);
  }
  return new Response(null, { status: 204, headers });
}
