// @ts-check
/**
 * One checkout endpoint = one HTTP server on one loopback port, speaking
 * the wire contract, with a fault that can be switched at run time.
 */
import http from 'node:http';
import { corsHeaders, preflightHeaders } from './cors.mjs';
import { HEALTHY, consumeFault, faultHits, normalizeFault, seededRandom } from './faults.mjs';
import { listen, originOf, readBody, requestUrl, sendText, sleep, untilSettled } from './http-util.mjs';
import { FAULT_HEADER, forward } from './upstream.mjs';

/** @typedef {import('./faults.mjs').Fault} Fault */
/** @typedef {import('./faults.mjs').FaultInput} FaultInput */
/** @typedef {import('./faults.mjs').Route} Route */
/** @typedef {import('./store.mjs').DomainStore} DomainStore */
/** @typedef {import('./store.mjs').Ledger} Ledger */
/** @typedef {import('./log.mjs').RequestLog} RequestLog */
/** @typedef {import('./log.mjs').RequestLogEntry} RequestLogEntry */
/** @typedef {import('node:net').Socket} Socket */

/**
 * What an endpoint shares with its backend.
 * @typedef {object} EndpointContext
 * @property {string} checkoutPath
 * @property {string} lookupPath     template with `{key}` once
 * @property {string | false} healthPath
 * @property {boolean} requireKey
 * @property {number} processMs
 * @property {(body: unknown) => unknown} orderRef
 * @property {(domain: string) => DomainStore} store  the current store of a domain
 * @property {Ledger} ledger
 * @property {RequestLog} log
 * @property {() => AbortSignal} signal  aborts on reset/close: cancels work in flight
 * @property {() => string} nextOrderId
 * @property {() => void} touch          records activity (idle detection)
 * @property {(key: string, endpoint: string, raw: Buffer, fresh: boolean) => void} forwarded
 *   with an upstream: a checkout POST was forwarded; `fresh` when its answer was a new stored outcome
 */

/**
 * @typedef {object} EndpointSpec
 * @property {string} name
 * @property {string} domain
 * @property {string} host        loopback address to bind
 * @property {string} urlHost     host written in the URL
 * @property {number} port        0: ephemeral
 * @property {number} latencyMs
 * @property {import('./upstream.mjs').Upstream | null} upstream  the real backend behind this front, if any
 */

/**
 * @typedef {object} Endpoint
 * @property {string} name
 * @property {string} domain
 * @property {string} url
 * @property {number} port
 * @property {(fault: FaultInput | Fault) => Promise<void>} setFault  throws synchronously on an invalid fault; resolves once it is in effect
 * @property {() => Fault} fault
 * @property {() => Promise<void>} reset   healthy again; silent requests still hanging are cut, held ones released
 * @property {(held: boolean) => void} hold  true: checkout POSTs wait (their key in progress) until false
 * @property {() => Promise<void>} close
 */

/** An answer before it is sent; `text` is already-serialised JSON. */
/** @typedef {{ status: number, text: string | null, headers?: Record<string, string> }} Answer */

/** Re-listening on the same port after `refuse` retries this long if the port is briefly taken. */
const RELISTEN_TRIES = 20;
const RELISTEN_GAP_MS = 100;

/** @param {unknown} value */
const json = (value) => JSON.stringify(value);

/**
 * Ports for endpoints given none (port 0), taken in turn from a range below
 * the kernel's ephemeral ports (32768-60999 on Linux), so never one handed
 * out before in this process: a `refuse` fault closes its endpoint's
 * listener, and a port freed that way, were it ephemeral, could be given to
 * another backend started meanwhile (browser test files run side by side),
 * which would then answer the refused endpoint's requests.
 */
const OWN_PORTS = { first: 20_000, end: 32_000 };
let nextPort = OWN_PORTS.first + Math.floor(Math.random() * (OWN_PORTS.end - OWN_PORTS.first));
const PORT_TRIES = 50;

/**
 * Starts an endpoint listening.
 * @param {EndpointSpec} spec
 * @param {EndpointContext} ctx
 * @returns {Promise<Endpoint>}
 */
