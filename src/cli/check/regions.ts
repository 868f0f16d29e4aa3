/**
 * What an idempotency domain promises (docs/backend-contract.md): a key seen by one of
 * its endpoints is known to all, at once. The order placed at the first URL
 * must be found by a lookup at every `--region`, and replayed there.
 */
import { excerpt, type Exchange } from './http';
import { lookup, postOrder, type CheckContext } from './context';
import { difference, lookupMismatch, sameOutcome } from './outcome';
import { must, type CheckResult } from './result';
import type { PlacedOrder } from './single-key';

/**
 * `region-lookup` and `region-replay`, across every `--region` at once.
 * `marksReplays`: the primary marked its replay `Idempotent-Replayed: true`;
 * then an unmarked answer elsewhere is a second run of the order, even when
 * a deterministic handler gave it the same body.
 */
export async function regions(ctx: CheckContext, placed: PlacedOrder, marksReplays: boolean): Promise<CheckResult[]> {
  const found = await Promise.all(ctx.regions.map((t) => lookup(ctx, t, 'lookup at another region', placed.key)));
  const lookups = found.map((x) => ({ x, wrong: lookupMismatch(x, placed.outcome) }));
  const replays = await Promise.all(ctx.regions.map((t) => postOrder(ctx, t, 'repeat at another region', placed.key, placed.bodies.body, 2)));
  const lookupEvidence = lookups
    .map(({ x, wrong }) => `${x.probe.url}: ${wrong === null ? `200 ${excerpt(x.body)}` : wrong}`)
    .join('; ');
  const replayed = (x: Exchange) => sameOutcome(x, placed.outcome) && (!marksReplays || x.headers['idempotent-replayed'] === 'true');
  const replayEvidence = replays
    .map((x) => {
      if (replayed(x)) return `${x.probe.url}: replayed the outcome`;
      if (sameOutcome(x, placed.outcome)) return `${x.probe.url}: the same answer, but not marked Idempotent-Replayed as the first URL's replay was: processed again`;
      return `${x.probe.url}: ${difference(x, placed.outcome)}`;
    })
    .join('; ');
  return [
    must('region-lookup', lookups.every((l) => l.wrong === null), `key placed at ${ctx.primary.base}, looked up at once at ${lookupEvidence}`),
    must('region-replay', replays.every(replayed), `same key and body POSTed at ${replayEvidence}`),
  ];
}
