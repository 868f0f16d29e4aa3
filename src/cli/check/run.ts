/**
 * One `check` run: the checks in a fixed order, one order at a time except
 * the one 20-request burst, every request bounded by the timeout.
 */
import { burst } from './burst';
import type { CheckContext } from './context';
import { preflights, responseHeaders } from './cors';
import { Prober } from './http';
import { orderSource } from './order';
import { regions } from './regions';
import { must, skipped, type CheckResult } from './result';
import { health, noRedirect } from './routes';
import { changedBody, keyRequired, lookupClosesKey, placeFirst, quotedKey, replay, replayAtEnd, replayWithoutHeaders, storedLookup, unknownKeyLookups } from './single-key';
import { targetOf } from './target';

/** What `check` was asked to do, normalised. */
export interface CheckOptions {
  /** The endpoint under test. */
  url: string;
  /** Other endpoints of the same idempotency domain. */
  regions: string[];
  /** Sent as `Origin`; null: no CORS checks (a same-origin backend). */
  origin: string | null;
  /** `--order FILE`; undefined: a demo-shop order. */
  orderFile: string | undefined;
  timeoutMs: number;
  checkoutPath: string;
  healthPath: string;
  /** `--lookup-path`, a template with `{key}` once; null: the checkout path, then `/{key}`. */
  lookupPath: string | null;
  /** `--header`: sent with every request (lower-case names), named in preflights. */
  headers: Record<string, string>;
}

/** Every check, in the order reported. */
export const CHECK_NAMES = [
  'lookup-unknown-404',
  'lookup-closes-key',
  'key-required',
  'order-answered',
  'replay-identical',
  'replay-header',
  'quoted-key',
  'replay-without-headers',
  'changed-body-422',
  'lookup-stored-outcome',
  'burst-one-outcome',
  'busy-retry-after',
  'changed-body-422-while-running',
  'lookup-while-running',
  'try-later-while-running',
  'region-lookup',
  'region-replay',
  'region-replay-header',
  'replay-at-end',
  'cors-preflight',
  'cors-headers',
  'cors-max-age',
  'cors-tracing',
  'health',
  'no-redirect',
] as const;

/**
 * Runs every check against the backend. Throws a `CliError` (`UNREACHABLE`,
 * `ORDER_FILE`) when the run cannot start.
 */
export async function runChecks(options: CheckOptions): Promise<CheckResult[]> {
  const at = (url: string) => targetOf(url, options.checkoutPath, options.healthPath, options.lookupPath);
  const ctx: CheckContext = {
    prober: new Prober(options.timeoutMs, options.origin, options.headers),
    primary: at(options.url),
    regions: options.regions.map(at),
    orders: await orderSource(options.orderFile),
    marking: new Set(),
  };
  const results: CheckResult[] = [];
  results.push(await unknownKeyLookups(ctx, [ctx.primary, ...ctx.regions]));
  results.push(await lookupClosesKey(ctx));
  results.push(await keyRequired(ctx));

  const { result, placed } = await placeFirst(ctx);
  results.push(result);
  if (placed) {
    // replay() notes in ctx.marking whether the URL marks its replays: the repeats after it, and the burst, are judged by that.
    results.push(
      ...(await replay(ctx, placed)),
      await quotedKey(ctx, placed),
      await replayWithoutHeaders(ctx, placed, Object.keys(options.headers)),
      await changedBody(ctx, placed),
      await storedLookup(ctx, placed),
    );
    if (ctx.regions.length) results.push(...(await regions(ctx, placed)));
  } else {
    const why = 'the first order got no outcome (see order-answered)';
    for (const name of ['replay-identical', 'changed-body-422', 'lookup-stored-outcome', 'replay-at-end']) results.push(must(name, false, `not run: ${why}`));
    for (const name of ['replay-header', 'quoted-key', 'replay-without-headers', ...(ctx.regions.length ? ['region-replay-header'] : [])]) results.push(skipped(name, why));
    if (ctx.regions.length) for (const name of ['region-lookup', 'region-replay']) results.push(must(name, false, `not run: ${why}`));
  }
  if (!ctx.regions.length) for (const name of ['region-lookup', 'region-replay', 'region-replay-header']) results.push(skipped(name, 'no --region given'));

  results.push(...(await burst(ctx, placed?.ms ?? null, [...ctx.marking])));
  if (options.origin) results.push(...(await preflights(ctx, options.origin, Object.keys(options.headers))));
  results.push(await health(ctx, options.origin ?? undefined));
  // Last of the requests: the first key, after everything else the run sent.
  if (placed) results.push(await replayAtEnd(ctx, placed));
  // These two look back at every exchange of the run.
  if (options.origin) results.push(responseHeaders(ctx.prober.exchanges, options.origin));
  else for (const name of ['cors-preflight', 'cors-headers', 'cors-max-age', 'cors-tracing']) results.push(skipped(name, 'no --origin given (a same-origin backend needs no CORS)'));
  results.push(noRedirect(ctx.prober.exchanges));

  const rank = (name: string) => (CHECK_NAMES as readonly string[]).indexOf(name);
  return results.sort((a, b) => rank(a.name) - rank(b.name));
}
