/**
 * Browser-side handle on the fault-injecting backend of the wire contract
 * (test/backend), started per test through the test server's control API.
 * Its endpoints are real HTTP servers on 127.0.0.1 ports of their own.
 */
import { settledWithin } from './bounded';

export interface EndpointInfo {
  name: string;
  domain: string;
  url: string;
}

export type Fault =
  | 'healthy'
  | 'refuse'
  | 'silent'
  | 'commit-drop'
  | 'stall'
  | 'decline'
  | '503'
  | '429'
  | '500'
  | { kind: string; status?: number; retryAfter?: string; html?: boolean; ms?: number; arrives?: boolean; count?: number; routes?: string[] };

export interface LoggedRequest {
  t: number;
  endpoint: string;
  method: string;
  path: string;
  route: 'checkout' | 'lookup' | 'health' | 'preflight' | string;
  key: string | null;
  attempt: string | null;
  status: number | string | null;
  /** The `Authorization` header it carried. */
  authorization: string | null;
  /** The `X-Csrf-Token` header it carried. */
  csrf: string | null;
  /** The W3C `traceparent` header it carried. */
  traceparent: string | null;
  /** The `Steadycart-Drill` header it carried. */
  drill: string | null;
}

export interface Ledger {
  /** `body`: the order as the backend parsed it. */
  orders: Array<{ key: string; domain: string; endpoint: string; status: number; charged: boolean; body: unknown }>;
  charges: number;
  declines: number;
  duplicates: number;
}

export interface TestBackend {
  endpoints: EndpointInfo[];
  /** `{ url, domain }` of the named endpoints (all, by default), as SDK options. */
  sdk(...names: string[]): Array<{ url: string; domain: string }>;
  url(name: string): string;
  fault(name: string, fault: Fault): Promise<void>;
  /**
   * `true`: the endpoint's checkout POSTs wait, their key in progress, until
   * `hold(name, false)`; the fault still decides their answer. An order kept
   * in flight exactly as long as a test needs, instead of for a fixed delay.
   */
  hold(name: string, held: boolean): Promise<void>;
  ledger(): Promise<Ledger>;
  requests(): Promise<LoggedRequest[]>;
  /** Requests that reached one endpoint (preflights excluded). */
  requestsTo(name: string): Promise<LoggedRequest[]>;
  charges(key: string): Promise<number>;
  close(): Promise<void>;
}

const running = new Set<TestBackend>();

async function call<T>(path: string, init?: { method: string; body?: unknown }): Promise<T> {
  const response = await fetch(`/__backend${path}`, {
    method: init?.method ?? 'GET',
    headers: { 'Content-Type': 'application/json' },
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`backend control: ${response.status} ${body.error}`);
  return body as T;
}

/**
 * Starts a backend. Default: `us` and `eu` in domain `main`, `backup` in
 * domain `backup`.
 */
export async function startBackend(
  options: {
    endpoints?: Array<{ name: string; domain: string; latencyMs?: number }>;
    processMs?: number;
    checkoutPath?: string;
    /** A template with `{key}`; default the checkout path, then `/{key}`. */
    lookupPath?: string;
    healthPath?: string | false;
  } = {},
): Promise<TestBackend> {
  const { id, endpoints } = await call<{ id: string; endpoints: EndpointInfo[] }>('', {
    method: 'POST',
    body: {
      endpoints: options.endpoints ?? [
        { name: 'us', domain: 'main' },
        { name: 'eu', domain: 'main' },
        { name: 'backup', domain: 'backup' },
      ],
      processMs: options.processMs ?? 0,
      checkoutPath: options.checkoutPath,
      lookupPath: options.lookupPath,
      healthPath: options.healthPath ?? '/health',
    },
  });
  const byName = (name: string) => {
    const endpoint = endpoints.find((e) => e.name == name);
    if (!endpoint) throw new Error(`no endpoint ${name}`);
    return endpoint;
  };
  const backend: TestBackend = {
    endpoints,
    sdk: (...names) => (names.length ? names.map(byName) : endpoints).map(({ url, domain }) => ({ url, domain })),
    url: (name) => byName(name).url,
    fault: (name, fault) => call(`/${id}/fault`, { method: 'POST', body: { name, fault } }),
    hold: (name, held) => call(`/${id}/hold`, { method: 'POST', body: { name, held } }),
    ledger: () => call(`/${id}/ledger`),
    requests: () => call(`/${id}/requests`),
    requestsTo: async (name) => (await call<LoggedRequest[]>(`/${id}/requests`)).filter((r) => r.endpoint == name && r.route != 'preflight'),
    charges: async (key) => (await call<{ charges: number }>(`/${id}/charges/${encodeURIComponent(key)}`)).charges,
    close: async () => {
      running.delete(backend);
      await call(`/${id}`, { method: 'DELETE' });
    },
  };
  running.add(backend);
  return backend;
}

/** Sets `fault` (503 by default) on the named endpoints (`us` and `eu` by default): an outage of the main domain. */
export async function down(be: TestBackend, fault: Fault = '503', names = ['us', 'eu']): Promise<void> {
  for (const name of names) await be.fault(name, fault);
}

/** The named endpoints (`us` and `eu` by default) healthy again. */
export async function up(be: TestBackend, names = ['us', 'eu']): Promise<void> {
  for (const name of names) await be.fault(name, 'healthy');
}

/** Closes every backend a test started. */
export async function closeBackends(): Promise<void> {
  await Promise.all([...running].map((b) => settledWithin(b.close().catch(() => {}), `closing the backend on ${b.url(b.endpoints[0]!.name)}`)));
}
