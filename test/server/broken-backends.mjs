// @ts-check
/**
 * Deliberately broken checkout backends, each breaking exactly one rule of
 * the wire contract, for test/server/check.test.mjs: `steadycart check` must fail
 * against each, naming the check for that rule. Every variant is the real
 * `createCheckoutHandler` (dist/server.mjs) on a memory store behind a small
 * Fetch wrapper that breaks the rule, served by node:http on 127.0.0.1; the
 * variant `correct` has no wrapper and must pass.
 *
 *   correct               the handler as it is
 *   no-422                a changed body for a known key replays the first outcome
 *   busy-before-mismatch  a POST for a key still running is 409, whatever its body (409 before 422)
 *   bare-lookup           the lookup answers the stored body bare, not {status, body}
 *   lookup-404-running    the lookup answers 404 while the key is running
 *   ignores-close         a lookup's close=1 is dropped: a 404 does not close the key, whose
 *                         next POST (one still on its way, in real life) runs the order
 *   close-skips-record    a lookup with close=1 answers 404 whatever the key holds (it closes
 *                         without reading the record): a processed or running order looks
 *                         unprocessed to the SDK, which takes it to another domain
 *   closes-every-404      a lookup without close=1 closes a key it finds no record of, too:
 *                         the order's own POST after it is refused as key_closed
 *   split-regions         two regions, each with its own store (not one domain)
 *   no-expose             answers lack Access-Control-Expose-Headers (Retry-After unreadable)
 *   no-trace-headers      preflights allow only the SDK's three headers (not traceparent,
 *                         tracestate, Steadycart-Drill): the advisory `cors-tracing` fails
 *   runs-each-request     no reservation (check, then act): a key's concurrent requests all
 *                         run a deterministic handler, so their answers are identical but
 *                         unmarked; later ones replay, marked
 *   rate-limited          conforming, behind a rate limiter that answers every third order
 *                         POST and lookup 429 with Retry-After: 1: must pass
 *   jsonb-replay          conforming: a replay answers the stored JSON re-serialized, keys
 *                         reordered and spaced (as from a PostgreSQL jsonb column): must pass
 *   no-health             conforming, with no health route: GET /health is a bare 404 with no
 *                         CORS headers (the contract lets a backend have none): must pass,
 *                         the advisory `health` failed
 *   sheds-burst           conforming, behind a per-key admission queue: a key's first POST waits
 *                         1.5 s before it reaches the handler, and any other POST of that key
 *                         meanwhile is shed 429 (no Retry-After), the key reserved by no one yet
 *                         (processed nowhere); once admitted, the handler (3 s) answers them
 *                         409: the burst's other 19 end on 429 after check's five tries: must pass
 *   late-422              conforming as far as check can tell: a changed body is answered (422)
 *                         only once its key's run has finished, so the burst's 422 says nothing
 *                         of the running case: must pass, changed-body-422-while-running
 *                         reported as not verified (skipped)
 *   hides-contended-outcome  the outcome of a key that had concurrent requests is answered
 *                         500 to every POST (the lookup still finds it): the burst gets no
 *                         outcome, and one repeat ends on a 500
 *   empty-outcome         conforming: the handler answers 204 with no body (stored as null)
 *   methods-without-post  conforming: preflights' Access-Control-Allow-Methods lists GET and
 *                         OPTIONS only (POST is CORS-safelisted: browsers allow it anyway)
 *   lookup-200-running    the lookup of a key still running answers 200 with a placeholder
 *                         outcome, {"status":202,"body":{"status":"processing"}}, not 409
 *   processed-then-503    the first POST of each key is processed and its outcome stored, then
 *                         answered 503 with Retry-After: 1 ("not processed; try later"); the
 *                         resend replays the outcome
 *   per-region-reservation  two regions sharing stored outcomes but not the reservation: while
 *                         one runs a key, the other looks it up 404 and runs a POST of it again
 *   region-drops-replay-mark  conforming: two regions on one store, the second behind a proxy
 *                         that drops Idempotent-Replayed: passes, region-replay-header warned
 *   insert-after-charge   no reservation: each POST charges (300 ms), then inserts its outcome
 *                         if none is stored; a loser answers the stored row, marked replayed
 *   blocking              a POST for a key still running waits for it (no 409), then replays;
 *                         the lookup of a running key is 404
 *   short-lease           the key's reservation lapses 1 s after its first POST (never renewed)
 *                         while the handler takes 2 s: a POST sent after its 409's
 *                         Retry-After: 1 runs the order again
 *   allow-headers-star    preflights answer Access-Control-Allow-Headers: *, run with
 *                         --header Authorization: the wildcard never covers Authorization
 *   forgets-old-keys      keeps only the latest key placed: a POST with a new key forgets every
 *                         other, whose next POST runs the order again
 *   refusal-overwrites-body  a changed body for a key with an outcome is 422, and becomes the
 *                         body the key is compared with: the first body is then refused 422
 *   attempt-1-reruns      a POST with Steadycart-Attempt: 1 for a key that has an outcome runs
 *                         the order again (as if attempt 1 always meant a new order)
 *   attempt-1-reruns-same-body  a POST with Steadycart-Attempt: 1 (or none) and the first body for
 *                         a key that has an outcome runs the order again, and a deterministic
 *                         handler answers it the stored bytes, not marked Idempotent-Replayed
 *                         (retries, attempt 2 and up, are replayed, marked)
 *   region-attempt-1-reruns  two regions on one store, the second behind attempt-1-reruns-same-body's
 *                         wrapper: its repeats with Steadycart-Attempt: 1 or none run again,
 *                         unmarked, though its retries are marked replays
 *   reruns-after-422      a changed body for a key is refused 422 but releases the key: the
 *                         next POST of the first body runs the order again, and a handler that
 *                         derives the order from the key answers the same bytes, unmarked
 *   closed-key-other-503  a closed key's POST is not processed, but answered 503 with another
 *                         body ({"error":"unavailable"}), which the SDK cannot tell from any 503
 *   lookup-500-running    conforming: a proxy answers 500 to a lookup of a key still running (a
 *                         pool the burst exhausted), the contract's unknown lookup answer: must
 *                         pass, both "while running" checks reported as not verified (skipped)
 *   lease-retry-after     conforming but for its 409s' Retry-After: 30 (a lock's timeout, where the
 *                         run ends within a second): must pass, busy-retry-after warned
 *   burst-502             conforming, behind a proxy that answers 502 to two POSTs of a key
 *                         while another POST for it is in flight, without passing them on: a
 *                         5xx is ambiguous, no second outcome: must pass
 *   auth-first            conforming, behind a session check that answers 401 to any request
 *                         without Authorization: Bearer check-token, before the idempotency
 *                         store (run with that --header): passes, the advisory
 *                         replay-without-headers failed (a stale session's resend of a
 *                         charged order would be refused, and the shopper pay again)
 *   busy-as-503           a POST of a key whose first POST is still running (the handler takes
 *                         2 s) is answered 503 with Retry-After: 1, whatever its body, where 409
 *                         (or 422) is due: "not processed; try later" for a key that is running,
 *                         which lets the SDK take the order to another domain and charge it twice
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCheckoutHandler, memoryStore, toNodeListener } from '../../dist/server.mjs';

/** The page origin the CORS checks run from. */
export const ORIGIN = 'http://shop.localhost:8080';

