/** The flags of `steadycart serve`, parsed and checked once. */
import { intFlag, originArg, parseFlags, quoted } from '../args';
import { usage } from '../errors';

/** Where `serve` keeps idempotency records and the demo PSP's keys. */
export type StoreSpec =
  | { kind: 'memory' }
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'postgres'; url: string }
  | { kind: 'redis'; url: string };

/** `serve`'s options with every default filled in. */
export interface ServeOptions {
  port: number;
  host: string;
  store: StoreSpec;
  region: string;
  corsOrigins: string[];
  handlerDelayMs: number;
  leaseMs: number;
  ledger: string | null;
  /** Serve the handler's metrics at `GET /metrics` (Prometheus text format). */
  metrics: boolean;
}

/** The default store: embedded and durable, so a restart (or kill -9) forgets nothing. */
export const DEFAULT_STORE = 'pglite:.steadycart/data';
export const DEFAULT_PORT = 8787;

/** Reads `--store memory | pglite:DIR | postgres://… | redis://…`. */
export function parseStoreSpec(spec: string): StoreSpec {
  if (spec === 'memory') return { kind: 'memory' };
  if (spec.startsWith('pglite:')) {
    const dataDir = spec.slice('pglite:'.length);
    if (!dataDir) usage('--store pglite:DIR needs a directory, e.g. pglite:.steadycart/data');
    return { kind: 'pglite', dataDir };
  }
  if (/^postgres(ql)?:\/\//.test(spec)) return { kind: 'postgres', url: spec };
  if (/^rediss?:\/\//.test(spec)) return { kind: 'redis', url: spec };
  return usage(`--store must be memory, pglite:DIR, postgres://… or redis://… (got ${quoted(spec)})`);
}

/** The store spec with any password (in the user-info or the query) masked, for messages. */
export function describeStore(store: StoreSpec): string {
  if (store.kind === 'memory') return 'memory';
  if (store.kind === 'pglite') return `pglite:${store.dataDir}`;
  let url: URL;
  try {
    url = new URL(store.url);
  } catch {
    // The driver may read what URL cannot (an unencoded "/" in the password): name the kind only.
    return `${store.kind}://…`;
  }
  if (url.password) url.password = '***';
  // pg also reads passwords from the query (?password=, ?sslpassword=): mask every such parameter.
  for (const name of [...url.searchParams.keys()]) if (name.toLowerCase().includes('password')) url.searchParams.set(name, '***');
  return url.href;
}

/** Parses the flags of `serve` (after the word `serve`). */
export function parseServeArgs(argv: readonly string[]): ServeOptions {
  const { values, positionals } = parseFlags(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    store: { type: 'string' },
    region: { type: 'string' },
    'cors-origin': { type: 'string', multiple: true },
    'handler-delay-ms': { type: 'string' },
    'lease-ms': { type: 'string' },
    ledger: { type: 'string' },
    metrics: { type: 'boolean' },
  });
  if (positionals.length) usage(`serve takes no arguments (got ${positionals.join(' ')})`);
  const region = values.region ?? 'local';
  if (!/^[\w.-]{1,64}$/.test(region)) usage(`--region must be 1-64 letters, digits, "_", "-" or "." (got "${region}")`);
  if (values.ledger === '') usage('--ledger needs a file name');
  return {
    port: intFlag('port', values.port, DEFAULT_PORT, 0, 65_535),
    host: values.host || '127.0.0.1',
    store: parseStoreSpec(values.store ?? DEFAULT_STORE),
    region,
    corsOrigins: (values['cors-origin'] ?? []).map((o) => originArg('--cors-origin', o)),
    handlerDelayMs: intFlag('handler-delay-ms', values['handler-delay-ms'], 0, 0, 3_600_000),
    leaseMs: intFlag('lease-ms', values['lease-ms'], 30_000, 100, 3_600_000),
    ledger: values.ledger ?? null,
    metrics: values.metrics ?? false,
  };
}
