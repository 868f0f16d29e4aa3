/**
 * The one way `check` talks to a backend: a bounded fetch that never follows
 * redirects and records every exchange, so that each check can cite what it
 * saw and the cross-cutting checks (CORS, no redirect) can look at them all.
 */

/** A request as `check` sends it. */
export interface Probe {
  /** Short label naming why it was sent, quoted in the evidence. */
  label: string;
  method: 'GET' | 'POST' | 'OPTIONS';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Without the merchant's `--header` values: a shopper's resend after they went stale. */
  bare?: boolean;
}

/** One request and what came back (or how it failed). */
export interface Exchange {
  probe: Probe;
  /** HTTP status, or null when no answer arrived (see `error`). */
  status: number | null;
  /** Response headers, lower-case names. */
  headers: Record<string, string>;
  /** The response body bytes (decoded from any content encoding). */
  body: Buffer;
  /** Why no answer arrived: `timeout after N ms` or the network error. */
  error: string | null;
  ms: number;
}

/** The most of an answer's body `check` reads: a backend streaming without end must not exhaust its memory. */
const MAX_BODY_BYTES = 1 << 20;

/** Reads a body of at most {@link MAX_BODY_BYTES}; throws (and cancels the stream) past it. */
async function readCapped(res: Response): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) throw new Error(`a body of more than ${MAX_BODY_BYTES / (1 << 20)} MiB, cut`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Sends probes with a per-request timeout and keeps every exchange. */
export class Prober {
  readonly exchanges: Exchange[] = [];

  constructor(
    private readonly timeoutMs: number,
    /** Sent as `Origin` on every request when set (`--origin`). */
    private readonly origin: string | null,
    /**
     * The merchant's own headers (`--header`), sent with every request but
     * preflights: a browser's preflight carries none of them, only their names.
     */
    private readonly merchantHeaders: Readonly<Record<string, string>> = {},
  ) {}

  /** Sends one probe; never throws: a failure is an exchange with `error`. */
  async send(probe: Probe): Promise<Exchange> {
    const started = performance.now();
    const headers: Record<string, string> = {
      ...(this.origin ? { Origin: this.origin } : {}),
      ...(probe.method === 'OPTIONS' || probe.bare ? {} : this.merchantHeaders),
      ...probe.headers,
    };
    let exchange: Exchange;
    try {
      const res = await fetch(probe.url, {
        method: probe.method,
        headers,
        ...(probe.body !== undefined ? { body: probe.body } : {}),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const body = await readCapped(res);
      exchange = { probe, status: res.status, headers: Object.fromEntries(res.headers), body, error: null, ms: 0 };
    } catch (err) {
      exchange = { probe, status: null, headers: {}, body: Buffer.alloc(0), error: describeFailure(err, probe.url, this.timeoutMs), ms: 0 };
    }
    exchange.ms = Math.round(performance.now() - started);
    this.exchanges.push(exchange);
    return exchange;
  }
}

function describeFailure(err: unknown, url: string, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  // Fetch's own refusal, before any connection: browsers refuse these ports too, so no page could reach the backend there.
  if (e.cause?.message === 'bad port') {
    return `bad port: port ${new URL(url).port} is on the Fetch standard's list of blocked ports, which fetch (and every browser) refuses to connect to; serve the backend on another port`;
  }
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

/** `201`, or `no answer (ECONNREFUSED)`: how an exchange is quoted. */
export function statusText(x: Exchange): string {
  return x.status === null ? `no answer (${x.error})` : String(x.status);
}

/** The first bytes of a body, for evidence. */
export function excerpt(body: Buffer, max = 120): string {
  const text = body.toString('utf8').replace(/\s+/g, ' ');
  return text.length > max ? `${text.slice(0, max)}…` : text || '(empty body)';
}

/** The body parsed as JSON, or undefined when it is not JSON. */
export function jsonOf(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A header's comma-separated values, trimmed and lower-cased. */
export function headerList(x: Exchange, name: string): string[] {
  return (x.headers[name] ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}