/**
 * The broken variants and the required checks each must fail: exactly
 * these (plus `regions: true` when the variant is two URLs); `warns`: the
 * advisory checks it fails (the test watches these, `cors-tracing` and `health`);
 * `skips`: checks it must report without a verdict (`skipped`); `evidence`:
 * what those checks' evidence must match; `args`: more flags for check; `mayFail`: required checks
 * it may fail too, depending on timing; `unverified`: checks among `fails` that may instead come out
 * without a verdict (`skipped`, "not verified") when the machine is too busy for check to meet the
 * key running, never as kept. `delayMs`: the handler holds each
 * order that long and a contended one until its lookup (see holds()); with
 * `holds: false`, just that long. `meetsRunning: false`: the burst's
 * probes need not meet the key running (the test does not require it).
 * @typedef {{ fails: string[], mayFail?: string[], unverified?: string[], warns?: string[], skips?: string[], evidence?: Record<string, RegExp>, regions?: boolean, args?: string[], delayMs?: number, holds?: false, meetsRunning?: false, answer?: 'empty' }} VariantSpec
 * @type {Record<string, VariantSpec>}
 */
export const VARIANTS = {
  correct: {
    fails: [],
    regions: true,
    delayMs: 400,
    evidence: { 'replay-identical': /again, byte for byte$/, 'changed-body-422-while-running': /: 422 .*the lookup sent once it was answered said 409: the key was still running$/ },
  },
  'no-422': { fails: ['changed-body-422', 'changed-body-422-while-running'] },
  // delayMs: the handler holds each order, and a contended one until its lookup (see holds()).
  'busy-before-mismatch': { fails: ['changed-body-422-while-running'], delayMs: 400 },
  'bare-lookup': { fails: ['lookup-stored-outcome'] },
  'lookup-404-running': { fails: ['lookup-while-running'], delayMs: 400 },
  'ignores-close': { fails: ['lookup-closes-key'], evidence: { 'lookup-closes-key': /then POST with that key: 201 .*expected 503 \{"error":"key_closed"\} and 404/ } },
  'close-skips-record': {
    fails: ['lookup-stored-outcome', 'lookup-while-running'],
    delayMs: 400,
    evidence: { 'lookup-stored-outcome': /^lookup answered 404 /, 'lookup-while-running': /^lookup after a 409 for the key: 404/ },
  },
  'closes-every-404': {
    // No first order, so nothing of it is checked either.
    fails: ['order-answered', 'replay-identical', 'changed-body-422', 'lookup-stored-outcome', 'replay-at-end'],
    evidence: { 'order-answered': /\(without close=1\): 404; then POST with that key answered 503 \{"error":"key_closed"\}: the lookup closed the key, and a lookup without close=1 must only look/ },
  },
  'closed-key-other-503': { fails: ['lookup-closes-key'], evidence: { 'lookup-closes-key': /then POST with that key: 503 \{"error":"unavailable"\}.*expected 503 \{"error":"key_closed"\}/ } },
  // The burst, spread over both, runs the order once in each, and one region's lookup finds the other's outcome.
  'split-regions': { fails: ['region-lookup', 'region-replay', 'burst-one-outcome', 'lookup-while-running'], regions: true },
  'no-expose': { fails: ['cors-headers'], warns: ['health'] },
  'no-trace-headers': { fails: [], warns: ['cors-tracing'] },
  // Its lookup also says 404 while the concurrent requests run.
  // Its own store, without reservations, closes no key either.
  'runs-each-request': { fails: ['burst-one-outcome', 'lookup-while-running', 'lookup-closes-key'], unverified: ['lookup-while-running'] },
  'rate-limited': { fails: [] },
  'jsonb-replay': { fails: [], evidence: { 'replay-identical': /again, as equal JSON \(not byte for byte\)$/ } },
  'no-health': { fails: [], warns: ['health'] },
  'sheds-burst': {
    fails: [],
    delayMs: 3000,
    holds: false,
    // The mid-burst lookups (half the first order's 4.5 s) meet the key admitted and running, and so does the same body sent then.
    evidence: {
      'lookup-while-running': /; lookups \d+ ms into the burst .*: 409 /,
      'try-later-while-running': /^the same body again \(sent after a 409.*\): 409 .*the running key was answered 409, not try-later$/,
    },
  },
  'late-422': {
    fails: [],
    skips: ['changed-body-422-while-running'],
    evidence: {
      'changed-body-422-while-running': /^not verified: .*: 422 .*the lookup sent once it was answered said 200, not 409/,
      // The lookup sent during the burst met the key running, though the one after the 422 did not.
      'lookup-while-running': /^lookup after a 409 for the key: 200 .*the key had finished; lookups \d+ ms into the burst .*: 409 /,
    },
    delayMs: 400,
    holds: false,
  },
  'hides-contended-outcome': {
    fails: ['burst-one-outcome'],
    evidence: { 'burst-one-outcome': /no outcome for the key, after 1 repeat, the last answered 500 / },
    delayMs: 400,
  },
  'empty-outcome': { fails: [], answer: 'empty' },
  'methods-without-post': { fails: [] },
  'lookup-200-running': {
    fails: ['lookup-while-running'],
    evidence: { 'lookup-while-running': /^lookup after a 409 for the key: 200 .*lookup says status 202 where the POST answered 201/ },
    delayMs: 400,
  },
  'processed-then-503': {
    fails: ['order-answered'],
    evidence: { 'order-answered': /answered 503 .*yet the lookup sent before asking again answered 200 .*the key was processed/ },
  },
  'per-region-reservation': {
    fails: ['burst-one-outcome', 'lookup-while-running'],
    regions: true,
    delayMs: 600,
    holds: false,
    evidence: { 'burst-one-outcome': /over 2 URLs: .*different outcomes/, 'lookup-while-running': /into the burst .*: 404 .*404 says the key was never seen/ },
  },
  'region-drops-replay-mark': {
    fails: [],
    regions: true,
    warns: ['region-replay-header'],
    evidence: { 'region-replay': /: replayed the outcome$/, 'region-replay-header': /replayed the outcome without Idempotent-Replayed: true/ },
  },
  'insert-after-charge': {
    // No reservation: nothing for a lookup to close either.
    fails: ['lookup-while-running', 'lookup-closes-key'],
    warns: ['busy-retry-after'],
    evidence: { 'lookup-while-running': /^lookup after the burst \(no 409 showed the key running\): 200 .*; lookups \d+ ms into the burst .*: 404 / },
  },
  blocking: {
    fails: ['lookup-while-running'],
    warns: ['busy-retry-after'],
    delayMs: 400,
    holds: false,
    evidence: { 'lookup-while-running': /; lookups \d+ ms into the burst .*: 404 / },
  },
  'short-lease': {
    fails: ['burst-one-outcome'],
    delayMs: 2000,
    holds: false,
    evidence: { 'burst-one-outcome': /resent after a 409's Retry-After: .*different outcomes.*a resend after its 409/ },
  },
  'allow-headers-star': {
    fails: ['cors-preflight'],
    args: ['--header', 'Authorization: Bearer check-token'],
    evidence: {
      'cors-preflight': /Access-Control-Allow-Headers lacks authorization \(the wildcard \* never covers Authorization\)/,
      // A store that answers the key before any session check: the resend without the header is replayed.
      'replay-without-headers': /^repeat without authorization replayed the outcome$/,
    },
  },
  'forgets-old-keys': {
    // The POST of the closed key, new to it, forgets the close as well.
    fails: ['replay-at-end', 'lookup-closes-key'],
    evidence: { 'replay-at-end': /^first order's key, [\d.]+ s after its outcome: lookup answered 404 .*; the repeat .*: the key was forgotten \(retention checked only for this run's/ },
  },
  'refusal-overwrites-body': {
    fails: ['changed-body-422'],
    // The burst's changed body (sent after its first 409) may overwrite the key's body before a 409'd request is sent again, which then gets 422 too.
    mayFail: ['burst-one-outcome'],
    delayMs: 400,
    evidence: { 'changed-body-422': /^same key, another body: 422 .*; then the first body again answered 422 .*the refusal changed what the key holds$/ },
  },
  'attempt-1-reruns': {
    fails: ['replay-identical'],
    // The burst's requests carry attempt 1 too: those that arrive once its first run has ended (on a busy machine) run again.
    mayFail: ['burst-one-outcome'],
    delayMs: 400,
    evidence: { 'replay-identical': /^repeat with Steadycart-Attempt: 1 same status 201 but another body: .*must not make a finished key run again$/ },
  },
  'attempt-1-reruns-same-body': {
    fails: ['replay-identical'],
    // As attempt-1-reruns: the burst's requests that arrive once its first run has ended (on a busy machine) run again, unmarked.
    mayFail: ['burst-one-outcome'],
    delayMs: 400,
    evidence: {
      'replay-identical': /^repeat with Steadycart-Attempt: 1 answered the outcome .*without Idempotent-Replayed: true.*: it ran again, unmarked.*must not make a finished key run again$/,
      'replay-header': /: "true", absent, absent$/,
    },
  },
  'region-attempt-1-reruns': {
    fails: ['region-replay'],
    regions: true,
    warns: ['region-replay-header'],
    // The burst's requests at the second region carry attempt 1: those that arrive there once the key has an outcome run again, unmarked.
    mayFail: ['burst-one-outcome'],
    delayMs: 400,
    evidence: { 'region-replay': /^same key and body POSTed 3 times .*: the repeat with Steadycart-Attempt: 1 answered the outcome without Idempotent-Replayed: true, which \S+ puts on its replays: it ran again, unmarked/ },
  },
  'reruns-after-422': {
    // The burst's changed body (a 422 while its key runs) releases that key too, but the held first run, answered after it, takes the release.
    fails: ['changed-body-422'],
    delayMs: 400,
    // With that release, a fresh-clone run saw no burst POST answered 409 and the lookup after the burst find
    // the key finished: the burst need not meet the key running here.
    meetsRunning: false,
    evidence: { 'changed-body-422': /^same key, another body: 422 .*; then the first body again answered the outcome without Idempotent-Replayed: true, .*it ran again, unmarked/ },
  },
  'lookup-500-running': {
    fails: [],
    delayMs: 400,
    // Its lookups of the running key answer 500: the probes cannot show it running.
    meetsRunning: false,
    skips: ['lookup-while-running', 'changed-body-422-while-running'],
    evidence: { 'lookup-while-running': /^not verified: lookup after a 409 for the key: 500 .*unknown, no conclusion may be drawn; lookups .*: no lookup met the key running$/ },
  },
  'lease-retry-after': {
    fails: [],
    delayMs: 400,
    warns: ['busy-retry-after'],
    evidence: { 'busy-retry-after': /^(\d+) of \1 409 answers carried Retry-After; the longest said 30 s, which holds the SDK's order pending that long/ },
  },
  'burst-502': {
    fails: [],
    delayMs: 400,
    evidence: { 'burst-one-outcome': /^20 concurrent POSTs, one key: .*2x 502.*; every answer was 409, try-later or the one outcome 201 .*, but 2 answered 5xx/ },
  },
  'auth-first': {
    fails: [],
    warns: ['replay-without-headers'],
    args: ['--header', 'Authorization: Bearer check-token'],
    evidence: { 'replay-without-headers': /^repeat without authorization answered 401 .*a check in front of the idempotency store refused it/ },
  },
  'busy-as-503': {
    fails: ['try-later-while-running', 'changed-body-422-while-running'],
    // No POST of the burst's key is ever 409: the first order took 2 s, and its burst showed the key running only to lookups.
    warns: ['busy-retry-after'],
    // Not held: the burst's first POST, held, would wait for probes sent only once the burst is over.
    delayMs: 2000,
    holds: false,
    evidence: {
      'try-later-while-running': /the same body again: 503 .*"not processed; try later".*the lookup sent right after it said 409/,
      'changed-body-422-while-running': /: 503 .*the lookup sent right after it said 409/,
    },
  },
};

/** @typedef {(request: Request) => Promise<Response>} FetchHandler */
/** @typedef {ReturnType<typeof holds>} Holds */

/** Longest a contended order is held waiting for a lookup of its key. */
const HOLD_CAP_MS = 20_000;

/** @param {Request} request */
const keyOf = (request) => request.headers.get('idempotency-key');
/** @param {Request} request */
const isCheckoutPost = (request) => request.method === 'POST' && new URL(request.url).pathname === '/checkout';
/** @param {Request} request */
const isLookup = (request) => request.method === 'GET' && new URL(request.url).pathname.startsWith('/checkout/');
/** @param {Request} request */
const lookupKeyOf = (request) => (isLookup(request) ? decodeURIComponent(new URL(request.url).pathname.slice('/checkout/'.length)) : null);

/**
 * Server-side holds, so that check's in-flight probes meet the key running
 * however slow the machine: an order whose key gets another request while
 * its handler runs (check's burst) is held until a lookup of that key has
 * been answered after a POST of it with another body (check's probes: the
 * changed body, then a lookup), or {@link HOLD_CAP_MS}. The lookups check
 * sends into the burst do not release it: on a loaded machine the probes
 * came after the key had finished.
 */
/** @typedef {{ contended: boolean, body?: string, probed: boolean, release: () => void, released: Promise<void> }} HeldKey */

function holds() {
  /** @type {Map<string, HeldKey>} */
  const running = new Map();
  return {
    /**
     * In the handler: `minMs`, then, if the key was contended meanwhile, until a lookup of it is answered after check's probe.
     * @param {string} key
     * @param {number} minMs
     */
    async hold(key, minMs) {
      /** @type {() => void} */
      let release = () => {};
      const released = new Promise((r) => (release = () => r(undefined)));
      /** @type {HeldKey} */
      const entry = { contended: false, probed: false, release, released: released.then(() => {}) };
      running.set(key, entry);
      try {
        await sleep(minMs);
        if (entry.contended) await Promise.race([entry.released, sleep(HOLD_CAP_MS, undefined, { ref: false })]);
      } finally {
        running.delete(key);
      }
    },
    /**
     * The outermost wrapper: notes contention and check's probe, and releases a key once a lookup of it is answered after that probe.
     * @param {FetchHandler} inner
     * @returns {FetchHandler}
     */
    observe(inner) {
      return async (request) => {
        const lookupKey = lookupKeyOf(request);
        const key = isCheckoutPost(request) ? keyOf(request) : null;
        const entry = key === null ? undefined : running.get(key);
        if (entry) {
          entry.contended = true;
          // The burst's POSTs all carry one body: another one is check's probe.
          const body = await request.clone().text();
          if ((entry.body ??= body) !== body) entry.probed = true;
        }
        const response = await inner(request);
        const held = lookupKey === null ? undefined : running.get(lookupKey);
        if (held?.probed) held.release();
        return response;
      };
    },
  };
}

/**
 * A checkout handler on its own memory store, with a demo handler taking the
 * spec's `delayMs` (held by `hold` unless `holds: false`) and answering 201,
 * or 204 without a body for `answer: 'empty'`.
 * @param {VariantSpec} spec
 * @param {Holds} hold
 * @returns {FetchHandler}
 */
function checkoutHandler(spec, hold) {
  const delayMs = spec.delayMs ?? 0;
  return createCheckoutHandler({
    store: memoryStore(),
    cors: { origins: [ORIGIN] },
    handle: async (_order, { key }) => {
      if (delayMs) await (spec.holds === false ? sleep(delayMs) : hold.hold(key, delayMs));
      if (spec.answer === 'empty') return { status: 204 };
      return { status: 201, body: { orderId: `ord_${randomUUID()}`, key, status: 'confirmed' } };
    },
  });
}

/**
 * The first body seen per key replaces any later one: a changed body is
 * replayed instead of refused.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function no422(inner) {
  return eachCheckoutPost(inner, (request, _key, _body, firstBody) => inner(new Request(request.url, { method: 'POST', headers: request.headers, body: firstBody })));
}

/**
 * Calls `handle` for each checkout POST with a key, with its body's text and
 * the first body seen for that key; passes every other request to `inner`.
 * @param {FetchHandler} inner
 * @param {(request: Request, key: string, body: string, firstBody: string) => Promise<Response>} handle
 * @returns {FetchHandler}
 */
function eachCheckoutPost(inner, handle) {
  /** @type {Map<string, string>} */
  const first = new Map();
  return async (request) => {
    const key = keyOf(request);
    if (!isCheckoutPost(request) || key === null) return inner(request);
    const body = await request.text();
    if (!first.has(key)) first.set(key, body);
    return handle(request, key, body, /** @type {string} */ (first.get(key)));
  };
}

/**
 * A key with a request in flight answers 409 before its body is compared.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function busyBeforeMismatch(inner) {
  /** @type {Set<string>} */
  const running = new Set();
  return async (request) => {
    const key = keyOf(request);
    if (!isCheckoutPost(request) || key === null) return inner(request);
    if (running.has(key)) {
      const cors = { 'Access-Control-Allow-Origin': request.headers.get('origin') ?? '*', 'Access-Control-Expose-Headers': 'Retry-After' };
      return Response.json({ error: 'in_progress' }, { status: 409, headers: { 'Retry-After': '1', ...cors } });
    }
    running.add(key);
    try {
      return await inner(request);
    } finally {
      running.delete(key);
    }
  };
}

/**
 * A response with another body, the same status and headers (length recomputed).
 * @param {Response} response
 * @param {string} body
 */
function withBody(response, body) {
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(body, { status: response.status, headers });
}

/**
 * The lookup's 200 carries the stored body bare.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function bareLookup(inner) {
  return async (request) => {
    const response = await inner(request);
    if (!isLookup(request) || response.status !== 200) return response;
    const { body } = await response.json();
    return withBody(response, JSON.stringify(body));
  };
}

/**
 * Lookups lose their query on the way (as through a proxy that drops it): `close=1` never arrives.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function ignoresClose(inner) {
  return async (request) => {
    if (!isLookup(request)) return inner(request);
    const url = new URL(request.url);
    url.search = '';
    return inner(new Request(url, request));
  };
}

/**
 * A lookup with `close=1` is answered 404 whatever the key holds (the key closed, its record never read).
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function closeSkipsRecord(inner) {
  return async (request) => {
    const answer = await inner(request);
    if (!isLookup(request) || new URL(request.url).searchParams.get('close') !== '1' || answer.status === 404) return answer;
    const notFound = withBody(answer, JSON.stringify({ error: 'not_found' }));
    return new Response(notFound.body, { status: 404, headers: notFound.headers });
  };
}

/**
 * Every lookup closes a key it finds no record of, with `close=1` or without.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function closesEvery404(inner) {
  return async (request) => {
    if (!isLookup(request)) return inner(request);
    const url = new URL(request.url);
    url.searchParams.set('close', '1');
    return inner(new Request(url, request));
  };
}

/**
 * A closed key's POST is answered 503 with a body of its own, not `{"error":"key_closed"}`.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function closedKeyOther503(inner) {
  return async (request) => {
    const answer = await inner(request);
    if (!isCheckoutPost(request) || answer.status !== 503) return answer;
    const text = await answer.text();
    const body = text.includes('"key_closed"') ? '{"error":"unavailable"}' : text;
    return new Response(body, { status: 503, headers: answer.headers });
  };
}

/**
 * The lookup says 404 where it should say 409 (in progress).
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function lookup404Running(inner) {
  return async (request) => {
    const response = await inner(request);
    if (!isLookup(request) || response.status !== 409) return response;
    const notFound = withBody(response, JSON.stringify({ error: 'not_found' }));
    return new Response(notFound.body, { status: 404, headers: notFound.headers });
  };
}

/**
 * The lookup answers 200 with a placeholder outcome (202 "processing") where it should say 409.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function lookup200Running(inner) {
  return async (request) => {
    const response = await inner(request);
    if (!isLookup(request) || response.status !== 409) return response;
    const placeholder = withBody(response, JSON.stringify({ status: 202, body: { status: 'processing' } }));
    placeholder.headers.delete('retry-after');
    return new Response(placeholder.body, { status: 200, headers: placeholder.headers });
  };
}

/**
 * No Access-Control-Expose-Headers on any answer.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function noExpose(inner) {
  return async (request) => {
    const response = await inner(request);
    const headers = new Headers(response.headers);
    headers.delete('access-control-expose-headers');
    return new Response(response.body, { status: response.status, headers });
  };
}

/**
 * Preflights allow only Content-Type, Idempotency-Key and Steadycart-Attempt.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function noTraceHeaders(inner) {
  return preflightsAnswer(inner, 'access-control-allow-headers', 'Content-Type, Idempotency-Key, Steadycart-Attempt');
}

/**
 * Preflights (OPTIONS) answer `name: value` in place of what `inner` says.
 * @param {FetchHandler} inner
 * @param {string} name
 * @param {string} value
 * @returns {FetchHandler}
 */
function preflightsAnswer(inner, name, value) {
  return async (request) => {
    const response = await inner(request);
    if (request.method !== 'OPTIONS') return response;
    const headers = new Headers(response.headers);
    headers.set(name, value);
    return new Response(response.body, { status: response.status, headers });
  };
}

/**
 * No reservation: the key is checked, then the handler runs. Requests for a
 * key that arrive together all run it; a deterministic handler gives each the
 * same 201. Once stored, the outcome is replayed marked `Idempotent-Replayed`.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function runsEachRequest(inner) {
  /** @type {Map<string, { body: string, text: string }>} */
  const stored = new Map();
  return async (request) => {
    const origin = { 'Access-Control-Allow-Origin': request.headers.get('origin') ?? '*', 'Access-Control-Expose-Headers': 'Retry-After' };
    const looked = lookupKeyOf(request);
    const found = looked === null ? undefined : stored.get(looked);
    if (found) return new Response(`{"status":201,"body":${found.text}}`, { status: 200, headers: { 'Content-Type': 'application/json', ...origin } });
    const key = keyOf(request);
    if (!isCheckoutPost(request) || key === null) return inner(request);
    const body = await request.text();
    const done = stored.get(key);
    if (done && done.body !== body) return Response.json({ error: 'idempotency_key_reused' }, { status: 422, headers: origin });
    if (done) return new Response(done.text, { status: 201, headers: { 'Content-Type': 'application/json', 'Idempotent-Replayed': 'true', ...origin } });
    await sleep(200); // the handler's run
    const text = JSON.stringify({ orderId: `ord_${key}`, key, status: 'confirmed' });
    if (!stored.has(key)) stored.set(key, { body, text });
    return new Response(text, { status: 201, headers: { 'Content-Type': 'application/json', ...origin } });
  };
}

