#!/usr/bin/env node
// @ts-check
/**
 * npm run size: what steadycart costs a merchant, in bytes over the wire.
 *
 * Measures, minified and minified + gzip (level 9):
 * - dist/steadycart-cart.iife.js  the cart alone (product pages), exactly as shipped   [limit = target]
 * - dist/steadycart.iife.js       the page SDK exactly as shipped                      [limit, target]
 * - dist/steadycart-sw.js         the standalone service worker exactly as shipped     [limit = target]
 * - dist/steadycart-sw-shell.js   its offline shell, loaded only with offlineShell      [limit = target]
 * - dist/steadycart-cart.mjs, dist/steadycart.mjs, dist/sw.mjs bundled with their
 *   dependencies and minified by esbuild, as a merchant's bundler would (for the record;
 *   esbuild, splitting nothing here, inlines the drill chunk into dist/steadycart.mjs)
 * - dist/steadycart.mjs as a splitting bundler ships it (esbuild, `splitting: true`): the
 *   entry chunk and the chunks it imports statically, which is all a page loads when it
 *   configures no service worker and no drill (workbox-window and drill mode are dynamic
 *   imports, loaded only by `serviceWorker` and `drill: true`)
 * - dist/steadycart-drill.mjs (drill mode, loaded only with `drill: true`) and dist/otel.mjs
 *   (steadycart/otel) minified alone, their imports left out: what each adds to a page
 * - the dependencies alone (each one in package.json, then idb + ky + workbox-window's
 *   production build together, then all of them), bundled and minified the same
 *   way (for comparison)
 *
 * Every shipped bundle is reported against its target. Exits 1 when a
 * bundle's gzip size exceeds its hard limit (constants below), or when dist/ is
 * missing (run `npm run build` first); a bundle within its limit but over its
 * target is reported, not failed.
 *
 * Environment:
 *   SKIP_SIZE_FAIL=1   report an overrun as a warning and exit 0, so the rest of
 *                      `npm test` can run while the budget is being worked on.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

/*
 * Budgets, min+gzip bytes of the shipped files.
 *
 * The targets: the cart alone 5,500 B, the page SDK 16,000 B, the
 * worker 15,000 B (they replaced the first 12 kB / 10 kB, which proved too small
 * for the fixed dependencies: ky alone is 4.1 kB of each bundle).
 *
 * Limits fail the build. The cart's limit is its target. The page and the worker
 * are still over their targets (18.3 kB and 17.7 kB when the cart entry landed),
 * so their limits stay the ones they meet today, 19,000 B and 18,500 B (commit
 * "Size budgets: 19,000 B page, 18,500 B worker"): a regression still fails the
 * build, and the targets are tracked by `npm run bench:check`. Once the size cuts
 * land, the page and worker limits become their targets (set LIMIT = TARGET);
 * never raise a limit silently.
 *
 * The page limit was raised from 19,000 B to 21,000 B (commit "Size: page limit
 * 21,000 B"): the page grew from 18,410 B to 20,567 B with the snapshots and the
 * outbox view under steadycart/react (+0.5 kB), visible replay failures and the
 * start-up wiring (+0.4 kB), and the transport and outbox split into readable
 * steps with a pure decision function and validate-once records (+1.2 kB).
 * The 16,000 B target stands and is reported as missed until the size cuts land.
 *
 * The page limit was raised again, to 23,500 B, and the worker's to 19,500 B
 * (commit "Size: page limit 23,500 B, worker 19,500 B"): request headers and
 * per-endpoint paths (+1.0 kB page, +0.5 kB worker), paying again and the
 * order status texts (+0.5 kB page), the waiting order as its own probe and
 * the group-committed drain (+0.4 kB each), working with the shop's own
 * worker, and the hooks steadycart/otel and drill mode need (+0.2 kB page),
 * less the cuts made since (cart 5,534 -> 5,416 B, page -80 B, worker -360 B)
 * took the page from 20,567 B to 23,020 B and the worker from 18,293 B to
 * 19,139 B. The targets stand and are reported as missed.
 *
 * Lowered to 22,900 B (page) and 18,400 B (worker), the shipped figures plus
 * under 200 B, after the cuts that took the page from 23,034 B to 22,737 B and
 * the worker from 19,146 B to 18,225 B (the worker builds a replay-only outbox;
 * header functions are wrapped where options are normalized; one request
 * builder for orders, lookups and probes; table-driven tuning checks): a
 * regression fails the build again. The placer stays a class whose steps are
 * named methods (a version with its steps as closures inside one function was
 * 215 B smaller in the page and 199 B in the worker, and is what the code-health
 * work had taken apart). The targets stand and are reported as missed.
 *
 * The worker's limit was lowered to 16,300 B (commit "Worker: the offline shell
 * is a file of its own"): the standalone worker no longer carries the offline
 * shell's Workbox strategy, which it now loads from dist/steadycart-sw-shell.js
 * only when its pages use `offlineShell`; that took it from 18,345 B to 16,147 B.
 * Its 15,000 B target is still missed, by 1,147 B.
 *
 * The page's limit was raised from 22,900 B to 22,950 B (commit "Outbox: a
 * closed instance's runs send nothing more"): the page stood at 22,900 B
 * exactly, and that fix (a run of a closed instance that slept through a round
 * sent its order when it woke, which the next replayer then sent again) adds 8 B.
 *
 * The worker's limit was lowered to 16,000 B and the page's raised to 23,100 B
 * (commit "Worker: no fall back to memory and no IndexedDB lease"): the
 * worker no longer carries what it can never use, the memory that storage
 * falls back to (a worker replaying from memory would find nothing to send) and
 * the lease that stands in for Web Locks (the worker replays on Background
 * Sync, and every engine that fires it has Web Locks). The page and the cart
 * now pass both in, which costs the page 79 B (22,933 -> 23,012 B) and the
 * cart 39 B (5,427 -> 5,466 B); the worker went from 16,190 B to 15,840 B.
 * Both targets stand and are reported as missed.
 *
 * The worker's limit was lowered to 15,500 B and the page's raised to 23,200 B
 * (commit "Worker: no hedging, no events and no health detail"): the worker's
 * replays send one request at a time (no one waits on them, so a hedge only
 * adds load to a recovering backend), its events go nowhere (its pages learn
 * of orders through the channel) and it no longer builds the `health()` and
 * `endpoint:state` detail no one asks it for. The page keeps all three, in
 * modules of its own (transport/hedge.ts, page/health.ts), which costs it
 * 79 B (23,012 -> 23,091 B); the worker went from 15,840 B to 15,403 B.
 * Both targets stand and are reported as missed.
 *
 * The page's limit was raised from 23,200 B to 23,300 B (commit "Size: page
 * limit 23,300 B, for three fixes"): the page stood at 23,179 B, and three
 * fixes of orders that hung or broke take it to 23,232 B: one timer for a
 * whole exchange (an answer whose body never followed its headers held the
 * order for ever; +15 B), an abort that landed before the run started (with
 * it), and the in-memory lease where Web Locks refuse (a sandboxed frame's
 * placeOrder always rejected; +38 B). Both targets stand and are reported
 * as missed.
 *
 * The page's limit was raised from 23,300 B to 23,400 B (commit "Storage: an
 * order copied into memory is in doubt in every domain"): a page that fell
 * back to memory replayed its copy of an order that another context had
 * meanwhile sent to a domain, and could send it to another domain with no
 * lookup, a double charge. The fix costs 76 B (23,236 -> 23,312 B). The
 * target stands and is reported as missed.
 *
 * The worker's limit was raised from 15,500 B to 15,600 B (commit
 * "Transport: the exchange races its timer and the caller's signal"): under
 * load, WebKit lost aborts on their way through a combined AbortSignal, and
 * an order then waited for its answer however long it took, or for ever (in
 * three loaded runs of test/browser/transport/place-order.test.ts, two
 * failed; with the race, three of three passed). The worker stood at 15,500 B,
 * its limit, after this session's other fixes (15,419 B before them); the
 * race takes it to 15,532 B, and the page to 23,347 B. Both targets stand
 * and are reported as missed.
 *
 * The page's limit was raised from 23,400 B to 23,450 B (commit "Size: page
 * limit 23,450 B, for older Safari and a lookup's 409"): the page stood at
 * 23,398 B. Building ES2022 rather than ES2020 (what ky already needs) saved
 * 19 B (page), 7 B (worker) and 6 B (cart); then requests and locks no longer
 * use `AbortSignal.any` and `AbortSignal.timeout` (every order failed in
 * Safari before 17.4, and placeOrder threw before 16; +23 B), and a lookup's
 * 409 waits for its Retry-After (+9 B): 23,411 B, worker 15,589 B. Both
 * targets stand and are reported as missed.
 *
 * The worker's limit was raised from 15,600 B to 15,650 B (commit "Transport:
 * a closed instance probes nothing; a token that dies during a write-ahead
 * stops the order"): three fixes of requests that left when they should not
 * (an order sent after its caller aborted during a new domain's write-ahead,
 * +7 B; the same when its payment token died then, and a health probe sent
 * by an instance already closed, +10 B) took the worker from 15,588 B to
 * 15,605 B, and the page from 23,411 B to 23,426 B. Both targets stand and
 * are reported as missed.
 *
 * The worker's limit was lowered from 15,650 B to its target, 15,000 B (commit
 * "Size: worker limit = target, 15,000 B"): the standalone worker builds with
 * `STANDALONE_WORKER` (src/build-flags.ts) and so leaves out what only the
 * pages' own options need (15,605 -> 15,255 B), has no memory arms in its
 * storage (15,130 B), and trusts the stored configuration by its format rather
 * than checking its shape field by field (14,917 B).
 *
 * The page's limit was raised from 23,450 B to 23,550 B (commit "Size: page
 * limit 23,550 B, for a lost lease and slow headers functions"): the page
 * stood at 23,433 B. A new order whose IndexedDB lease another context took
 * over (engines without Web Locks) kept sending and then stored its stale
 * outcome over that context's (+53 B); and a `headers` function's time came on
 * top of its attempt's timeout and counted as the endpoint's latency (+26 B):
 * 23,512 B, worker 14,932 B. The page's target stands and is reported as missed.
 *
 * The page's limit was raised from 23,550 B to 23,600 B (commit "Size: page
 * limit 23,600 B, for an order's own allowCardLikeAt and two review fixes"):
 * an order now keeps the paths it was placed with, so that a tab on an older
 * page no longer quarantines (and loses) it (+20 B); a new order whose lease
 * was lost reports what the context that took it over stored, and ky's late
 * call to fetch after an attempt ended is refused (+50 B): 23,582 B, worker
 * 14,964 B. The page's target stands and is reported as missed.
 *
 * The page's limit was raised from 23,600 B to 23,650 B (commit "Size: page
 * limit 23,650 B, for three outbox fixes"): a page in memory only looks up the
 * orders it copied from the database, unless the database was deleted, and a
 * frozen tab's caller hears pending rather than sending (+37 B together); a
 * page keeps asking after an order in flight in another tab, so that a tab
 * closed mid-order leaves no orphan (+11 B): 23,640 B, cart 5,471 B, worker
 * 14,965 B.
 * The page's target stands and is reported as missed.
 *
 * The page's limit was raised from 23,650 B to 23,700 B (commit "Size: page
 * limit 23,700 B, for listeners that throw"): a subscriber of the cart or of
 * the outbox that throws no longer makes subscribe() throw nor keeps the other
 * subscribers from hearing a change (+32 B): 23,672 B, cart 5,470 B, worker
 * 14,965 B. The page's target stands and is reported as missed.
 *
 * The page's limit was raised from 23,700 B to 23,750 B (commit "Size: page
 * limit 23,750 B, for the card guard and the worker's sync"): the card guard
 * catches a number pasted with whitespace around it and a 17-19 digit one sent
 * as a JS number (+30 B; cart 5,488 B, worker 14,996 B), and a page registers
 * the worker's Background Sync as an order starts to be sent and stores no
 * configuration without an outbox (+17 B): 23,719 B. The page's target
 * stands and is reported as missed.
 *
 * The page's limit was raised from 23,750 B to 23,800 B (commit "Outbox: a
 * discard reaches every tab's outbox view"): a replay that fails is tried
 * again on the page's timer (+8 B), and a discard is told to the other tabs
 * on the channel, whose views read the outbox again (+43 B): 23,782 B. The
 * standalone worker now reads only news of circuits off the channel (14,959 B),
 * and the cart alone only news of the cart (5,223 B). The page's target stands
 * and is reported as missed.
 *
 * The page's limit was raised from 23,800 B to 23,850 B (commit "Outbox: while
 * every circuit is open, the page's timer waits for an endpoint in reach"):
 * the timer read the whole outbox every second during an outage; it now waits
 * until an endpoint is in reach (+30 B): 23,812 B, worker 14,983 B. A page
 * its worker controlled as it loaded no longer asks the offline shell to
 * fetch what it loaded again (+16 B): 23,828 B. The page's target stands and
 * is reported as missed.
 *
 * The page's limit was raised from 23,850 B to 23,950 B (commit "Storage: a
 * run in flight as a page falls back to memory keeps its order's copy marks"):
 * a 409's Retry-After is no longer cut short by a circuit closing (+8 B:
 * 23,836 B), and the memory copy of an order keeps its marks when a run that
 * was in flight writes its record back (+63 B): 23,899 B. The page's target
 * stands and is reported as missed.
 *
 * The page bundle keeps the parentheses around its wrapper function (commit
 * "Build: the page's script-tag bundle keeps its wrapper function in
 * parentheses"), so that V8 compiles it as it reads it: its script tag ran
 * about 3 ms faster uncached, for 14 B (23,925 -> 23,939 B, within the limit).
 *
 * A worker woken by a sync while a page drains waits for that drain and then
 * replays what the page left (commit "Worker: a sync that fires while a page
 * drains waits for that drain"): page 23,942 B (+3 B), worker 14,995 B (-1 B).
 *
 * The standalone worker, which checks only bodies it parsed from storage,
 * carries the card checks alone, not the JSON ones (commit "Worker: the
 * standalone worker's card guard leaves out the JSON checks"): worker
 * 14,995 -> 14,880 B; one message for a card number as a key or a value,
 * page 23,932 B, cart 5,216 B.
 *
 * The page's limit was raised from 23,950 B to 24,050 B (commit "Card guard:
 * a barcode under a product-code field is not a card number"): one EAN-13 in
 * ten passes the Luhn check, so a shop sending GTINs as SKUs had about one
 * order line in ten refused. The exception costs the page 70 B (24,002 B),
 * the cart 57 B (5,273 B) and the worker 55 B (14,935 B). The page's target
 * stands and is reported as missed.
 *
 * A sync that finds the endpoints down keeps the worker's circuits replaying
 * for up to 2 minutes (commit "Worker: a sync that finds the endpoints down
 * keeps replaying as their circuits fall due"): worker 14,989 B (+54 B).
 *
 * A circuit that no waiting order may use is probed with its health route
 * (commit "Circuits: a circuit that no waiting order may use is probed with
 * its health route"), and the worker's sync measures its 2 minutes from its
 * start and lets the replay under way finish once the circuits close (commit
 * "Worker: the sync's wait ends 2 minutes after the event began"): page
 * 24,016 B (+14 B); worker 15,051 B, brought back within its limit to
 * 14,969 B by leaving out of the standalone worker the cycle tracking its
 * guard cannot need and the hooks no one connects there. The circuits' timer
 * then asks the outbox per domain only when orders waited (commit "Review:
 * the circuits' timer reads the outbox per domain only when orders waited"):
 * page 24,027 B, worker 14,980 B. It then reads the outbox once for every
 * due circuit instead of once per circuit (commit "Review: the circuits'
 * timer reads the outbox once after its replay"): page 24,038 B (+11 B),
 * worker 14,990 B (+10 B).
 *
 * The page's limit was raised from 24,050 B to 24,300 B (commit "Options: a
 * misspelt option is INVALID_OPTIONS naming it"): an option key steadycart
 * does not know, at any level, was ignored, so a misspelt `paths.lookup` sent
 * lookups to the default path (where a 404 reads "not processed") and a
 * misspelt `domain` split one idempotency domain in two. Refusing it costs
 * 113 B; the messages for a refused path and namespace now state their rule
 * (+43 B; the namespace check is the cart's, shared): 24,271 B, cart 5,286 B
 * (the SKU message gives its 200-character limit), worker unchanged. The
 * page's target stands and is reported as missed.
 *
 * The page's limit was raised from 24,300 B to 24,400 B (commit "Worker
 * updates: a replay's order lock counts as an order in flight"): a replay in
 * a domain its order was sent to already is not stored as sending, so a page
 * could ask a waiting worker to take over while a replay was in flight. The
 * page now also counts the order locks held in any context, and looks again
 * a second later while one is (+73 B): 24,340 B. Circuits stamped far ahead
 * are now refused at load as from another tab (page 24,267 B before this, -4
 * B; worker 14,986 B, -4 B). The page's target stands and is reported as missed.
 *
 * The outbox itself now answers whether an order is in flight, order locks
 * included, which leaves the replay-only worker without the status scan only
 * the page used (commit "Review: one place decides whether an order is in
 * flight; one list of the SDK's own headers; one hook reads the instance"):
 * page 24,317 B (-23 B), worker 14,967 B (-19 B).
 *
 * The page's limit was raised from 24,400 B to 24,500 B (commit "Card-data
 * guard: more spellings, lists and objects under card fields, runs of
 * spaces, track data"): the guard now matches card-field names by pattern
 * rather than a word list, refuses a list or object under such a field, and
 * recognises track data (+28 B of the worker's share) and runs of spaces,
 * and a card number used as a key is no longer repeated in the error's
 * path. With this stop's other fixes (a 409's Retry-After kept for the next
 * replay, close() stopping the worker handle, health read again on
 * subscribe, the request's timeout told to telemetry, drill mode loaded
 * first: +54 B, less 47 B saved by one table of a stored record's field
 * checks), the page went from 24,317 B to 24,435 B, the cart from 5,286 B to
 * 5,368 B, and the worker from 14,967 B to 14,999 B: the worker's card-data
 * messages are short (it only quarantines stored records with them), which
 * keeps it within its 15,000 B target. The page's target stands and is
 * reported as missed.
 *
 * No limit was raised for the fixes of drill mode, the transport (lookups,
 * Retry-After, a new order's first try), the outbox (an entry's own
 * retention, quarantine once), the cart's listeners, the headers option and
 * the circuit records' bounds: they cost 250 B of the page and 168 B of the
 * worker (from 24,458 B and 14,996 B), and the minifier now shortens a list
 * of our own internal member names in the script-tag bundles and the worker
 * (rollup.config.mjs), which saves more: page 24,419 B, worker 14,950 B,
 * cart 5,392 B (24,708 B, 15,164 B and 5,437 B without it). The page's target stands and is
 * reported as missed.
 *
 * The page's Background Sync registration at most once a second (a drain
 * registered it per order) cost the page 48 B: 24,467 B, within its limit.
 *
 * A lease (the lock of a page without Web Locks) counts as lost once it may
 * have run out with no renewal landed, so that a tab frozen past it stops
 * before a failover to another domain: +29 B of the page, 24,496 B, within
 * its limit (the worker has no lease).
 *
 * Without Web Locks, every order left its lease record in IndexedDB for
 * good; a forgotten or discarded order now takes it along (commit "Outbox:
 * an order's lease leaves storage with the order": +19 B, 24,515 B, for
 * which the page's limit went to 24,550 B). A malformed outbox record's body
 * is now checked for card data too, which let an unused flag go (commit
 * "Outbox records: a malformed record's body is checked for card data too":
 * -16 B): page 24,499 B, worker 14,934 B, and the page's limit is back at
 * 24,500 B.
 *
 * The page's limit was raised from 24,500 B to 24,650 B (commit "Size: page
 * limit 24,650 B, for five review fixes"): a page that cannot open a database
 * a newer build upgraded reads what is stored there (+28 B; cart +23 B); a
 * cart change that commits after close() is still told to the other tabs
 * (+37 B; cart +35 B, worker +28 B); a change whose subtotal would pass 2^53
 * is refused (+36 B; cart +41 B); a lookup's answer no longer closes a circuit
 * (-14 B; worker -14 B); a 409's Retry-After holds the order from forced
 * replays too (+28 B; worker +29 B). Page 24,614 B, cart 5,491 B (within its
 * 5,500 B target), worker 14,977 B (within its 15,000 B target). The page's
 * target stands and is reported as missed.
 *
 * The worker's sync loop asks the circuits again after it read the outbox
 * (commit "Worker: a circuit that closes while the sync loop reads the outbox
 * no longer ends the sync"): worker 14,987 B (+10 B), page unchanged.
 *
 * The cart's `remove(sku, qty)` (commit "Cart: remove(sku, qty) takes qty
 * units of a line in one transaction"): page 24,643 B (+15 B), cart 5,485 B,
 * after the commit before it moved the storage's `ready()` out of the cart's
 * bundle (cart -23 B; worker 14,993 B, +1 B).
 *
 * The standalone worker leaves out the storage's in-place update (only the
 * cart, the page's outbox and the lease use it) and the parts of a request
 * that only a page's `fetch` option and `headers` functions need (commit
 * "Worker: no in-place update, and no request context"): worker 14,924 B
 * (-69 B), page 24,644 B (+1 B).
 *
 * A replayed order frees its place in the drain once its answer is in, and
 * stores its outcome while the next one goes (commit "Outbox: a replayed
 * order frees its place in the drain once answered"): the drain of 1,000
 * orders takes 5 to 8% less time, for page 24,681 B (+37 B) and worker
 * 14,960 B (+36 B, within its target). The page's limit went from 24,650 B
 * to 24,700 B for it; its target stands and is reported as missed.
 *
 * A POST answered `503 {"error":"key_closed"}` closes its domain to the order,
 * as a lookup's 404 does, and an order whose key is closed in every domain it
 * may go to ends `failed` (`key-closed`) rather than wait for ever (commit
 * "Transport: a key closed in every domain fails the order"): a lookup whose
 * answer was lost could close a domain the SDK still sent to, and the order
 * stayed pending, its POSTs answered 503 for good. Page 24,747 B (+68 B),
 * worker 15,027 B (+66 B; -8 B of it from a shorter message of a rejected
 * sync). The page's limit went from 24,700 B to 24,750 B, and the worker's
 * from its target, 15,000 B, to 15,050 B: the worker's target is missed by
 * 27 B until that is won back, and both targets are reported as missed.
 *
 * The in-place update is a function of its own, no longer a method of the
 * storage class (commit "Storage: the in-place update is a function"): the
 * standalone worker, which never changes a record in place, had carried it
 * as a stub that threw, and now carries nothing of it. Worker 14,965 B
 * (-62 B), page 24,729 B (-18 B), cart unchanged. The worker's limit is
 * its target again, 15,000 B. (A sync that goes on while an order waits on
 * its own backoff with every circuit closed then took the worker to
 * 14,967 B.)
 *
 * The page's limit was raised from 24,750 B to 24,800 B (commit "Lease: a
 * lease that may have run out is lost when read, not when its timer runs"):
 * a hidden tab's timers run late (Firefox's once a second), so a tab frozen
 * past its lease could wake, take its answer and fail over to another domain
 * before the renewal's timer told it the lease was lost; the placer now reads
 * the lease's age before every step (+54 B): page 24,783 B, worker 14,974 B
 * (+7 B, within its target). The page's target stands and is reported as
 * missed.
 *
 * The page's limit was raised from 24,800 B to 25,000 B (commit "Cart:
 * removeOrdered"): `sc.cart.removeOrdered(id, lines)` takes a kept order's
 * lines out of the cart in one transaction, once per order in every tab,
 * which every shop had to write itself (the demo shop's copy, a Web Lock and
 * a list in localStorage, was longer than this, and could stop halfway).
 * It lives in the full SDK alone (+184 B: page 24,967 B); the cart alone only
 * keeps the record of orders taken out when it writes (+13 B: 5,498 B, within
 * its target). The page's target stands and is reported as missed.
 *
 * The page's limit was raised from 25,000 B to 25,100 B (commit "Outbox:
 * the page drains a fast endpoint 64 orders at once"): a removeOrdered call
 * for an order already taken out writes nothing (+21 B: 24,988 B), and the
 * page's drain goes 64 wide while the endpoint is fast, which takes a fifth
 * off a drain of 1,000 orders; what makes that safe (attempts timed for their
 * place in the browser's queue, latency learnt from requests that did not
 * wait, a first order alone for the CORS preflight, a width from the
 * endpoint's latency, no hedged replays) is the page's alone (+43 B: 25,031 B;
 * the modules' new order in the bundle compresses better); the worker keeps
 * 16 at once (-26 B: 14,948 B). The page's target stands and is reported as
 * missed.
 *
 * The page's limit was raised from 25,100 B to 25,150 B (commits "Transport: a
 * 2xx answered as an HTML page is no answer" and the one after): a maintenance page or a
 * single-page app's fallback route answering 200 in front of the API had
 * orders told confirmed that no backend placed (+20 B: 25,119 B); just
 * before it, a device clock set back no longer holds waiting orders and open
 * circuits for as long (+19 B: 25,099 B). The page's target stands and is
 * reported as missed.
 *
 * The page's limit was lowered from 25,150 B to 25,000 B (commit "Build: the
 * served bundles leave out idb's cursor iterators"): idb installs them as a
 * side effect of its one build file, so no bundler could drop them, and
 * steadycart never iterates a cursor. Cut out of the files a merchant serves
 * as they are (rollup.config.mjs, `idbWithoutIterators`): the cart 5,479 ->
 * 5,249 B, the page 25,119 -> 24,899 B, the worker 14,963 -> 14,734 B. The
 * page's target stands and is reported as missed.
 *
 * The page's limit was raised from 25,000 B to 25,050 B (commit "placeOrder:
 * the same order again while the first call is on its way joins it"): a
 * double-click on Pay placed two orders under two keys, charged twice. After
 * this session's other fixes (a page restored from the back/forward cache
 * reads the cart again, +39 B; the outbox view's reads spaced, +25 B; a
 * settled order told without its run's error, +7 B: 24,970 B), the join
 * takes the page to 25,007 B. The page's target stands and is reported as
 * missed.
 *
 * The page's limit was lowered from 25,050 B to 24,750 B (commit "Size: the
 * page's limit lowered to 24,750 B"): ky reaches its progress streams only
 * through two options steadycart never sets, and the bundles a merchant
 * serves as they are now leave them out (rollup.config.mjs,
 * `kyWithoutProgress`): page -421 B, worker -398 B. The same stop made a page
 * that stays open forget finished orders (+77 B) and a closed instance
 * collectable (commits "Page worker: a closed instance lets go of the
 * registration, its workers and the container's ready promise", +39 B, and
 * "Page worker: what outlives an instance keeps nothing of it in the minified
 * bundles", +14 B, paid for in part by "Options: one check that an option is
 * an object", -18 B): the page is 24,698 B. The page's target stands and is
 * reported as missed.
 */
