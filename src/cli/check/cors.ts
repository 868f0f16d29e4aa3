/**
 * CORS (docs/backend-contract.md): a preflight from the shop's origin allows the SDK's
 * three headers; every answer names the origin and exposes Retry-After;
 * preflights should be cached (Access-Control-Max-Age) and should allow the
 * headers of steadycart/otel and drill mode.
 */
import { RESERVED } from '../../transport/reserved';
import { headerList, statusText, type Exchange } from './http';
import { freshKey, type CheckContext } from './context';
import { must, should, type CheckResult } from './result';

/** Sent only by steadycart/otel (W3C trace context) and drill mode: advisory. */
const TRACING_HEADERS = ['traceparent', 'tracestate', 'steadycart-drill'];
/** Answers quoted in evidence before "and N more". */
const QUOTED = 3;

/** Request headers a browser sends without naming them in a preflight (with the values a merchant would give them). */
const SAFELISTED_HEADERS = ['accept', 'accept-language', 'content-language'];

/**
 * `cors-preflight`, `cors-max-age` and `cors-tracing`, on every URL. The
 * preflights name the SDK's headers and `merchantHeaders` (`--header` names,
 * lower case), as a browser would for the SDK with those configured. The
 * merchant's headers also go on lookups (GETs, which carry none of the SDK's
 * own), so with any of them `cors-preflight` also preflights each URL's
 * lookup route, as a browser does before the SDK's first lookup there.
 */
export async function preflights(ctx: CheckContext, origin: string, merchantHeaders: readonly string[] = []): Promise<CheckResult[]> {
  const merchant = merchantHeaders.filter((h) => !SAFELISTED_HEADERS.includes(h) && !RESERVED.includes(h));
  const requested = [...RESERVED, ...merchant];
  const targets = [ctx.primary, ...ctx.regions];
  /** Preflights of a POST to each URL's checkout route, or of a GET to its lookup route. */
  const ask = (label: string, headers: readonly string[], method: 'POST' | 'GET' = 'POST') =>
    Promise.all(
      targets.map((t) =>
        ctx.prober.send({
          label,
          method: 'OPTIONS',
          url: method == 'POST' ? t.checkout : t.lookup(freshKey()),
          headers: { 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': headers.join(', ') },
        }),
      ),
    );
  const answers = await ask('CORS preflight', requested);
  // Without a merchant header a lookup is a simple request: the browser sends no preflight.
  const lookups = merchant.length ? await ask('CORS preflight of a lookup', merchant, 'GET') : [];
  const bad = [
    ...answers.map((x) => ({ x, what: '', wrong: preflightProblems(x, origin, requested) })),
    ...lookups.map((x) => ({ x, what: ' (the lookup route, for a GET)', wrong: preflightProblems(x, origin, merchant) })),
  ].filter((p) => p.wrong.length > 0);
  const ages = answers.map((x) => x.headers['access-control-max-age']);
  const tracing = await ask('CORS preflight (trace context, drills)', [...requested, ...TRACING_HEADERS]);
  const untraced = tracing.map((x) => ({ x, wrong: preflightProblems(x, origin, TRACING_HEADERS) })).filter((p) => p.wrong.length > 0);
  return [
    must(
      'cors-preflight',
      bad.length === 0,
      bad.length === 0
        ? `OPTIONS from ${origin} allowed ${requested.join(', ')} at ${answers.length} URL(s)${lookups.length ? `, and ${merchant.join(', ')} for a GET at their lookup routes` : ''}`
        : bad.map((p) => `OPTIONS ${p.x.probe.url}${p.what} from ${origin}: ${p.wrong.join('; ')}`).join(' | '),
    ),
    should(
      'cors-max-age',
      ages.every((a) => a !== undefined && Number(a) > 0),
      `Access-Control-Max-Age: ${ages.map((a) => a ?? 'absent').join(', ')}`,
    ),
    should(
      'cors-tracing',
      untraced.length === 0,
      untraced.length === 0
        ? `OPTIONS from ${origin} allowed ${TRACING_HEADERS.join(', ')} (steadycart/otel, drill mode) at ${tracing.length} URL(s)`
        : untraced.map((p) => `OPTIONS ${p.x.probe.url}: ${p.wrong.join('; ')} (needed by steadycart/otel and drill mode only)`).join(' | '),
    ),
  ];
}

/**
 * Whether an `Access-Control-Allow-Headers` list (lower case) lets a request
 * carry header `h`: named, or the wildcard `*`, which by the Fetch standard
 * covers every name but `Authorization`.
 */
function allowsHeader(allowed: readonly string[], h: string): boolean {
  return allowed.includes(h) || (allowed.includes('*') && h !== 'authorization');
}

/** What is wrong with a preflight's answer for a request with `headers` (the non-safelisted ones it names). */
function preflightProblems(x: Exchange, origin: string, headers: readonly string[]): string[] {
  if (x.status === null || x.status < 200 || x.status >= 300) return [`answered ${statusText(x)}, not 2xx`];
  const wrong: string[] = [];
  const allowOrigin = x.headers['access-control-allow-origin'];
  if (allowOrigin !== origin && allowOrigin !== '*') wrong.push(`Access-Control-Allow-Origin is ${allowOrigin ?? 'absent'}`);
  const allowed = headerList(x, 'access-control-allow-headers');
  const missing = headers.filter((h) => !allowsHeader(allowed, h));
  const starNote = allowed.includes('*') && missing.includes('authorization') ? ' (the wildcard * never covers Authorization)' : '';
  if (missing.length) wrong.push(`Access-Control-Allow-Headers lacks ${missing.join(', ')}${starNote}`);
  // Access-Control-Allow-Methods is not read: POST is a CORS-safelisted method, which
  // browsers allow whatever that header lists. The request headers are what make the preflight.
  return wrong;
}

/** What an answer to a request from `origin` lacks for the page to read it (none: an empty list). */
export function answerCorsProblems(x: Exchange, origin: string): string[] {
  const wrong: string[] = [];
  const allowOrigin = x.headers['access-control-allow-origin'];
  if (allowOrigin !== origin && allowOrigin !== '*') wrong.push(`Access-Control-Allow-Origin ${allowOrigin ?? 'absent'}`);
  const exposed = headerList(x, 'access-control-expose-headers');
  if (!exposed.includes('retry-after') && !exposed.includes('*')) wrong.push('Retry-After not exposed');
  return wrong;
}

/**
 * `cors-headers`: every checkout and lookup answer seen so far names the
 * origin and exposes Retry-After. The health route's answers are the
 * `health` check's (a should: the contract lets a backend have none).
 */
export function responseHeaders(exchanges: readonly Exchange[], origin: string): CheckResult {
  const answered = exchanges.filter((x) => x.status !== null && x.probe.method !== 'OPTIONS' && x.probe.label !== 'health');
  const bad = answered.map((x) => ({ x, wrong: answerCorsProblems(x, origin) })).filter((b) => b.wrong.length > 0);
  const quoted = bad.slice(0, QUOTED).map((b) => `${b.x.probe.label} (${b.x.probe.method} ${b.x.status}): ${b.wrong.join(', ')}`);
  const more = bad.length > QUOTED ? `; and ${bad.length - QUOTED} more` : '';
  return must(
    'cors-headers',
    bad.length === 0,
    bad.length === 0
      ? `all ${answered.length} answers to requests from ${origin} allowed it and exposed Retry-After`
      : `${bad.length} of ${answered.length} answers: ${quoted.join('; ')}${more}`,
  );
}
