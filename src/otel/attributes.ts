import type { Attributes } from '@opentelemetry/api';

/**
 * Attribute names: OpenTelemetry's HTTP client semantic conventions, then
 * steadycart's own. Only these ever become attributes: URLs of the
 * configured endpoints, statuses, counts, durations and error codes. No
 * order body, header value or payment data.
 */
export const ATTR = {
  method: 'http.request.method',
  status: 'http.response.status_code',
  address: 'server.address',
  port: 'server.port',
  url: 'url.full',
  errorType: 'error.type',
  drill: 'steadycart.drill',
  endpoint: 'steadycart.endpoint',
  domain: 'steadycart.endpoint.domain',
  kind: 'steadycart.request.kind',
  attempt: 'steadycart.attempt',
  orderId: 'steadycart.order.id',
  orderStatus: 'steadycart.order.status',
  attempts: 'steadycart.order.attempts',
  failovers: 'steadycart.order.failovers',
  budget: 'steadycart.order.budget_ms',
  budgetUsed: 'steadycart.order.budget_used_ms',
  orderError: 'steadycart.order.error',
  circuitState: 'steadycart.circuit.state',
  from: 'steadycart.failover.from',
  to: 'steadycart.failover.to',
} as const;

/** The HTTP client attributes of a request: its method, server and URL (without query or fragment). */
export function httpAttributes(request: Request): Attributes {
  const url = new URL(request.url);
  return {
    [ATTR.method]: request.method,
    [ATTR.address]: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    [ATTR.port]: Number(url.port) || (url.protocol == 'https:' ? 443 : 80),
    [ATTR.url]: url.origin + url.pathname,
  };
}

/** `drill: true` as an attribute, or nothing: a drill run's telemetry says so. */
export const drillAttribute = (drilling: boolean): Attributes => (drilling ? { [ATTR.drill]: true } : {});