/** @typedef {{ limit: number, target: number }} Budget */
/** @type {Record<'cart' | 'page' | 'worker', Budget>} */
export const BUDGETS = {
  cart: { limit: 5_500, target: 5_500 },
  page: { limit: 24_750, target: 16_000 },
  worker: { limit: 15_000, target: 15_000 },
};

/**
 * The standalone worker's offline shell, a file of its own that the worker loads
 * only when its pages use `offlineShell` (commit "Worker: the offline shell is a
 * file of its own"). No target of its own: its limit is its size when it was
 * split off (2,787 B) plus about 100 B.
 */
const SHELL = { limit: 2_900, target: 2_900 };

const require = createRequire(import.meta.url);
/** The repository root: every path below is relative to it. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** For the dependency rows: the build of workbox-window the page imports (src/page/worker.ts), not the package's ES5 `module` build. */
/** @type {esbuild.Plugin} */
const workboxProd = {
  name: 'workbox-window-prod',
  setup(build) {
    build.onResolve({ filter: /^workbox-window$/ }, () => ({
      path: require.resolve('workbox-window/build/workbox-window.prod.mjs'),
    }));
  },
};

/**
 * How a merchant's bundler builds for the browser: esbuild, ESM, minified, es2020.
 * @type {esbuild.BuildOptions & { write: false }}
 */
