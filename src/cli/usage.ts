/** The help texts of the `steadycart` command. */

export const MAIN_HELP = `steadycart: checkout backends that keep the wire contract

Usage:
  steadycart serve [flags]          a reference checkout backend (trials, drills, the demo)
  steadycart check URL [flags]      check that a checkout backend keeps the wire contract
  steadycart help [serve|check]     this text, or a command's flags
  steadycart --version              the version of steadycart

Docs: docs/server.md`;

export const SERVE_HELP = `Usage: steadycart serve [flags]

A checkout backend speaking the wire contract (steadycart/server) with a demo
payment handler that behaves like a PSP with idempotency keys: payment token
tok_ok charges, tok_decline and any other token answer 402, and a key the
PSP has seen before is not charged again. Prints exactly one line,
"listening on http://HOST:PORT", once its store is ready. SIGTERM (or SIGINT)
finishes requests in flight, then exits 0; during start-up, it lets the store
finish opening, closes it and exits 0.

Flags:
  --port N               port to listen on; 0 picks a free one (default 8787)
  --host HOST            address to bind (default 127.0.0.1)
  --store SPEC           where idempotency records and the PSP's keys live:
                           memory               this process only; forgets every key on exit
                           pglite:DIR           embedded PostgreSQL in DIR (one process per DIR)
                           postgres://...       a PostgreSQL server (tables created on start)
                           redis://...          a Redis server
                         default: pglite:.steadycart/data
  --region NAME          this process's region, written in answers and the ledger (default local)
  --cors-origin ORIGIN   allow this page origin (repeatable); none: same-origin only
  --handler-delay-ms N   the payment handler takes N ms before the PSP step (default 0)
  --lease-ms N           lease of a running handler, renewed while it runs; a crashed
                         process's keys are taken over after it (default 30000)
  --ledger FILE          append one JSON line per handler execution, flushed to disk:
                           {"key","attempt","region","charged"}
  --metrics              serve the checkout metrics (requests by status, replays, 409s,
                         422s, lease takeovers, store errors, durations) at GET /metrics
                         in Prometheus text format; needs the optional packages
                         @opentelemetry/api, @opentelemetry/sdk-metrics and
                         @opentelemetry/exporter-prometheus
  --help                 this text`;

export const CHECK_HELP = `Usage: steadycart check URL [--region URL]... [--origin ORIGIN] [--order FILE] [--header "Name: value"]... [--json]

Checks, one by one and with the evidence, that the checkout backend at URL
keeps the wire contract: a key is required; a repeat replays the stored status and
body; a changed body is 422 (also while the first request runs); 20
concurrent requests with one key yield one outcome, and a key still running
is answered 409, never try-later (408, 425, 429, 503: "not processed", which
only a key processed nowhere may get); lookups answer 404 only
for unknown keys and 200 {status, body} for processed ones; with --region, the
other endpoints of the same idempotency domain know the key at once and
replay it; with --origin, CORS; the health route; no redirect. It places real
test orders with fresh random keys: run it against staging. URL and every
--region are https: (http: only on localhost, 127.0.0.1 or [::1], as for the SDK).

Flags:
  --region URL           another endpoint of the same idempotency domain (repeatable;
                         neither URL itself nor one given twice)
  --origin ORIGIN        the shop page's origin: check CORS as a browser there would
  --order FILE           a JSON order valid for this backend (default: a demo-shop order, token tok_ok)
  --json                 print {"checks": [{"name", "ok", "required", "evidence"}]}
  --timeout-ms N         per-request timeout (default 10000)
  --header "Name: value" a header the backend wants on every request, as the SDK's
                         headers option sends it (repeatable; e.g. "Authorization: Bearer
                         abc"): sent on every request but preflights, which name it in
                         Access-Control-Request-Headers, as a browser's do (those of the
                         checkout route and, for a GET, of the lookup route), and but one
                         repeat of the first order (replay-without-headers)
  --checkout-path PATH   default /checkout
  --lookup-path TEMPLATE the lookup path, with {key} once, as the SDK's paths.lookup
                         (default: the checkout path, then /{key})
  --health-path PATH     default /health
  --help                 this text

Exit status: 0 every required check passed; 1 a required check failed;
2 the check could not run (unreachable URL, bad flags, unreadable order).
Required checks are the wire contract's musts; its shoulds (quoted keys,
Retry-After on 409, a replay header, a replay without the --header values,
max-age, health) are reported only.
"skip" is no verdict: the check did not apply (no --region, no --origin) or
the run could not bring its case about (the order had finished when the
changed body, the same body again or the lookup was answered, so "while
running" is not verified).`;