export async function startEndpoint(spec, ctx) {
  const { name, domain, host, latencyMs } = spec;
  let fault = HEALTHY;
  /** Draws of a fault with a `rate`, restarted from its seed whenever a fault is set. */
  let draw = seededRandom(1);
  let closed = false;
  /** @type {http.Server | null} */
  let server = null;
  /** @type {Promise<void> | null} */
  let listening = null;
  /** Every open connection, across re-listens, so refuse/close can cut them all. */
  /** @type {Set<Socket>} */
  const sockets = new Set();
  /** Connections holding a silent request (cut on reset). */
  /** @type {Set<Socket>} */
  const hanging = new Set();
  /**
   * While set, checkout POSTs wait on it with their key in progress, until
   * `hold(false)`: an order kept in flight for exactly as long as a test
   * needs, on any machine, instead of for a fixed delay.
   * @type {{ released: Promise<void>, release: () => void } | null}
   */
  let held = null;
  /** @param {boolean} on */
  const hold = (on) => {
    if (on) {
      if (held) return;
      /** @type {() => void} */
      let release = () => {};
      held = { released: new Promise((r) => (release = r)), release };
    } else {
      held?.release();
      held = null;
    }
  };
  /** Connections cut by a refuse fault: their requests are logged as 'refused'. */
  /** @type {WeakSet<Socket>} */
  const cut = new WeakSet();

  const port = await listenOnOwnPort(spec.port).then((s) => {
    server = s;
    return /** @type {{ port: number }} */ (s.address()).port;
  });

  /**
   * Listens on `p`, or for 0 on the next free port of {@link OWN_PORTS}.
   * @param {number} p
   */
  async function listenOnOwnPort(p) {
    if (p !== 0) return listenWithRetry(p, 1);
    for (let i = 1; ; i++) {
      const candidate = nextPort;
      nextPort = nextPort + 1 >= OWN_PORTS.end ? OWN_PORTS.first : nextPort + 1;
      try {
        return await listenWithRetry(candidate, 1);
      } catch (err) {
        if (i >= PORT_TRIES || /** @type {NodeJS.ErrnoException} */ (err).code !== 'EADDRINUSE') throw err;
      }
    }
  }

  /**
   * @param {number} p
   * @param {number} tries
   * @returns {Promise<http.Server>}
   */
  async function listenWithRetry(p, tries) {
    for (let i = 1; ; i++) {
      const s = http.createServer(onRequest);
      // Node would answer `Expect: 100-continue` by itself, before any fault
      // is consulted: a silent or commit-drop endpoint must not send that byte.
      s.on('checkContinue', (req, res) => {
        const route = classify(req.method ?? '', requestUrl(req)?.pathname ?? '');
        const mute = faultHits(fault, route) && (fault.kind === 'silent' || fault.kind === 'commit-drop');
        if (!mute) res.writeContinue();
        onRequest(req, res);
      });
      s.on('connection', (sock) => {
        sockets.add(sock);
        sock.once('close', () => {
          sockets.delete(sock);
          hanging.delete(sock);
        });
      });
      try {
        await listen(s, p, host);
        return s;
      } catch (err) {
        if (i >= tries || /** @type {NodeJS.ErrnoException} */ (err).code !== 'EADDRINUSE') throw err;
        await new Promise((r) => setTimeout(r, RELISTEN_GAP_MS));
      }
    }
  }

  /** Closes the listener now (new connections are refused at once) and cuts every connection. */
  function stopListening() {
    /** @type {Promise<void>} */
    let done = Promise.resolve();
    if (server) {
      const s = server;
      done = new Promise((r) => s.close(() => r()));
      server = null;
    }
    for (const sock of sockets) {
      cut.add(sock);
      sock.destroy();
    }
    return done;
  }

  /** Brings the listener in line with `closed` and the fault; resolves when it is. */
  function sync() {
    if (closed || fault.kind === 'refuse') return stopListening().then(() => listening ?? undefined);
    if (!server && !listening) {
      // Same port as before: URLs handed out stay valid.
      listening = listenWithRetry(port, RELISTEN_TRIES).then(
        (s) => {
          listening = null;
          server = s;
          // A refuse (or close) may have arrived while we were binding.
          if (closed || fault.kind === 'refuse') stopListening();
        },
        (err) => {
          listening = null;
          throw err;
        },
      );
    }
    return listening ?? Promise.resolve();
  }

  /**
   * @param {FaultInput | Fault} input
   * @returns {Promise<void>}
   */
  function setFault(input) {
    if (closed) throw new Error(`endpoint ${name} is closed`);
    fault = normalizeFault(input);
    draw = seededRandom(fault.seed ?? 1);
    // Browser trap: a POST sent on a reused keep-alive socket that closes
    // before any response byte is silently re-sent by Chromium. Close idle
    // sockets now; every answer carries Connection: close while the fault lasts.
    if (fault.kind === 'commit-drop') server?.closeIdleConnections();
    const done = sync();
    // Callers may not await: never let a failed re-listen crash the process unseen.
    done.catch((err) => console.error(`[backend] endpoint ${name}: ${err.message}`));
    return done;
  }

  /** @returns {Fault} */
  const take = () => {
    // With a rate, a matching request is hit only when the seeded draw says so; a miss uses up no count.
    if (fault.rate !== undefined && draw() >= fault.rate) return HEALTHY;
    const f = fault;
    fault = consumeFault(fault);
    return f;
  };

  /**
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   */
  async function onRequest(req, res) {
    ctx.touch();
    const sock = req.socket;
    const url = requestUrl(req);
    if (!url) return sendText(res, 400, json({ error: 'bad_request' }), corsHeaders(req));
    const path = url.pathname;
    const route = classify(req.method ?? '', path);
    const lookupKey = route === 'lookup' ? lookupKeyOf(path) : null;
    const closes = route === 'lookup' && url.searchParams.get('close') === '1';
    const key = route === 'lookup' ? lookupKey : header(req, 'idempotency-key');
    const attempt = Number.parseInt(header(req, 'steadycart-attempt') ?? '', 10);
    const entry = ctx.log.add({
      t: Date.now(),
      endpoint: name,
      method: req.method ?? '',
      path,
      route,
      key,
      attempt: Number.isFinite(attempt) ? attempt : null,
      status: null,
      origin: header(req, 'origin'),
      authorization: header(req, 'authorization'),
      csrf: header(req, 'x-csrf-token'),
      traceparent: header(req, 'traceparent'),
      drill: header(req, 'steadycart-drill'),
    });
    // Decided on arrival, so the dropped POST itself and anything else in
    // flight while the fault lasts closes its connection.
    const dropMode = fault.kind === 'commit-drop';
    const f = faultHits(fault, route) ? take() : HEALTHY;

    if (f.kind === 'silent') {
      entry.status = 'silent';
      hanging.add(sock);
      req.resume(); // read the request, never answer it
      return;
    }

    const signal = ctx.signal();
    try {
      let answer;
      try {
        answer = await answerFor(route, f, req, await readBody(req), lookupKey, closes, signal);
      } catch (err) {
        if (/** @type {{ code?: string }} */ (err).code !== 'too_large') throw err;
        answer = { status: 413, text: json({ error: 'body_too_large' }) };
      }
      if (sock.destroyed) {
        entry.status = cut.has(sock) ? 'refused' : 'aborted';
      } else if (f.kind === 'commit-drop') {
        // Processed (and committed) like a healthy server; the answer is lost.
        sock.destroy();
        entry.status = 'dropped';
      } else if (f.kind === 'stall') {
        // Processed like a healthy server; the head of the answer is sent, its body never.
        res.writeHead(answer.status, { ...corsHeaders(req), ...answer.headers, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(answer.text ?? '')), 'Cache-Control': 'no-store' });
        res.flushHeaders();
        hanging.add(sock);
        entry.status = 'stalled';
      } else {
        const closeConn = dropMode || fault.kind === 'commit-drop';
        sendText(res, answer.status, answer.text, {
          ...corsHeaders(req),
          ...answer.headers,
          ...(closeConn ? { Connection: 'close' } : {}),
        });
        entry.status = answer.status;
      }
    } catch {
      // Client gone before its body arrived, or the backend was reset/closed.
      res.destroy();
      entry.status = cut.has(sock) ? 'refused' : 'aborted';
    }
  }

  /**
   * Works out the answer, waiting the endpoint's latency and any injected
   * delay; commits a new order at the end of that wait.
   * @param {Route | 'other'} route
   * @param {Fault} f
   * @param {http.IncomingMessage} req
   * @param {Buffer} raw
   * @param {string | null} lookupKey
   * @param {boolean} closes  a lookup with `?close=1`
   * @param {AbortSignal} signal
   * @returns {Promise<Answer>}
   */
  async function answerFor(route, f, req, raw, lookupKey, closes, signal) {
    if (f.kind === 'lag') {
      await sleep(/** @type {number} */ (f.ms), signal);
      // The client gave up while the request was still on its way: the server never sees it (unless `arrives`).
      if (req.socket.destroyed && !f.arrives) throw new Error('client gone before the request arrived');
    }
    const wait = latencyMs + (f.kind === 'slow' || f.kind === 'hold' ? /** @type {number} */ (f.ms) : 0);
    if (f.kind === 'status') {
      await sleep(wait, signal);
      const status = /** @type {number} */ (f.status);
      // A page of a layer in front of the API (a maintenance page, a single-page app's fallback route): never the order's outcome.
      if (f.html) return { status, text: `<!doctype html><title>Down for maintenance</title><p>Back soon (${status}).</p>`, headers: { 'Content-Type': 'text/html; charset=utf-8' } };
      return { status, text: json({ error: 'injected_fault', status }), headers: f.retryAfter ? { 'Retry-After': f.retryAfter } : {} };
    }
    if (spec.upstream && route !== 'preflight') return viaUpstream(spec.upstream, route, f, req, raw, wait, signal);
    if (route === 'checkout') return checkout(f, req, raw, wait, signal);
    /** @type {Answer} */
    let answer;
    if (route === 'preflight') answer = { status: 204, text: null, headers: preflightHeaders(req) };
    else if (route === 'health') answer = { status: 200, text: json({ ok: true, endpoint: name, domain }) };
    else if (route === 'lookup') answer = lookup(lookupKey, closes);
    else answer = other(req);
    // Decided on arrival; the answer then takes the round trip back.
    await sleep(wait, signal);
    return answer;
  }

  /**
   * A request no fault answered, handed to the real backend behind the
   * front. The upstream processes it at once; `slow` and `hold` then delay
   * only the answer (the upstream cannot be held "in progress" from here),
   * and `decline` is passed on in a header for an upstream that can realise
   * it. An unreachable upstream is a 502, ambiguous as it would be behind a
   * real proxy.
   * @param {import('./upstream.mjs').Upstream} upstream
   * @param {Route | 'other'} route
   * @param {Fault} f
   * @param {http.IncomingMessage} req
   * @param {Buffer} raw
   * @param {number} wait
   * @param {AbortSignal} signal
   * @returns {Promise<Answer>}
   */
  async function viaUpstream(upstream, route, f, req, raw, wait, signal) {
    const key = route === 'checkout' ? header(req, 'idempotency-key') : null;
    /** @type {Answer} */
    let answer;
    try {
      answer = await forward(upstream, req, raw, signal, f.kind === 'decline' ? { [FAULT_HEADER]: 'decline' } : {});
    } catch (err) {
      if (signal.aborted) throw err;
      answer = { status: 502, text: json({ error: 'upstream_unreachable', message: String(/** @type {Error} */ (err)?.message ?? err) }) };
    }
    if (key !== null) {
      const s = answer.status;
      const stored = (s >= 200 && s < 300) || (s >= 400 && s < 500 && ![400, 408, 409, 413, 422, 425, 429].includes(s));
      ctx.forwarded(key, name, raw, stored && answer.headers?.['Idempotent-Replayed'] === undefined);
    }
    await sleep(wait, signal);
    return answer;
  }

  /**
   * @param {string | null} key
   * @param {boolean} close  `?close=1`: a 404 also closes the key here
   * @returns {Answer}
   */
  function lookup(key, close) {
    const store = ctx.store(domain);
    const rec = key === null ? undefined : store.get(key);
    if (!rec || rec.state === 'closed') {
      // Then the 404 is a promise: a POST of this key that arrives later (it was on its way) is not processed.
      if (key !== null && close) store.close(key);
      return { status: 404, text: json({ error: 'not_found', key }) };
    }
    if (rec.state === 'progress') return { status: 409, text: json({ error: 'in_progress', key }), headers: { 'Retry-After': '1' } };
    // Built from the stored text so the wrapped body is byte-identical to the original answer.
    return { status: 200, text: `{"status":${rec.status},"body":${rec.text}}` };
  }

  /**
   * POST {checkoutPath}: the idempotency rules of the wire contract.
   * @param {Fault} f
   * @param {http.IncomingMessage} req
   * @param {Buffer} raw
   * @param {number} wait
   * @param {AbortSignal} signal
   * @returns {Promise<Answer>}
   */
  async function checkout(f, req, raw, wait, signal) {
    const key = header(req, 'idempotency-key');
    const store = ctx.store(domain);
    /** @type {Answer | null} */
    let early = null;
    /** @type {unknown} */
    let body;
    if (key === null) {
      if (ctx.requireKey) early = { status: 400, text: json({ error: 'missing_idempotency_key' }) };
    } else if (key.length > 255) {
      early = { status: 400, text: json({ error: 'invalid_idempotency_key' }) };
    } else {
      const rec = store.get(key);
      // Looked up and found absent: not processed, here or later; another domain may take it.
      if (rec?.state === 'closed') early = { status: 503, text: json({ error: 'key_closed', key }) };
      else if (rec && !rec.body.equals(raw)) early = { status: 422, text: json({ error: 'idempotency_key_reused', key }) };
      else if (rec?.state === 'progress') early = { status: 409, text: json({ error: 'in_progress', key }), headers: { 'Retry-After': '1' } };
      else if (rec?.state === 'done') early = { status: rec.status, text: rec.text, headers: { 'Idempotent-Replayed': 'true' } };
    }
    if (!early) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        early = { status: 400, text: json({ error: 'invalid_json' }) };
      }
    }
    if (early) {
      await sleep(wait, signal);
      return early;
    }

    if (key !== null) store.begin(key, raw);
    try {
      // The key stays "in progress" for the whole wait; the commit happens
      // whether or not the client is still connected, as on a real server.
      if (held) await untilSettled(held.released, signal);
      await sleep(wait + ctx.processMs, signal);
    } catch (err) {
      if (key !== null) store.abandon(key);
      throw err;
    }
    const declined = f.kind === 'decline';
    const status = declined ? 402 : 201;
    const text = json(declined ? { error: 'card_declined', key } : { orderId: ctx.nextOrderId(), key, status: 'confirmed', endpoint: name, domain });
    if (key !== null) store.commit(key, status, text);
    ctx.ledger.record({
      key,
      domain,
      endpoint: name,
      status,
      body,
      charged: !declined,
      committedAt: Date.now(),
      orderRef: safeOrderRef(body),
    });
    return { status, text };
  }

  /** @param {unknown} body */
  function safeOrderRef(body) {
    try {
      return ctx.orderRef(body) ?? null;
    } catch {
      return null;
    }
  }

  /**
   * @param {http.IncomingMessage} req
   * @returns {Answer}
   */
  function other(req) {
    const path = requestUrl(req)?.pathname ?? '';
    const known = path === ctx.checkoutPath || path === ctx.healthPath || path.startsWith(`${ctx.checkoutPath}/`);
    if (!known) return { status: 404, text: json({ error: 'not_found' }) };
    const allow = path === ctx.checkoutPath ? 'POST, OPTIONS' : 'GET, OPTIONS';
    return { status: 405, text: json({ error: 'method_not_allowed' }), headers: { Allow: allow } };
  }

  /**
   * @param {string} method
   * @param {string} path
   * @returns {Route | 'other'}
   */
  function classify(method, path) {
    if (method === 'OPTIONS') return 'preflight';
    if (method === 'POST' && path === ctx.checkoutPath) return 'checkout';
    const read = method === 'GET' || method === 'HEAD';
    if (read && ctx.healthPath !== false && path === ctx.healthPath) return 'health';
    if (read && lookupKeyOf(path) !== null) return 'lookup';
    return 'other';
  }

  /**
   * The key a lookup path names (`lookupPath` with `{key}` filled in), or null.
   * @param {string} path
   */
  function lookupKeyOf(path) {
    const [before = '', after = ''] = ctx.lookupPath.split('{key}');
    if (!path.startsWith(before) || !path.endsWith(after)) return null;
    const rest = path.slice(before.length, path.length - after.length);
    return rest !== '' && !rest.includes('/') ? decodeKey(rest) : null;
  }

  return {
    name,
    domain,
    url: originOf(spec.urlHost, port),
    port,
    setFault,
    fault: () => fault,
    hold,
    reset() {
      fault = HEALTHY;
      hold(false);
      for (const sock of hanging) sock.destroy();
      return sync();
    },
    async close() {
      closed = true;
      await sync();
    },
  };
}

/**
 * A single request header, or null when absent or empty.
 * @param {http.IncomingMessage} req
 * @param {string} name  lower case
 */
function header(req, name) {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v.join(', ') : v;
  return s ? s : null;
}

/** @param {string} s */
function decodeKey(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}
