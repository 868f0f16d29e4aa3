// @ts-check
/**
 * The demo's checkout backend: `steadycart serve` processes (the real
 * steadycart/server, with its demo PSP and its ledger) behind the
 * fault-injecting front of test/backend, so that the fault panel breaks the
 * network and the servers in front of a real idempotency layer.
 *
 * Topology, one idempotency domain per store:
 * - default: one `serve` on an embedded PGlite store for domain `main`, which
 *   both regions' fronts (us, eu) reach, since one PGlite directory belongs to
 *   one process; and one `serve` on its own PGlite store for `backup`;
 * - `store` = `postgres://…` or `redis://…`: us and eu are two separate
 *   `serve` processes on that shared store; backup keeps its own PGlite;
 * - `store` = `memory`: the default topology, each process keeping its
 *   records in memory (lost when it stops). It starts in a tenth of
 *   PGlite's time and CPU, which the end-to-end tests, starting one demo
 *   per test, make use of.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBackend } from '../../../test/backend/index.mjs';
import { FAULT_HEADER } from '../../../test/backend/upstream.mjs';
import { readLedger, startServe } from './serve-process.mjs';

/** The demo PSP's test tokens (`steadycart serve`): one pays, the other is declined. */
const PAYS = 'tok_ok';
const DECLINED = 'tok_decline';

/**
 * @typedef {object} EndpointSpec
 * @property {string} name
 * @property {string} domain
 * @property {number} latencyMs
 */

/**
 * @typedef {object} CheckoutBackendOptions
 * @property {readonly EndpointSpec[]} endpoints
 * @property {number[]} ports       the fronts' ports on 127.0.0.1 (0: any)
 * @property {string} [store]       `postgres://…` or `redis://…` for the main domain, or `memory` for every
 *                                  domain; default: embedded PGlite
 * @property {string} [dataDir]     where PGlite keeps its data; default: a temporary folder removed on close
 * @property {(line: string) => void} [log]
 */

/**
 * The payment step of a Demo Pay checkout: the page pays with Demo Pay
 * tokens (`tok_demo_…`), which stand for a card that pays; the gateway hands
 * serve's demo PSP its test token for that (`tok_ok`), or the declined one
 * while the fault panel says "decline". The same order bytes always become
 * the same bytes, so retries of a key keep their fingerprint.
 * @param {Uint8Array} raw
 * @param {boolean} decline
 * @returns {Uint8Array}
 */
