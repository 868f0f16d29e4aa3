/**
 * `steadycart serve`: a reference checkout backend on node:http, for trials,
 * drills and the demo. Prints `listening on http://HOST:PORT` once its store
 * is ready; on SIGTERM (or SIGINT) it stops accepting connections, finishes
 * the requests in flight, closes the store and exits 0. A signal during
 * start-up lets the store finish opening, closes it and exits 0.
 */
import http from 'node:http';
import { createCheckoutHandler, toNodeListener, type IdempotencyStore } from '../../server/index';
import { CliError } from '../errors';
import { crasher, crashPointFromEnv, type CrashPoint } from './crash';
import { demoHandler } from './demo-handler';
import { noLedger, openLedger, type Ledger } from './ledger';
import { METRICS_PATH, openMetrics, type MetricsEndpoint } from './metrics';
import { parseServeArgs, type ServeOptions } from './options';
import { demoPsp } from './psp';
import { openStore } from './store';

/** How long records (and the PSP's charged keys) are kept: the library's default. */
const RETENTION_MS = 72 * 3600_000;
/** Requests still running this long after SIGTERM have their connections cut. */
const DRAIN_CAP_MS = 60_000;
const DRAIN_POLL_MS = 50;
/** The most a client may take to send a whole request, and its headers (checked every 5 s). */
const REQUEST_TIMEOUT_MS = 30_000;
const HEADERS_TIMEOUT_MS = 10_000;

/** Runs `serve` until SIGTERM/SIGINT; resolves to the exit status. */
export async function serve(argv: readonly string[]): Promise<number> {
  const options = parseServeArgs(argv);
  // The signals are caught from the start: one that came during start-up must not kill the process
  // mid-open (PGlite's first start writes a new data directory for a minute or more, and one cut
  // short never opens again). It stops the process once what is being opened is open.
  const stop: { signal: NodeJS.Signals | null; listening: boolean } = { signal: null, listening: false };
  // Every signal stays caught, not only the first: Ctrl-C pressed again, or sent by the terminal and
  // forwarded by npm as well, would otherwise kill the process mid-drain or mid-open.
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      if (stop.signal) return void process.stderr.write(`steadycart serve: ${signal} again: already stopping\n`);
      if (!stop.listening) process.stderr.write(`steadycart serve: ${signal} during start-up, stopping once the store is open\n`);
      stop.signal = signal;
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
  const crash = crasher(crashPointFromEnv(process.env));
  const metrics = options.metrics ? await openMetrics() : null;
  const ledger = options.ledger === null ? noLedger : await openLedger(options.ledger);
  const opened = await openStore(options.store);
  // PGlite's first start blocks the event loop: one turn of it delivers a signal that came meanwhile.
  await new Promise((resolve) => setImmediate(resolve));
  const closeAll = async () => {
    await opened.close();
    await ledger.close();
    await metrics?.close();
  };
  if (stop.signal) {
    await closeAll();
    return 0;
  }
  const running = { handlers: 0 };
  // A client that sends its request a byte at a time holds a connection for the whole of it: Node allows 5 minutes
  // for a request, 1 minute for its headers. An order is a few kB; a handler's own time is not bounded by these.
  const server = http.createServer(
    { requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 5_000 },
    listener(options, opened.store, ledger, crash, metrics, running),
  );
  try {
    await listen(server, options.port, options.host);
  } catch (err) {
    await opened.close().catch(() => {});
    await ledger.close();
    await metrics?.close();
    throw new CliError('LISTEN', `cannot listen on ${options.host}:${options.port}: ${(err as Error).message}`);
  }
  stop.listening = true;
  const { port } = server.address() as { port: number };
  process.stdout.write(`listening on http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}\n`);

  const signal = await stopped;
  process.stderr.write(`steadycart serve: ${signal}, finishing requests in flight\n`);
  await drain(server, running);
  await closeAll();
  return 0;
}

/** Checkout handler runs under way: a run outlives its connection when the client hangs up. */
interface Running {
  handlers: number;
}

/**
 * The node:http listener: the checkout handler with the demo PSP, the
 * `stored` crash point, and `GET /metrics` with `--metrics`. Counts the
 * handler runs under way in `running`.
 */
function listener(
  o: ServeOptions,
  store: IdempotencyStore,
  ledger: Ledger,
  crash: (p: CrashPoint) => void,
  metrics: MetricsEndpoint | null,
  running: Running,
): http.RequestListener {
  const handler = createCheckoutHandler({
    store,
    handle: demoHandler({ psp: demoPsp(store, RETENTION_MS), ledger, region: o.region, delayMs: o.handlerDelayMs, crash }),
    retentionMs: RETENTION_MS,
    leaseMs: o.leaseMs,
    ...(o.corsOrigins.length ? { cors: { origins: o.corsOrigins } } : {}),
    onError: (error, { key, phase }) => process.stderr.write(`steadycart serve: ${phase}${key ? ` (key ${key})` : ''}: ${(error as Error)?.message ?? error}\n`),
    ...(metrics ? { telemetry: { meterProvider: metrics.meterProvider } } : {}),
  });
  const checkout = toNodeListener(async (request: Request) => {
    running.handlers++;
    let response: Response;
    try {
      response = await handler(request);
    } finally {
      running.handlers--;
    }
    // The demo handler's own outcome (201 or 402, not a replay) is stored; the answer is not sent yet.
    const fresh = (response.status === 201 || response.status === 402) && !response.headers.has('idempotent-replayed');
    if (request.method === 'POST' && fresh) crash('stored');
    return response;
  });
  if (!metrics) return checkout;
  return (req, res) => ((req.url ?? '/').split('?')[0] === METRICS_PATH ? metrics.scrape(req, res) : checkout(req, res));
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Stops accepting, lets every request in flight finish (closing each
 * keep-alive connection as it goes idle) and every handler run end, also
 * one whose client hung up (its charge and ledger line come before the store
 * closes), and cuts what is left after {@link DRAIN_CAP_MS}.
 */
async function drain(server: http.Server, running: Running): Promise<void> {
  const end = Date.now() + DRAIN_CAP_MS;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const idle = setInterval(() => server.closeIdleConnections(), DRAIN_POLL_MS);
  const cap = setTimeout(() => server.closeAllConnections(), DRAIN_CAP_MS);
  await closed;
  clearInterval(idle);
  clearTimeout(cap);
  while (running.handlers > 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
}