/**
 * A rate limiter in front: every third order POST or lookup is 429 with
 * `Retry-After: 1`, never reaching the backend (nothing processed).
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function rateLimited(inner) {
  let n = 0;
  return async (request) => {
    if ((!isCheckoutPost(request) && !isLookup(request)) || ++n % 3) return inner(request);
    const origin = { 'Access-Control-Allow-Origin': request.headers.get('origin') ?? '*', 'Access-Control-Expose-Headers': 'Retry-After' };
    return Response.json({ error: 'rate_limited' }, { status: 429, headers: { 'Retry-After': '1', ...origin } });
  };
}

/**
 * A session check in front of the handler: a request (not a preflight) without the
 * run's bearer token is 401, before the idempotency store sees it.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function authFirst(inner) {
  // Its preflights allow Authorization, beside the SDK's three headers.
  const allowing = async (/** @type {Request} */ request) => {
    const response = await inner(request);
    if (request.method !== 'OPTIONS') return response;
    const headers = new Headers(response.headers);
    headers.set('access-control-allow-headers', `${headers.get('access-control-allow-headers')}, Authorization`);
    return new Response(response.body, { status: response.status, headers });
  };
  return async (request) => {
    if (request.method === 'OPTIONS' || request.headers.get('authorization') === 'Bearer check-token') return allowing(request);
    return Response.json({ error: 'session_expired' }, { status: 401, headers: corsOf(request) });
  };
}

