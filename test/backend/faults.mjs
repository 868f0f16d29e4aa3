// @ts-check
/**
 * Fault validation and normalisation. A fault is given as a string
 * shorthand (`'refuse'`, `'503'`) or an object `{ kind, ...params, count?,
 * routes? }`; it is normalised once, here, into a frozen, fully-specified
 * form so the endpoint never has to check for missing fields.
 */

/** @typedef {'checkout' | 'lookup' | 'health' | 'preflight'} Route */
/** @typedef {'healthy' | 'refuse' | 'silent' | 'slow' | 'lag' | 'status' | 'commit-drop' | 'stall' | 'decline' | 'hold'} FaultKind */

/**
 * A normalised fault. `count` is the number of matching requests still to be
 * hit (absent: until cleared); `routes` lists the requests it hits.
 * @typedef {object} Fault
 * @property {FaultKind} kind
 * @property {readonly Route[]} routes
 * @property {number} [count]
 * @property {number} [ms]          slow, hold: delay added to the answer; lag: delay before the request is handled
 * @property {boolean} [arrives]    lag: the request is handled even if its client gave up meanwhile (a proxy's
 *                                  queue that does not pass the client's abort on); by default it never arrives then
 * @property {number} [status]      status: the HTTP status answered
 * @property {string} [retryAfter]  status: value of the Retry-After header
 * @property {boolean} [html]       status: the answer is an HTML page (text/html), not the API's JSON
 * @property {number} [rate]        probability (0 < rate <= 1) that a matching request is hit; absent: every one
 * @property {number} [seed]        with rate: seed of the endpoint's random draws (uint32), so runs repeat
 */

/**
 * What callers may pass: a kind, a status shorthand such as `'503'`, or an
 * object.
 * @typedef {string | number | { kind: string, count?: number, routes?: string[], ms?: number, arrives?: boolean, status?: number | string, retryAfter?: string | number, html?: boolean, rate?: number, seed?: number }} FaultInput
 */

/** @type {readonly Route[]} */
export const ROUTES = Object.freeze(['checkout', 'lookup', 'health', 'preflight']);

/** @type {readonly FaultKind[]} */
export const FAULT_KINDS = Object.freeze(['healthy', 'refuse', 'silent', 'slow', 'lag', 'status', 'commit-drop', 'stall', 'decline', 'hold']);

/** Upper bound for any injected delay, so no test can hang forever by mistake. */
export const MAX_FAULT_MS = 600_000;

const ANSWERED = /** @type {readonly Route[]} */ (Object.freeze(['checkout', 'lookup', 'health']));
const CHECKOUT = /** @type {readonly Route[]} */ (Object.freeze(['checkout']));

/**
 * Per kind: default routes, whether routes may be changed, which extra
 * parameters it takes.
 * @type {Record<FaultKind, { routes: readonly Route[], fixedRoutes: boolean, params: readonly string[], counted: boolean }>}
 */
const SPEC = {
  healthy: { routes: [], fixedRoutes: true, params: [], counted: false },
  // Connection level: there is no request to count or route.
  refuse: { routes: ROUTES, fixedRoutes: true, params: [], counted: false },
  silent: { routes: ROUTES, fixedRoutes: false, params: [], counted: true },
  slow: { routes: ANSWERED, fixedRoutes: false, params: ['ms'], counted: true },
  // A slow network path: the request reaches the server `ms` late, and not at all if the client gave up meanwhile
  // (unless `arrives`).
  lag: { routes: ANSWERED, fixedRoutes: false, params: ['ms', 'arrives'], counted: true },
  status: { routes: ANSWERED, fixedRoutes: false, params: ['status', 'retryAfter', 'html'], counted: true },
  'commit-drop': { routes: CHECKOUT, fixedRoutes: false, params: [], counted: true },
  // A proxy whose upstream died mid-answer: the status line and headers arrive, the body never does.
  stall: { routes: ANSWERED, fixedRoutes: false, params: [], counted: true },
  // A refusal and a hold only mean something for a checkout POST.
  decline: { routes: CHECKOUT, fixedRoutes: true, params: [], counted: true },
  hold: { routes: CHECKOUT, fixedRoutes: true, params: ['ms'], counted: true },
};

/** @type {Fault} */
export const HEALTHY = Object.freeze({ kind: 'healthy', routes: Object.freeze([]) });

/** Default delay of `'slow'` / `'hold'` given without `ms`. */
const DEFAULT_MS = 1000;

/**
 * Validates and normalises a fault. Throws a TypeError naming the problem,
 * so a typo in a test (`{ kind: 'slow', delay: 5 }`) fails loudly instead of
 * silently injecting something else.
 * @param {FaultInput | Fault} input
 * @returns {Fault}
 */
