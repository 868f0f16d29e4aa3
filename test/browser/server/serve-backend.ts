/**
 * Browser-side handle on checkout endpoints backed by the real server:
 * fault-injecting fronts us, eu (domain main, `steadycart serve` on one
 * PostgreSQL) and backup (its own serve), started through the test server's
 * `POST /__serve` (test/runner/serve-backends.mjs) and then driven through
 * the fault backend's control API like any test backend. The ledger is what
 * the serve processes wrote to their `--ledger` files: one line per handler
 * execution, with `charged` as the demo PSP decided.
 */
import type { Fault, Ledger, LoggedRequest } from '../backend';

export interface ServedLedger extends Ledger {
  /** Executions of a key already executed (a crashed attempt run again): not charged again. */
  reruns: number;
}

export interface ServedBackend {
  sdk(...names: string[]): Array<{ url: string; domain: string }>;
  url(name: string): string;
  fault(name: string, fault: Fault): Promise<void>;
  ledger(): Promise<ServedLedger>;
  requests(): Promise<LoggedRequest[]>;
  requestsTo(name: string): Promise<LoggedRequest[]>;
  /** Charges of this key in serve's ledger, every domain. */
  charges(key: string): Promise<number>;
  close(): Promise<void>;
}

const open = new Set<ServedBackend>();

async function call<T>(path: string, method = 'GET', body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${answer.error}`);
  return answer as T;
}

/** Starts fronts us, eu and backup before serve. */
export async function startServedBackend(): Promise<ServedBackend> {
  const { id, endpoints } = await call<{ id: string; endpoints: Array<{ name: string; domain: string; url: string }> }>('/__serve', 'POST');
  const byName = (name: string) => {
    const e = endpoints.find((x) => x.name == name);
    if (!e) throw new Error(`no endpoint ${name}`);
    return e;
  };
  const control = `/__backend/${id}`;
  const backend: ServedBackend = {
    sdk: (...names) => (names.length ? names.map(byName) : endpoints).map(({ url, domain }) => ({ url, domain })),
    url: (name) => byName(name).url,
    fault: (name, fault) => call(`${control}/fault`, 'POST', { name, fault }),
    ledger: () => call(`${control}/ledger`),
    requests: () => call(`${control}/requests`),
    requestsTo: async (name) => (await backend.requests()).filter((r) => r.endpoint == name && r.route != 'preflight'),
    charges: async (key) => (await call<{ charges: number }>(`${control}/charges/${encodeURIComponent(key)}`)).charges,
    close: async () => {
      open.delete(backend);
      await call(control, 'DELETE');
    },
  };
  open.add(backend);
  return backend;
}

/** Closes every served backend a test started (the serve processes stay for the next test). */
export async function closeServedBackends(): Promise<void> {
  await Promise.all([...open].map((b) => b.close().catch(() => {})));
}