/**
 * Replays the stored body as the same JSON written another way: keys in
 * reverse order, with spaces. The contract asks for the stored status and
 * body, as JSON, not for its bytes (docs/backend-contract.md).
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function jsonbReplay(inner) {
  /** @param {unknown} v @returns {unknown} */
  const reorder = (v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reorder(x)])) : v);
  return async (request) => {
    const response = await inner(request);
    if (!response.headers.has('idempotent-replayed')) return response;
    const text = JSON.stringify(reorder(JSON.parse(await response.text())), null, 1);
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    return new Response(text, { status: response.status, headers });
  };
}

/**
 * No health route: a framework's bare 404, without CORS headers.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function noHealth(inner) {
  return async (request) => (new URL(request.url).pathname === '/health' ? new Response('Not Found', { status: 404 }) : inner(request));
}

/** sheds-burst: how long a key's first POST waits in the admission queue before it reaches the handler. */
const ADMIT_MS = 1500;

/**
 * A per-key admission queue in front of the handler: a key's first POST
 * waits {@link ADMIT_MS} before it reaches the handler, and another POST of
 * that key arriving meanwhile is 429 (no Retry-After), never passed on:
 * nothing has reserved the key yet, so it is processed nowhere, which a
 * try-later answer says. Once the first is admitted, the key's POSTs go to
 * the handler, which answers 409 while the order runs (the spec's delayMs, a
 * slow PSP). (A limiter that sheds a POST whose key the handler is already
 * running answers try-later for a running key: busy-as-503.)
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function shedsBurst(inner) {
  /** @type {Set<string>} keys whose first POST has come */
  const seen = new Set();
  /** @type {Set<string>} keys whose first POST waits to be admitted */
  const waiting = new Set();
  return async (request) => {
    // The IETF draft's quoted form names the same key.
    const key = keyOf(request)?.replace(/^"(.*)"$/, '$1') ?? null;
    if (!isCheckoutPost(request) || key === null) return inner(request);
    if (waiting.has(key)) return Response.json({ error: 'busy' }, { status: 429, headers: corsOf(request) });
    if (!seen.has(key)) {
      seen.add(key);
      waiting.add(key);
      await sleep(ADMIT_MS);
      waiting.delete(key);
    }
    return inner(request);
  };
}