const BUNDLER = {
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  legalComments: 'none',
  // As rollup.config.mjs does: Workbox modules branch on NODE_ENV; measure their production paths.
  define: { 'process.env.NODE_ENV': '"production"' },
  plugins: [workboxProd],
  write: false,
  logLevel: 'error',
};

/**
 * Bundles `contents` (an ES module) with its dependencies and minifies it, as
 * a merchant's bundler would.
 * @param {string} contents
 * @returns {Promise<Uint8Array>}
 */
async function bundle(contents) {
  const out = await esbuild.build({
    ...BUNDLER,
    stdin: { contents, resolveDir: ROOT, loader: 'js' },
  });
  const file = out.outputFiles[0];
  if (!file) throw new Error('esbuild produced no output');
  return file.contents;
}

/** Runtime dependencies, from package.json. */
const DEPENDENCIES = Object.keys(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).dependencies ?? {}).sort();
/** The page SDK's dependencies: the comparison the budget is argued from. */
const PAGE_DEPENDENCIES = ['idb', 'ky', 'workbox-window'].filter((d) => DEPENDENCIES.includes(d));

/**
 * A module that keeps every export of `packages` (namespace re-exports, so
 * same-named exports of two packages do not cancel each other out).
 * @param {string[]} packages
 */
const everything = (packages) =>
  packages.map((p, i) => `import * as d${i} from ${JSON.stringify(p)};`).join('\n') + `\nexport { ${packages.map((_, i) => `d${i}`).join(', ')} };`;

