/**
 * What an idempotency domain promises (docs/backend-contract.md): a key seen by one of
 * its endpoints is known to all, at once. The order placed at the first URL
 * must be found by a lookup at every `--region`, and replayed there.
 */
import { excerpt, type Exchange } from './http';
import { lookup, postOrder, type CheckContext } from './context';
import { difference, lookupMismatch, sameOutcome } from './outcome';
import { must, should, skipped, type CheckResult } from './result';
import type { PlacedOrder } from './single-key';

/** The region checks, and the regions (base URLs) that marked their replay `Idempotent-Replayed: true`. */
export interface RegionResults {
  results: CheckResult[];
  marking: string[];
}

const isMarked = (x: Exchange): boolean => x.headers['idempotent-replayed'] === 'true';

/**
 * `region-lookup`, `region-replay` and `region-replay-header`, across every
 * `--region` at once. A replay is judged by its outcome (the same status and
 * body, so the same order id); the `Idempotent-Replayed` mark is a should,
 * which a proxy in front of one region may drop.
 */
export async function regions(ctx: CheckContext, placed: PlacedOrder): Promise<RegionResults> {
  const found = await Promise.all(ctx.regions.map((t) => lookup(ctx, t, 'lookup at another region', placed.key)));
  const lookups = found.map((x) => ({ x, wrong: lookupMismatch(x, placed.outcome) }));
  const replays = await Promise.all(ctx.regions.map((t) => postOrder(ctx, t, 'repeat at another region', placed.key, placed.bodies.body, 2)));
  const lookupEvidence = lookups
    .map(({ x, wrong }) => `${x.probe.url}: ${wrong === null ? `200 ${excerpt(x.body)}` : wrong}`)
    .join('; ');
  const replayEvidence = replays.map((x) => `${x.probe.url}: ${sameOutcome(x, placed.outcome) ? 'replayed the outcome' : difference(x, placed.outcome)}`).join('; ');
  const replayed = replays.filter((x) => sameOutcome(x, placed.outcome));
  const unmarked = replayed.filter((x) => !isMarked(x));
  const marking = ctx.regions.filter((_, i) => isMarked(replays[i]!)).map((t) => t.base);
  return {
    results: [
      must('region-lookup', lookups.every((l) => l.wrong === null), `key placed at ${ctx.primary.base}, looked up at once at ${lookupEvidence}`),
      must('region-replay', replayed.length === replays.length, `same key and body POSTed at ${replayEvidence}`),
      replayed.length === 0
        ? skipped('region-replay-header', 'no region replayed the outcome (see region-replay)')
        : should(
            'region-replay-header',
            unmarked.length === 0,
            unmarked.length === 0
              ? `every region's replay said Idempotent-Replayed: true`
              : `${unmarked.map((x) => x.probe.url).join(', ')}: replayed the outcome without Idempotent-Replayed: true (a proxy dropping it?); the burst then cannot tell a replay there from a second run of a deterministic handler`,
          ),
    ],
    marking,
  };
}