/**
 * A POST whose body differs from the one first seen for its key waits until
 * the key has an outcome (its lookup no longer says 409), then goes on to be
 * refused 422: the refusal only ever meets a finished key.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function late422(inner) {
  return eachCheckoutPost(inner, async (request, key, body, firstBody) => {
    const lookupUrl = new URL(`/checkout/${encodeURIComponent(key)}`, request.url);
    if (firstBody !== body) {
      // Bounded: 10 s at most, the order's hold being 1.5 s.
      for (let i = 0; i < 200 && (await inner(new Request(lookupUrl))).status === 409; i++) await sleep(50);
    }
    return inner(new Request(request.url, { method: 'POST', headers: request.headers, body }));
  });
}

/**
 * A key that had a POST arrive while another for it ran never tells its
 * outcome to a POST: each 2xx for it is turned into a bare 500 (CORS headers
 * kept). The lookup is left alone.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function hidesContendedOutcome(inner) {
  /** @type {Map<string, number>} POSTs in flight per key */
  const inFlight = new Map();
  /** @type {Set<string>} */
  const contended = new Set();
  return async (request) => {
    const key = keyOf(request);
    if (!isCheckoutPost(request) || key === null) return inner(request);
    const before = inFlight.get(key) ?? 0;
    if (before > 0) contended.add(key);
    inFlight.set(key, before + 1);
    /** @type {Response} */
    let response;
    try {
      response = await inner(request);
    } finally {
      inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
    }
    if (!contended.has(key) || response.status >= 300) return response;
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('idempotent-replayed');
    return new Response(JSON.stringify({ error: 'internal' }), { status: 500, headers });
  };
}