/** @param {Uint8Array} bytes */
const gzipSize = (bytes) => gzipSync(bytes, { level: 9 }).length;

/**
 * @typedef {object} Row
 * @property {string} name
 * @property {number} min
 * @property {number} gzip
 * @property {Budget} [budget]
 */

/** @param {string} path relative to the repository root */
function shipped(path) {
  if (!existsSync(join(ROOT, path))) throw new Error(`${path} is missing: run \`npm run build\` first`);
  return readFileSync(join(ROOT, path));
}

/** @param {string} name @param {Uint8Array} bytes @param {Budget} [budget] @returns {Row} */
const row = (name, bytes, budget) => ({ name, min: bytes.length, gzip: gzipSize(bytes), budget });

/**
 * A built ES module bundled with the dependencies it imports and minified by
 * esbuild: what a merchant's bundler ships (bench/size.mjs shows it too).
 * @param {string} path relative to the repository root
 */
export function withDeps(path) {
  shipped(path); // fails clearly when not built
  return bundle(`export * from ${JSON.stringify(`./${path}`)};`);
}

/**
 * A built ES module minified on its own, its imports left as imports: what a
 * chunk or an add-on entry adds over what the page already loads.
 * @param {string} path relative to the repository root
 */
async function minifiedAlone(path) {
  const { code } = await esbuild.transform(shipped(path), { minify: true, format: 'esm', target: 'es2020', legalComments: 'none' });
  return new TextEncoder().encode(code);
}

