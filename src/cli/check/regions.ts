/**
 * What an idempotency domain promises (PROTOCOL.md): a key seen by one of
 * its endpoints is known to all, at once. The order placed at the first URL
 * must be found by a lookup at every `--region`, and replayed there.
 */
import { excerpt } from './http';
import { lookup, postOrder, type CheckContext } from './context';
import { difference, lookupMismatch, sameOutcome } from './outcome';
import { must, type CheckResult } from './result';
import type { PlacedOrder } from './single-key';

/** `region-lookup` and `region-replay`, across every `--region` at once. */
export async function regions(ctx: CheckContext, placed: PlacedOrder): Promise<CheckResult[]> {
  const found = await Promise.all(ctx.regions.map((t) => lookup(ctx, t, 'lookup at another region', placed.key)));
  const lookups = found.map((x) => ({ x, wrong: lookupMismatch(x, placed.outcome) }));
  const replays = await Promise.all(ctx.regions.map((t) => postOrder(ctx, t, 'repeat at another region', placed.key, placed.bodies.body, 2)));
  const lookupEvidence = lookups
    .map(({ x, wrong }) => `${x.probe.url}: ${wrong === null ? `200 ${excerpt(x.body)}` : wrong}`)
    .join('; ');
  const replayEvidence = replays
    .map((x) => `${x.probe.url}: ${sameOutcome(x, placed.outcome) ? 'replayed the outcome' : difference(x, placed.outcome)}`)
    .join('; ');
  return [
    must('region-lookup', lookups.every((l) => l.wrong === null), `key placed at ${ctx.primary.base}, looked up at once at ${lookupEvidence}`),
    must('region-replay', replays.every((x) => sameOutcome(x, placed.outcome)), `same key and body POSTed at ${replayEvidence}`),
  ];
}