/**
 * Preflights list only GET and OPTIONS in Access-Control-Allow-Methods.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function methodsWithoutPost(inner) {
  return preflightsAnswer(inner, 'access-control-allow-methods', 'GET, OPTIONS');
}

/**
 * The first POST of each key runs (charged, outcome stored) but is answered
 * 503 `Retry-After: 1`, a "not processed; try later" answer, whatever its outcome.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function processedThen503(inner) {
  /** @type {Set<string>} */
  const seen = new Set();
  return async (request) => {
    const key = keyOf(request);
    if (!isCheckoutPost(request) || key === null || seen.has(key)) return inner(request);
    seen.add(key);
    await inner(request);
    const origin = { 'Access-Control-Allow-Origin': request.headers.get('origin') ?? '*', 'Access-Control-Expose-Headers': 'Retry-After' };
    return Response.json({ error: 'unavailable' }, { status: 503, headers: { 'Retry-After': '1', ...origin } });
  };
}

/**
 * A request like `request` with another Idempotency-Key (and `body`, read from it before).
 * @param {Request} request
 * @param {string} key
 * @param {string} body
 */
function withKey(request, key, body) {
  const headers = new Headers(request.headers);
  headers.set('idempotency-key', key);
  return new Request(request.url, { method: 'POST', headers, body });
}

/**
 * True for an answer that is a key's stored outcome: 2xx or 4xx, not 409 or 422.
 * @param {Response} response
 */
const isOutcome = (response) => response.status < 500 && response.status !== 409 && response.status !== 422;

/**
 * A POST with `Steadycart-Attempt: 1` and the first body for a key that
 * already has an outcome is taken for a new order: it runs again, under a fresh key of its own.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function attempt1Reruns(inner) {
  /** @type {Set<string>} */
  const answered = new Set();
  return eachCheckoutPost(inner, async (request, key, body, firstBody) => {
    if (answered.has(key) && body === firstBody && request.headers.get('steadycart-attempt') === '1') return inner(withKey(request, randomUUID(), body));
    const response = await inner(withKey(request, key, body));
    if (isOutcome(response)) answered.add(key);
    return response;
  });
}

/**
 * A POST with `Steadycart-Attempt: 1`, or none, and the first body for a key
 * that already has an outcome is taken for a new order: it runs again (one
 * more charge), and a handler that derives the order from the key answers
 * the stored bytes, without `Idempotent-Replayed`. Other attempts replay, marked.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function attempt1RerunsSameBody(inner) {
  /** @type {Set<string>} */
  const answered = new Set();
  return eachCheckoutPost(inner, async (request, key, body, firstBody) => {
    const attempt = request.headers.get('steadycart-attempt');
    const rerun = answered.has(key) && body === firstBody && (attempt === '1' || attempt === null);
    // A rerun is charged again; its answer, the same order derived from the key, is the stored one's bytes.
    const response = await inner(withKey(request, key, body));
    if (isOutcome(response)) answered.add(key);
    if (!rerun || !isOutcome(response)) return response;
    const headers = new Headers(response.headers);
    headers.delete('idempotent-replayed');
    return new Response(response.body, { status: response.status, headers });
  });
}