/**
 * What a page loads of a built ES module when its bundler splits dynamic
 * imports into chunks: the entry chunk and every chunk it imports statically
 * (concatenated, so gzip sees them as one stream: a slight underestimate of
 * separate files).
 * @param {string} path relative to the repository root
 */
export async function staticPart(path) {
  shipped(path);
  const out = await esbuild.build({
    ...BUNDLER,
    entryPoints: [join(ROOT, path)],
    splitting: true,
    outdir: join(ROOT, 'node_modules/.cache/size'),
    metafile: true,
  });
  const outputs = out.metafile.outputs;
  const entry = Object.keys(outputs).find((name) => outputs[name]?.entryPoint);
  if (!entry) throw new Error(`esbuild produced no entry chunk for ${path}`);
  /** @type {string[]} */
  const loaded = [];
  /** @param {string} name */
  const visit = (name) => {
    if (loaded.includes(name)) return;
    loaded.push(name);
    for (const i of outputs[name]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entry);
  const files = new Map(out.outputFiles.map((f) => [f.path, f.contents]));
  const parts = loaded.map((name) => files.get(join(ROOT, name)) ?? new Uint8Array());
  const total = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    total.set(p, offset);
    offset += p.length;
  }
  return total;
}

/** @returns {Promise<Row[]>} */
async function measure() {
  return [
    row('dist/steadycart-cart.iife.js (cart alone, shipped)', shipped('dist/steadycart-cart.iife.js'), BUDGETS.cart),
    row('dist/steadycart.iife.js (page, shipped)', shipped('dist/steadycart.iife.js'), BUDGETS.page),
    row('dist/steadycart-sw.js (worker, shipped)', shipped('dist/steadycart-sw.js'), BUDGETS.worker),
    row('dist/steadycart-sw-shell.js (its offline shell, loaded only with offlineShell)', shipped('dist/steadycart-sw-shell.js'), SHELL),
    row('dist/steadycart-cart.mjs + deps, minified', await withDeps('dist/steadycart-cart.mjs')),
    row('dist/steadycart.mjs + deps, minified', await withDeps('dist/steadycart.mjs')),
    row('dist/steadycart.mjs + deps, split: no service worker, no drill', await staticPart('dist/steadycart.mjs')),
    row('dist/sw.mjs + deps, minified', await withDeps('dist/sw.mjs')),
    row('dist/steadycart-drill.mjs (drill: true only), minified', await minifiedAlone('dist/steadycart-drill.mjs')),
    row('dist/otel.mjs (steadycart/otel, API external), minified', await minifiedAlone('dist/otel.mjs')),
    ...(await Promise.all(DEPENDENCIES.map(async (d) => row(`deps: ${d}${d === 'workbox-window' ? ' (prod)' : ''}`, await bundle(everything([d])))))),
    row(`deps: ${PAGE_DEPENDENCIES.join(' + ')}`, await bundle(everything(PAGE_DEPENDENCIES))),
    ...(DEPENDENCIES.length > PAGE_DEPENDENCIES.length ? [row(`deps: all ${DEPENDENCIES.length}`, await bundle(everything(DEPENDENCIES)))] : []),
  ];
}