export function toPspTokens(raw, decline) {
  let order;
  try {
    order = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch {
    return raw; // not JSON: serve answers 400
  }
  const token = order?.payment?.token;
  if (typeof token !== 'string' || !token.startsWith('tok_demo_')) return raw;
  return Buffer.from(JSON.stringify({ ...order, payment: { ...order.payment, token: decline ? DECLINED : PAYS } }));
}

/**
 * A Fetch handler forwarding the front's requests to one `serve` process.
 * @param {string} base  the process's URL
 * @returns {(request: Request) => Promise<Response>}
 */
function gateway(base) {
  return async (request) => {
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    const decline = headers.get(FAULT_HEADER) === 'decline';
    headers.delete(FAULT_HEADER);
    const body = request.method === 'POST' ? toPspTokens(new Uint8Array(await request.arrayBuffer()), decline) : undefined;
    return fetch(`${base}${url.pathname}${url.search}`, { method: request.method, headers, body, signal: request.signal });
  };
}

/**
 * A fresh PGlite data folder at `dir`, copied from an initialised template
 * (one per PGlite version, made once in the temporary folder): PGlite's
 * initdb runs in WebAssembly and costs several times a plain start, which
 * every demo start (and every end-to-end test) would otherwise pay.
 * @param {string} dir
 */
async function freshPglite(dir) {
  if (existsSync(dir)) return;
  const template = join(tmpdir(), `steadycart-demo-pglite-${pgliteVersion()}`);
  if (!existsSync(template)) {
    // Made aside and renamed into place, so that demos starting together never see half a template.
    const scratch = mkdtempSync(`${template}-`);
    try {
      const { PGlite } = await import('@electric-sql/pglite');
      const db = await PGlite.create(join(scratch, 'data'));
      await db.close();
      renameSync(join(scratch, 'data'), template);
    } catch (err) {
      if (!existsSync(template)) throw err;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  cpSync(template, dir, { recursive: true });
}

/** The installed PGlite's version (its package.json is not exported: found beside its entry). */
function pgliteVersion() {
  for (let dir = dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite'))); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    if (pkg.name === '@electric-sql/pglite') return String(pkg.version);
  }
  return 'unknown';
}

/**
 * Starts the serve processes and the fronts.
 * @param {CheckoutBackendOptions} options
 */
export async function startCheckoutBackend(options) {
  const log = options.log ?? (() => {});
  const own = !options.dataDir;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'steadycart-demo-'));
  mkdirSync(dataDir, { recursive: true });
  const shared = options.store && /^(postgres|postgresql|redis|rediss):\/\//.test(options.store) ? options.store : null;
  const inMemory = options.store === 'memory';
  if (options.store && !shared && !inMemory) throw new Error(`STEADYCART_STORE must be a postgres:// or redis:// URL, or memory, got ${JSON.stringify(options.store)}`);

  /** One serve process per entry: which fronts it serves, its domain, its ledger. */
  const plan = [];
  const domains = [...new Set(options.endpoints.map((e) => e.domain))];
  for (const domain of domains) {
    const members = options.endpoints.filter((e) => e.domain === domain);
    if (shared && domain === 'main') {
      for (const e of members) plan.push({ names: [e.name], domain, region: e.name, store: shared });
    } else {
      const store = inMemory ? 'memory' : `pglite:${join(dataDir, domain)}`;
      plan.push({ names: members.map((e) => e.name), domain, region: members.length === 1 ? members[0].name : domain, store });
    }
  }

  /** @type {import('./serve-process.mjs').ServeProcess[]} */
  const processes = [];
  const stopAll = async () => {
    await Promise.all(processes.map((p) => p.stop()));
    if (own) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    for (const p of plan) if (p.store.startsWith('pglite:')) await freshPglite(p.store.slice('pglite:'.length));
    processes.push(
      ...(await Promise.all(
        plan.map((p) =>
          startServe({ store: p.store, region: p.region, ledger: join(dataDir, `ledger-${p.region}.jsonl`), log: (line) => log(`[serve ${p.region}] ${line}`) }),
        ),
      )),
    );
  } catch (err) {
    await stopAll();
    throw err;
  }
  /** @type {Map<string, string>} front name -> serve URL */
  const upstreamOf = new Map();
  plan.forEach((p, i) => p.names.forEach((n) => upstreamOf.set(n, processes[i].url)));

  let backend;
  try {
    backend = await startBackend({
      endpoints: options.endpoints.map(({ name, domain, latencyMs }) => ({ name, domain, latencyMs, upstream: gateway(/** @type {string} */ (upstreamOf.get(name))) })),
      host: '127.0.0.1',
      ports: options.ports,
      orderRef: 'orderRef',
      executions: () => plan.flatMap((p, i) => readLedger(/** @type {string} */ (processes[i].ledger)).map((l) => ({ ...l, domain: p.domain }))),
    });
  } catch (err) {
    await stopAll();
    throw err;
  }
  return {
    backend,
    /** What runs behind the fronts, for the console. */
    servers: plan.map((p, i) => ({ region: p.region, domain: p.domain, fronts: p.names, store: withoutPassword(p.store), url: processes[i].url })),
    dataDir,
    /** Stops the serve processes (the fronts are closed by their control handler or by the caller). */
    close: stopAll,
  };
}

/** A store spec fit for the console: no password. @param {string} spec */
function withoutPassword(spec) {
  if (spec === 'memory' || spec.startsWith('pglite:')) return spec;
  const url = new URL(spec);
  if (url.password) url.password = '***';
  return url.href;
}