export function normalizeFault(input) {
  /** @type {Record<string, unknown>} */
  let f;
  if (typeof input === 'number' || (typeof input === 'string' && /^\d{3}$/.test(input))) {
    f = { kind: 'status', status: Number(input) };
  } else if (typeof input === 'string') {
    f = { kind: input };
  } else if (input && typeof input === 'object' && !Array.isArray(input)) {
    f = { ...input };
  } else {
    throw new TypeError(`fault must be a string or an object, got ${JSON.stringify(input)}`);
  }

  const kind = /** @type {FaultKind} */ (f.kind);
  if (!FAULT_KINDS.includes(kind)) {
    throw new TypeError(`unknown fault kind ${JSON.stringify(f.kind)}; expected one of ${FAULT_KINDS.join(', ')}`);
  }
  const spec = SPEC[kind];
  for (const name of Object.keys(f)) {
    if (name === 'kind' || f[name] === undefined) continue;
    const allowed = spec.params.includes(name) || ((name === 'count' || name === 'rate' || name === 'seed') && spec.counted) || name === 'routes';
    if (!allowed) throw new TypeError(`fault '${kind}' takes no '${name}'`);
  }

  /** @type {Fault} */
  const out = { kind, routes: normalizeRoutes(kind, f.routes) };

  if (f.count !== undefined) {
    if (!Number.isSafeInteger(f.count) || /** @type {number} */ (f.count) < 1) {
      throw new TypeError(`fault count must be a positive integer, got ${JSON.stringify(f.count)}`);
    }
    out.count = /** @type {number} */ (f.count);
  }
  if (f.rate !== undefined || f.seed !== undefined) {
    if (typeof f.rate !== 'number' || !(f.rate > 0 && f.rate <= 1)) {
      throw new TypeError(`fault rate must be a number in (0, 1], got ${JSON.stringify(f.rate)}`);
    }
    const seed = f.seed ?? 1;
    if (!Number.isInteger(seed) || /** @type {number} */ (seed) < 0 || /** @type {number} */ (seed) > 0xffffffff) {
      throw new TypeError(`fault seed must be an integer from 0 to 2^32-1, got ${JSON.stringify(f.seed)}`);
    }
    out.rate = f.rate;
    out.seed = /** @type {number} */ (seed);
  }
  if (kind === 'slow' || kind === 'hold' || kind === 'lag') {
    out.ms = checkMs(f.ms ?? DEFAULT_MS);
  }
  if (f.html !== undefined) {
    if (typeof f.html !== 'boolean') throw new TypeError(`fault html must be true or false, got ${JSON.stringify(f.html)}`);
    out.html = f.html;
  }
  if (f.arrives !== undefined) {
    if (typeof f.arrives !== 'boolean') throw new TypeError(`fault arrives must be true or false, got ${JSON.stringify(f.arrives)}`);
    out.arrives = f.arrives;
  }
  if (kind === 'status') {
    const status = Number(f.status);
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new TypeError(`fault 'status' needs a status between 200 and 599, got ${JSON.stringify(f.status)}`);
    }
    out.status = status;
    if (f.retryAfter !== undefined) {
      const value = String(f.retryAfter);
      // A header value: no line breaks, nothing exotic.
      if (!/^[\x20-\x7e]+$/.test(value)) throw new TypeError(`invalid retryAfter ${JSON.stringify(f.retryAfter)}`);
      out.retryAfter = value;
    }
  }
  return Object.freeze(out);
}

/**
 * @param {FaultKind} kind
 * @param {unknown} routes
 * @returns {readonly Route[]}
 */
function normalizeRoutes(kind, routes) {
  const spec = SPEC[kind];
  if (routes === undefined) return spec.routes;
  if (!Array.isArray(routes) || routes.length === 0) {
    throw new TypeError(`fault routes must be a non-empty array of ${ROUTES.join(', ')}`);
  }
  for (const r of routes) {
    if (!ROUTES.includes(r)) throw new TypeError(`unknown route ${JSON.stringify(r)}; expected ${ROUTES.join(', ')}`);
  }
  const set = new Set(routes);
  // Keep a canonical order so fault(name) reads the same however it was given.
  const normal = Object.freeze(ROUTES.filter((r) => set.has(r)));
  if (spec.fixedRoutes && (normal.length !== spec.routes.length || normal.some((r, i) => r !== spec.routes[i]))) {
    throw new TypeError(`fault '${kind}' always applies to ${spec.routes.join(', ') || 'nothing'}; routes cannot be changed`);
  }
  return normal;
}

/** @param {unknown} ms */
function checkMs(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_FAULT_MS) {
    throw new TypeError(`fault ms must be a number between 0 and ${MAX_FAULT_MS}, got ${JSON.stringify(ms)}`);
  }
  return ms;
}

/**
 * A seeded uniform random source in [0, 1) (mulberry32): the same seed gives
 * the same draws, so a fault with a `rate` hits the same requests every run.
 * @param {number} seed
 * @returns {() => number}
 */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Whether a fault hits a request of this route. A request to an unknown
 * path is hit only by a fault covering the whole endpoint (all routes).
 * @param {Fault} fault
 * @param {Route | 'other'} route
 */
export function faultHits(fault, route) {
  if (route === 'other') return fault.routes.length === ROUTES.length;
  return fault.routes.includes(route);
}

/**
 * The fault after it hit one request: one fewer to go, or healthy when its
 * count is used up.
 * @param {Fault} fault
 * @returns {Fault}
 */
export function consumeFault(fault) {
  if (fault.count === undefined) return fault;
  return fault.count > 1 ? Object.freeze({ ...fault, count: fault.count - 1 }) : HEALTHY;
}