/** @param {number} n */
const fmt = (n) => n.toLocaleString('en-US');

/**
 * @param {Row[]} rows
 * @returns {{ over: string[], missed: string[] }} bundles over their limit (fail), and over their target only (reported)
 */
function print(rows) {
  const w = Math.max(...rows.map((r) => r.name.length));
  /** @param {string} name @param {string} min @param {string} gz @param {string} target @param {string} limit @param {string} verdict */
  const line = (name, min, gz, target, limit, verdict) =>
    `${name.padEnd(w)}  ${min.padStart(8)}  ${gz.padStart(8)}  ${target.padStart(8)}  ${limit.padStart(8)}  ${verdict}`.trimEnd();
  console.log(line('bundle', 'min', 'min+gz', 'target', 'limit', ''));
  /** @type {string[]} */
  const over = [];
  /** @type {string[]} */
  const missed = [];
  for (const r of rows) {
    let verdict = '';
    const b = r.budget;
    if (b) {
      const name = `${r.name}: ${fmt(r.gzip)} B gzip`;
      if (r.gzip > b.limit) {
        verdict = `FAIL: over the limit by ${fmt(r.gzip - b.limit)}`;
        over.push(`${name} > limit ${fmt(b.limit)} B`);
      } else if (r.gzip > b.target) {
        verdict = `over target by ${fmt(r.gzip - b.target)} (within the limit)`;
        missed.push(`${name} > target ${fmt(b.target)} B, by ${fmt(r.gzip - b.target)} B`);
      } else verdict = `ok (${fmt(b.target - r.gzip)} left)`;
    }
    console.log(line(r.name, fmt(r.min), fmt(r.gzip), b ? fmt(b.target) : '', b ? fmt(b.limit) : '', verdict));
  }
  console.log('(bytes; gzip level 9; targets are goals, limits fail the build; both apply to the shipped files)');
  return { over, missed };
}

/** Measures, prints, and exits 1 over a limit (see the top of this file). */
async function main() {
  process.chdir(ROOT);
  const skipFail = process.env.SKIP_SIZE_FAIL === '1';
  const { over, missed } = print(await measure());
  // Reported, not failed: these targets are tracked by `npm run bench:check` until they become limits.
  for (const m of missed) console.error(`note: over target: ${m}`);
  if (over.length) {
    for (const o of over) console.error(`${skipFail ? 'warning' : 'error'}: size limit exceeded: ${o}`);
    if (skipFail) console.error('SKIP_SIZE_FAIL=1: size overrun reported as a warning only.');
    else process.exit(1);
  }
}

// Imported (bench/size.mjs reads BUDGETS), it only defines; run, it measures.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`size: ${/** @type {Error} */ (err)?.message ?? err}`);
    process.exit(1);
  });
}
