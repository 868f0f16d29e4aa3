/**
 * `serve --metrics`: the checkout handler's OpenTelemetry metrics, served at
 * `GET /metrics` on the same server in Prometheus text format. The
 * OpenTelemetry SDK packages are optional: they are imported only when
 * `--metrics` is given, and their absence is a clear error naming them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MeterProvider } from '@opentelemetry/api';
import { CliError } from '../errors';

/** What `--metrics` needs besides steadycart. */
export const METRICS_PACKAGES = ['@opentelemetry/api', '@opentelemetry/sdk-metrics', '@opentelemetry/exporter-prometheus'] as const;

/** The path Prometheus scrapes. */
export const METRICS_PATH = '/metrics';

/** A meter provider for the handler, and the node:http answer of `GET /metrics`. */
export interface MetricsEndpoint {
  meterProvider: MeterProvider;
  /** Answers a scrape: every metric the provider holds, in Prometheus text format. */
  scrape(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

/** Sets up the meter provider and its Prometheus reader; a `CliError` (`METRICS`) when the packages are missing. */
export async function openMetrics(): Promise<MetricsEndpoint> {
  let sdk: typeof import('@opentelemetry/sdk-metrics');
  let prometheus: typeof import('@opentelemetry/exporter-prometheus');
  try {
    [sdk, prometheus] = await Promise.all([import('@opentelemetry/sdk-metrics'), import('@opentelemetry/exporter-prometheus'), import('@opentelemetry/api')]);
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND';
    throw new CliError(
      'METRICS',
      `--metrics ${missing ? 'needs the optional packages' : 'could not load'} ${METRICS_PACKAGES.join(', ')}` +
        (missing ? ` (install them: npm i ${METRICS_PACKAGES.join(' ')})` : `: ${(err as Error).message}`),
    );
  }
  // No server of its own: the scrape is answered by serve's server, on its port.
  const exporter = new prometheus.PrometheusExporter({ preventServerStart: true });
  const meterProvider = new sdk.MeterProvider({ readers: [exporter] });
  return {
    meterProvider,
    scrape: (req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET', 'content-type': 'application/json' });
        res.end('{"error":"method_not_allowed"}');
        return;
      }
      exporter.getMetricsRequestHandler(req, res);
    },
    close: () => meterProvider.shutdown(),
  };
}