/**
 * A changed body is refused 422 but releases its key: the next POST of the
 * key's first body that gets an outcome is a new run (one more charge),
 * answered the stored bytes (the order derived from the key) without
 * `Idempotent-Replayed`.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function rerunsAfter422(inner) {
  /** @type {Set<string>} keys released by a 422 */
  const released = new Set();
  return eachCheckoutPost(inner, async (request, key, body, firstBody) => {
    const response = await inner(withKey(request, key, body));
    if (response.status === 422) released.add(key);
    if (body !== firstBody || !released.has(key) || !isOutcome(response)) return response;
    released.delete(key);
    const headers = new Headers(response.headers);
    headers.delete('idempotent-replayed');
    return new Response(response.body, { status: response.status, headers });
  });
}

/**
 * A changed body for a key with an outcome is refused 422 and stored as the
 * key's body: from then on any other body, the first one too, is 422.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function refusalOverwritesBody(inner) {
  /** @type {Map<string, string>} the body each key with an outcome is compared with */
  const compared = new Map();
  return eachCheckoutPost(inner, async (request, key, body) => {
    const stored = compared.get(key);
    if (stored !== undefined && stored !== body) {
      compared.set(key, body);
      const origin = { 'Access-Control-Allow-Origin': request.headers.get('origin') ?? '*', 'Access-Control-Expose-Headers': 'Retry-After' };
      return Response.json({ error: 'idempotency_key_reused' }, { status: 422, headers: origin });
    }
    const response = await inner(withKey(request, key, body));
    if (isOutcome(response) && stored === undefined) compared.set(key, body);
    return response;
  });
}

/**
 * Keeps only the latest key: a POST with a key not seen before forgets every
 * other key, which from then on stands for a fresh key of its own (its
 * lookup 404, its next POST a new run).
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function forgetsOldKeys(inner) {
  /** @type {Map<string, string>} each key seen, and the key the store knows it by now */
  const storedAs = new Map();
  return async (request) => {
    const looked = lookupKeyOf(request);
    if (looked !== null) return inner(new Request(new URL(`/checkout/${encodeURIComponent(storedAs.get(looked) ?? looked)}`, request.url), { headers: request.headers }));
    // The IETF draft's quoted form names the same key.
    const key = keyOf(request)?.replace(/^"(.*)"$/, '$1') ?? null;
    if (!isCheckoutPost(request) || key === null) return inner(request);
    if (!storedAs.has(key)) {
      for (const old of storedAs.keys()) storedAs.set(old, randomUUID());
      storedAs.set(key, key);
    }
    return inner(withKey(request, /** @type {string} */ (storedAs.get(key)), await request.text()));
  };
}

/**
 * Preflights allow any header with the wildcard `*`.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function allowHeadersStar(inner) {
  return preflightsAnswer(inner, 'access-control-allow-headers', '*');
}

/** @param {Request} request */
const corsOf = (request) => ({ 'Access-Control-Allow-Origin': request.headers.get('origin') ?? '*', 'Access-Control-Expose-Headers': 'Retry-After' });

/**
 * Region 2 of per-region-reservation: it shares the stored outcomes
 * (`inner`) but not the reservation. A key running elsewhere (the shared
 * lookup says 409) looks up 404 here, and a POST of it runs again (under a
 * fresh key of its own, in the shared store).
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function ownReservation(inner) {
  /** @param {string} key @param {Request} request */
  const runningElsewhere = async (key, request) => (await inner(new Request(new URL(`/checkout/${encodeURIComponent(key)}`, request.url)))).status === 409;
  return async (request) => {
    const looked = lookupKeyOf(request);
    if (looked !== null && (await runningElsewhere(looked, request))) return Response.json({ error: 'not_found' }, { status: 404, headers: corsOf(request) });
    const key = keyOf(request);
    if (!isCheckoutPost(request) || key === null) return inner(request);
    const body = await request.text();
    return inner(withKey(request, (await runningElsewhere(key, request)) ? randomUUID() : key, body));
  };
}

/**
 * A proxy that drops `Idempotent-Replayed` from every answer.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function dropsReplayMark(inner) {
  return async (request) => {
    const response = await inner(request);
    const headers = new Headers(response.headers);
    headers.delete('idempotent-replayed');
    return new Response(response.body, { status: response.status, headers });
  };
}

/**
 * No reservation: each POST for a key with no stored outcome charges (300
 * ms), then stores its outcome if none is stored yet (INSERT … ON CONFLICT DO
 * NOTHING) and answers the stored row, marked replayed when it lost. Exactly
 * one answer is unmarked, though every request charged.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function insertAfterCharge(inner) {
  /** @type {Map<string, { body: string, text: string }>} */
  const stored = new Map();
  return async (request) => {
    const origin = corsOf(request);
    const looked = lookupKeyOf(request);
    const found = looked === null ? undefined : stored.get(looked);
    if (found) return new Response(`{"status":201,"body":${found.text}}`, { status: 200, headers: { 'Content-Type': 'application/json', ...origin } });
    const key = keyOf(request)?.replace(/^"(.*)"$/, '$1') ?? null;
    if (!isCheckoutPost(request) || key === null) return inner(request);
    const body = await request.text();
    const done = stored.get(key);
    if (done && done.body !== body) return Response.json({ error: 'idempotency_key_reused' }, { status: 422, headers: origin });
    if (done) return new Response(done.text, { status: 201, headers: { 'Content-Type': 'application/json', 'Idempotent-Replayed': 'true', ...origin } });
    await sleep(300); // the charge
    const text = JSON.stringify({ orderId: `ord_${randomUUID()}`, key, status: 'confirmed' });
    const won = !stored.has(key);
    if (won) stored.set(key, { body, text });
    const row = /** @type {{ text: string }} */ (stored.get(key));
    return new Response(row.text, { status: 201, headers: { 'Content-Type': 'application/json', ...(won ? {} : { 'Idempotent-Replayed': 'true' }), ...origin } });
  };
}

/**
 * A POST for a key with one in flight waits for it, then goes on (a replay);
 * the lookup of a running key is 404.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function blocking(inner) {
  /** @type {Map<string, Promise<unknown>>} */
  const running = new Map();
  return lookup404Running(async (request) => {
    const key = keyOf(request);
    if (!isCheckoutPost(request) || key === null) return inner(request);
    // Bounded: each wait is one run of the handler.
    for (let i = 0; i < 50 && running.has(key); i++) await running.get(key);
    const response = inner(request);
    running.set(key, response.catch(() => {}).finally(() => running.delete(key)));
    return response;
  });
}

/** short-lease: how long a key's reservation holds, from its first POST, never renewed. */
const LEASE_MS = 1000;

