// @ts-check
/**
 * startBackend: several endpoints (HTTP servers) grouped into idempotency
 * domains, one global ledger and request log, faults per endpoint.
 */
import { setMaxListeners } from 'node:events';
import { startEndpoint } from './endpoint.mjs';
import { MAX_FAULT_MS } from './faults.mjs';
import { isLoopbackHost } from './http-util.mjs';
import { createRequestLog } from './log.mjs';
import { countDuplicates, createDomainStore, createLedger } from './store.mjs';
import { normalizeUpstream, ordersFromExecutions } from './upstream.mjs';

/** @typedef {import('./faults.mjs').Fault} Fault */
/** @typedef {import('./faults.mjs').FaultInput} FaultInput */
/** @typedef {import('./store.mjs').LedgerSnapshot} LedgerSnapshot */
/** @typedef {import('./log.mjs').RequestLogEntry} RequestLogEntry */

/**
 * @typedef {object} EndpointOptions
 * @property {string} name        unique within the backend
 * @property {string} [domain]    idempotency domain; default: the name (its own domain)
 * @property {number} [latencyMs] added to every answer (a region's round trip); default 0
 * @property {string | import('./upstream.mjs').Upstream} [upstream]  a real checkout backend behind
 *   this endpoint (a loopback base URL or a Fetch handler): requests no fault answers are forwarded
 *   to it, and it keeps the idempotency store (upstream.mjs)
 */

/**
 * @typedef {object} BackendOptions
 * @property {EndpointOptions[]} endpoints
 * @property {string} [host]          loopback address only; default '127.0.0.1'
 * @property {number[]} [ports]       fixed port per endpoint; 0 or missing: ephemeral
 * @property {string} [checkoutPath]  default '/checkout'
 * @property {string} [lookupPath]    template with `{key}` once; default `${checkoutPath}/{key}`
 * @property {string | false} [healthPath]  default '/health'; false: no health route
 * @property {boolean} [requireKey]   default true; false: a keyless POST is charged every time
 * @property {((body: any) => unknown) | string | null} [orderRef]  recognises one logical order
 *   across keys (duplicate counting): a function, a top-level field name, or null; default: body.orderRef
 * @property {number} [processMs]     time a new key stays in progress before its commit; default 0
 * @property {number} [logLimit]      request-log entries kept; default 100000
 * @property {() => readonly import('./upstream.mjs').Execution[]} [executions]  with upstreams: the
 *   handler executions their own ledgers record (read on every `ledger()` call); the ledger is built
 *   from these instead of from the built-in processor
 */

/**
 * @typedef {object} BackendEndpoint
 * @property {string} name
 * @property {string} domain
 * @property {string} url    e.g. 'http://127.0.0.1:41234'
 * @property {number} port
 */

/**
 * @typedef {object} Backend
 * @property {readonly BackendEndpoint[]} endpoints
 * @property {(name: string, fault: FaultInput | Fault) => Promise<void>} setFault
 *   throws at once on an unknown endpoint or invalid fault; takes effect for the
 *   next request; the promise settles when a re-listen (after refuse) is done
 * @property {(name: string) => Fault} fault
 * @property {(name: string, held: boolean) => void} hold  true: the endpoint's checkout POSTs wait, their
 *   key in progress, until it is called with false (or reset); the fault still decides their answer.
 *   Not behind an upstream (the upstream answers at once)
 * @property {() => LedgerSnapshot} ledger
 * @property {(key: string) => number} charges  committed 2xx outcomes of this key, all domains
 * @property {() => RequestLogEntry[]} requests
 * @property {() => Promise<void>} reset  clears faults, ledger, stores and log; cuts work in flight
 * @property {() => Promise<void>} close  closes every server and destroys every socket
 * @property {() => number} lastActivity  epoch ms of the last request or call (idle detection)
 */

const MAX_ENDPOINTS = 32;

/**
 * Starts a backend whose endpoints all listen on loopback ports.
 * @param {BackendOptions} options
 * @returns {Promise<Backend>}
 */
