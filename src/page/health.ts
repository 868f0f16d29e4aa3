import type { Core } from '../core';
import type { EndpointHealth } from '../types';

/**
 * @internal Every endpoint's circuit as `health()` and `endpoint:state` tell
 * it. Page-only: the service worker has no one to tell.
 */
export function endpointHealth({ config, circuits }: Core): EndpointHealth[] {
  return config.endpoints.map((endpoint) => {
    const r = circuits.circuit(endpoint);
    const { median, p95 } = circuits.latency(endpoint);
    return {
      url: endpoint.url,
      domain: endpoint.domain,
      state: r.state,
      latencyMs: median,
      p95Ms: p95,
      failures: r.failures,
      retryAt: r.state == 'closed' ? undefined : r.retryAt,
      lastError: r.lastError,
    };
  });
}