/**
 * The reservation lapses {@link LEASE_MS} after a key's first POST: a POST
 * answered 409 after that runs the order again (under a fresh key in the
 * store); 409s say `Retry-After: 1`.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function shortLease(inner) {
  /** @type {Map<string, number>} */
  const firstPost = new Map();
  return eachCheckoutPost(inner, async (request, key, body) => {
    if (!firstPost.has(key)) firstPost.set(key, performance.now());
    const response = await inner(withKey(request, key, body));
    if (response.status !== 409) return response;
    if (performance.now() - /** @type {number} */ (firstPost.get(key)) > LEASE_MS) return inner(withKey(request, randomUUID(), body));
    const headers = new Headers(response.headers);
    headers.set('retry-after', '1');
    return new Response(response.body, { status: 409, headers });
  });
}

/**
 * A proxy in front that answers 500 to a lookup of a key still running (the
 * handler's 409 replaced): the contract's unknown lookup answer.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function lookup500Running(inner) {
  return async (request) => {
    const response = await inner(request);
    if (!isLookup(request) || response.status !== 409) return response;
    const failed = withBody(response, JSON.stringify({ error: 'internal' }));
    failed.headers.delete('retry-after');
    return new Response(failed.body, { status: 500, headers: failed.headers });
  };
}

/**
 * Every 409 says Retry-After: 30, as a backend that tells its lock's timeout would.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function leaseRetryAfter(inner) {
  return async (request) => {
    const response = await inner(request);
    if (response.status !== 409) return response;
    const busy = withBody(response, await response.text());
    busy.headers.set('retry-after', '30');
    return new Response(busy.body, { status: 409, headers: busy.headers });
  };
}

/**
 * A proxy in front that answers 502 to two POSTs of a key that arrive while
 * another POST for it is in flight (a pool exhausted by the burst), never
 * passing them on: nothing processed, nothing stored.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function burst502(inner) {
  /** @type {Map<string, number>} POSTs in flight per key */
  const inFlight = new Map();
  /** @type {Map<string, number>} 502s answered per key */
  const failed = new Map();
  return async (request) => {
    const key = keyOf(request);
    if (!isCheckoutPost(request) || key === null) return inner(request);
    if ((inFlight.get(key) ?? 0) > 0 && (failed.get(key) ?? 0) < 2) {
      failed.set(key, (failed.get(key) ?? 0) + 1);
      return Response.json({ error: 'bad_gateway' }, { status: 502, headers: corsOf(request) });
    }
    inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
    try {
      return await inner(request);
    } finally {
      inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
    }
  };
}

/**
 * A POST of a key whose first POST is still running is answered 503 with
 * `Retry-After: 1` ("not processed; try later"), whatever its body, never
 * reaching the handler: a try-later answer for a key that is running.
 * @param {FetchHandler} inner
 * @returns {FetchHandler}
 */
function busyAs503(inner) {
  /** @type {Set<string>} keys whose first POST is running */
  const running = new Set();
  return async (request) => {
    const key = keyOf(request);
    if (!isCheckoutPost(request) || key === null) return inner(request);
    if (running.has(key)) return Response.json({ error: 'unavailable' }, { status: 503, headers: { 'Retry-After': '1', ...corsOf(request) } });
    running.add(key);
    try {
      return await inner(request);
    } finally {
      running.delete(key);
    }
  };
}

/** @type {Record<string, (inner: FetchHandler) => FetchHandler>} */
const REGION_2_WRAPPERS = {
  'per-region-reservation': ownReservation,
  'region-drops-replay-mark': dropsReplayMark,
  'region-attempt-1-reruns': attempt1RerunsSameBody,
};

/** @type {Record<string, (inner: FetchHandler) => FetchHandler>} */
const WRAPPERS = {
  'auth-first': authFirst,
  'busy-as-503': busyAs503,
  'insert-after-charge': insertAfterCharge,
  'burst-502': burst502,
  'lease-retry-after': leaseRetryAfter,
  'lookup-500-running': lookup500Running,
  blocking,
  'short-lease': shortLease,
  'allow-headers-star': allowHeadersStar,
  'forgets-old-keys': forgetsOldKeys,
  'refusal-overwrites-body': refusalOverwritesBody,
  'attempt-1-reruns': attempt1Reruns,
  'attempt-1-reruns-same-body': attempt1RerunsSameBody,
  'reruns-after-422': rerunsAfter422,
  'processed-then-503': processedThen503,
  'lookup-200-running': lookup200Running,
  'late-422': late422,
  'hides-contended-outcome': hidesContendedOutcome,
  'methods-without-post': methodsWithoutPost,
  'no-health': noHealth,
  'sheds-burst': shedsBurst,
  'jsonb-replay': jsonbReplay,
  'runs-each-request': runsEachRequest,
  'rate-limited': rateLimited,
  'no-422': no422,
  'busy-before-mismatch': busyBeforeMismatch,
  'bare-lookup': bareLookup,
  'lookup-404-running': lookup404Running,
  'ignores-close': ignoresClose,
  'close-skips-record': closeSkipsRecord,
  'closes-every-404': closesEvery404,
  'closed-key-other-503': closedKeyOther503,
  'no-expose': noExpose,
  'no-trace-headers': noTraceHeaders,
};

/**
 * Serves a Fetch handler on a free loopback port.
 * @param {FetchHandler} handler
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
async function serveOn(handler) {
  const server = http.createServer(toNodeListener(handler));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Starts a variant: one URL, or two for the variants with `regions` (the
 * correct one shares one handler and store across both, split-regions does
 * not, and a {@link REGION_2_WRAPPERS} variant puts its wrapper before the second).
 * @param {keyof typeof VARIANTS} name
 * @returns {Promise<{ urls: string[], close: () => Promise<void> }>}
 */
export async function startVariant(name) {
  const spec = VARIANTS[name];
  if (!spec) throw new Error(`unknown variant ${name}`);
  const hold = holds();
  const wrap = WRAPPERS[name] ?? ((/** @type {FetchHandler} */ h) => h);
  const inner = wrap(checkoutHandler(spec, hold));
  const shared = hold.observe(inner);
  const region2 = REGION_2_WRAPPERS[name];
  const second = name === 'split-regions' ? checkoutHandler(spec, hold) : region2 ? hold.observe(region2(inner)) : shared;
  const handlers = spec.regions ? [shared, second] : [shared];
  const servers = await Promise.all(handlers.map(serveOn));
  return { urls: servers.map((s) => s.url), close: async () => void (await Promise.all(servers.map((s) => s.close()))) };
}