export async function startBackend(options) {
  const o = normalizeOptions(options);
  /** @type {Map<string, import('./store.mjs').DomainStore>} */
  let stores = new Map();
  const ledger = createLedger();
  const log = createRequestLog(o.logLimit);
  /**
   * Cancels the work in flight on reset and close. Every request waiting out its latency listens
   * to it, so a busy backend (the chaos soak) has far more than Node's default of 10 listeners.
   */
  const inFlight = () => {
    const c = new AbortController();
    setMaxListeners(0, c.signal);
    return c;
  };
  let controller = inFlight();
  let seq = 0;
  let last = Date.now();
  const touch = () => {
    last = Date.now();
  };

  /** @type {import('./endpoint.mjs').EndpointContext} */
  const ctx = {
    checkoutPath: o.checkoutPath,
    lookupPath: o.lookupPath,
    healthPath: o.healthPath,
    requireKey: o.requireKey,
    processMs: o.processMs,
    orderRef: o.orderRef,
    store(domain) {
      let s = stores.get(domain);
      if (!s) stores.set(domain, (s = createDomainStore()));
      return s;
    },
    ledger,
    log,
    signal: () => controller.signal,
    nextOrderId: () => `ord_${++seq}`,
    touch,
    forwarded(key, endpoint, raw, fresh) {
      if (!bodies.has(key)) bodies.set(key, parseOrNull(raw));
      if (fresh || !executedBy.has(key)) executedBy.set(key, endpoint);
    },
  };

  // With upstreams: what the front saw of each key, and executions hidden by reset().
  /** @type {Map<string, unknown>} */
  const bodies = new Map();
  /** @type {Map<string, string>} */
  const executedBy = new Map();
  /** @type {Map<string, number>} */
  const firstRead = new Map();
  /** @type {Set<string>} */
  let hidden = new Set();
  /** @param {import('./upstream.mjs').Execution} e */
  const executionId = (e) => `${e.domain}\n${e.key}\n${e.attempt}\n${e.region}`;
  const upstreamLedger = () => {
    // Only orders that came through these fronts: an upstream may serve other clients too.
    const executions = /** @type {NonNullable<typeof o.executions>} */ (o.executions)().filter((e) => bodies.has(e.key) && !hidden.has(executionId(e)));
    const { orders, reruns } = ordersFromExecutions(executions, {
      body: (key) => bodies.get(key),
      endpoint: (key, region) => (byName.has(region) ? region : (executedBy.get(key) ?? region)),
      at(e) {
        const id = executionId(e);
        if (!firstRead.has(id)) firstRead.set(id, Date.now());
        return /** @type {number} */ (firstRead.get(id));
      },
      orderRef: o.orderRef,
    });
    const charged = orders.filter((x) => x.charged);
    return { orders, charges: charged.length, declines: orders.length - charged.length, duplicates: countDuplicates(charged), reruns };
  };

  /** @type {import('./endpoint.mjs').Endpoint[]} */
  const started = [];
  try {
    for (const [i, e] of o.endpoints.entries()) {
      started.push(await startEndpoint({ ...e, host: o.bindHost, urlHost: o.host, port: o.ports[i] ?? 0 }, ctx));
    }
  } catch (err) {
    // Do not leak the servers already started (a fixed port may be taken).
    controller.abort();
    await Promise.all(started.map((ep) => ep.close()));
    throw err;
  }
  const byName = new Map(started.map((ep) => [ep.name, ep]));

  /** @param {string} name */
  const endpoint = (name) => {
    const ep = byName.get(name);
    if (!ep) throw new RangeError(`unknown endpoint ${JSON.stringify(name)}; have ${[...byName.keys()].join(', ')}`);
    return ep;
  };

  /** @param {string} why */
  const cancelInFlight = (why) => {
    controller.abort(Object.assign(new Error(`backend ${why}`), { code: why }));
    controller = inFlight();
  };

  return {
    endpoints: Object.freeze(started.map(({ name, domain, url, port }) => Object.freeze({ name, domain, url, port }))),
    setFault(name, fault) {
      touch();
      return endpoint(name).setFault(fault);
    },
    fault: (name) => endpoint(name).fault(),
    hold(name, held) {
      touch();
      endpoint(name).hold(held);
    },
    ledger: () => (o.executions ? upstreamLedger() : ledger.snapshot()),
    charges: (key) => (o.executions ? upstreamLedger().orders.filter((x) => x.charged && x.key === key).length : ledger.charges(key)),
    requests: () => log.snapshot(),
    async reset() {
      touch();
      // Work in flight belongs to the previous test: cancel it rather than
      // let it commit into the fresh stores.
      cancelInFlight('reset');
      stores = new Map();
      ledger.clear();
      if (o.executions) hidden = new Set(o.executions().map(executionId));
      bodies.clear();
      executedBy.clear();
      log.clear();
      await Promise.all(started.map((ep) => ep.reset()));
    },
    async close() {
      cancelInFlight('closed');
      await Promise.all(started.map((ep) => ep.close()));
    },
    lastActivity: () => last,
  };
}

/**
 * The one place options are checked and defaulted.
 * @param {BackendOptions} options
 */
function normalizeOptions(options) {
  if (!options || typeof options !== 'object') throw new TypeError('startBackend needs an options object');
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || !isLoopbackHost(host)) {
    throw new TypeError(`host must be a loopback address (127.0.0.1, ::1, localhost), got ${JSON.stringify(host)}`);
  }
  const list = options.endpoints;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ENDPOINTS) {
    throw new TypeError(`endpoints must be an array of 1 to ${MAX_ENDPOINTS} endpoints`);
  }
  const names = new Set();
  const endpoints = list.map((e, i) => {
    if (!e || typeof e.name !== 'string' || e.name === '') throw new TypeError(`endpoints[${i}].name must be a non-empty string`);
    if (names.has(e.name)) throw new TypeError(`duplicate endpoint name ${JSON.stringify(e.name)}`);
    names.add(e.name);
    const domain = e.domain ?? e.name;
    if (typeof domain !== 'string' || domain === '') throw new TypeError(`endpoints[${i}].domain must be a non-empty string`);
    return {
      name: e.name,
      domain,
      latencyMs: checkMs(e.latencyMs ?? 0, `endpoints[${i}].latencyMs`),
      upstream: normalizeUpstream(e.upstream, `endpoints[${i}].upstream`),
    };
  });
  const ports = options.ports ?? [];
  if (!Array.isArray(ports) || ports.some((p) => p != null && (!Number.isInteger(p) || p < 0 || p > 65535))) {
    throw new TypeError('ports must be an array of port numbers (0 = ephemeral)');
  }
  const checkoutPath = (options.checkoutPath ?? '/checkout').replace(/\/+$/, '');
  if (!/^\/[^?#]*$/.test(checkoutPath)) throw new TypeError(`checkoutPath must be a path starting with /, got ${JSON.stringify(options.checkoutPath)}`);
  const lookupPath = options.lookupPath ?? `${checkoutPath}/{key}`;
  if (typeof lookupPath !== 'string' || !/^\/[^?#]*$/.test(lookupPath) || lookupPath.split('{key}').length !== 2) {
    throw new TypeError(`lookupPath must be a path starting with / that holds {key} once, got ${JSON.stringify(options.lookupPath)}`);
  }
  const healthPath = options.healthPath ?? '/health';
  if (healthPath !== false && (typeof healthPath !== 'string' || !/^\/[^?#]*$/.test(healthPath))) {
    throw new TypeError(`healthPath must be a path starting with / or false, got ${JSON.stringify(healthPath)}`);
  }
  const requireKey = options.requireKey ?? true;
  if (typeof requireKey !== 'boolean') throw new TypeError('requireKey must be a boolean');
  if (options.executions !== undefined && typeof options.executions !== 'function') throw new TypeError('executions must be a function');
  const logLimit = options.logLimit ?? 100_000;
  if (!Number.isSafeInteger(logLimit) || logLimit < 1) throw new TypeError('logLimit must be a positive integer');
  return {
    host,
    // 'localhost' may resolve to ::1 or 127.0.0.1; bind one address, predictably.
    bindHost: host === 'localhost' ? '127.0.0.1' : host,
    endpoints,
    ports: ports.map((p) => p ?? 0),
    checkoutPath,
    lookupPath,
    healthPath,
    requireKey,
    orderRef: normalizeOrderRef(options.orderRef),
    processMs: checkMs(options.processMs ?? 0, 'processMs'),
    logLimit,
    executions: options.executions,
  };
}

/** @param {Buffer} raw */
function parseOrNull(raw) {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return null;
  }
}

/**
 * @param {BackendOptions['orderRef']} orderRef
 * @returns {(body: any) => unknown}
 */
function normalizeOrderRef(orderRef) {
  if (orderRef === undefined) return (body) => body?.orderRef ?? null;
  if (orderRef === null) return () => null;
  if (typeof orderRef === 'string') return (body) => body?.[orderRef] ?? null;
  if (typeof orderRef === 'function') return orderRef;
  throw new TypeError('orderRef must be a function, a field name or null');
}

/**
 * @param {unknown} ms
 * @param {string} what
 * @returns {number}
 */
function checkMs(ms, what) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_FAULT_MS) {
    throw new TypeError(`${what} must be a number of ms between 0 and ${MAX_FAULT_MS}, got ${JSON.stringify(ms)}`);
  }
  return ms;
}
