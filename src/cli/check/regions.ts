/**
 * What an idempotency domain promises (docs/backend-contract.md): a key seen by one of
 * its endpoints is known to all, at once. The order placed at the first URL
 * must be found by a lookup at every `--region`, and replayed there.
 */
import { excerpt, type Exchange } from './http';
import { isMarked, lookup, noteMarks, postOrder, ranAgainText, ranAgainUnmarked, type CheckContext } from './context';
import { difference, lookupMismatch, sameOutcome } from './outcome';
import { must, should, skipped, type CheckResult } from './result';
import { attemptText, REPEAT_ATTEMPTS, type PlacedOrder } from './single-key';
import type { Target } from './target';

/**
 * `region-lookup`, `region-replay` and `region-replay-header`, across every
 * `--region` at once. A replay is judged by its outcome (the same status and
 * body, so the same order id), sent once per `Steadycart-Attempt` value of
 * the first URL's repeats; the `Idempotent-Replayed` mark is a should, which
 * a proxy in front of one region may drop, but a region that marks one of
 * its replays ran the order again for one it does not mark. Notes the
 * regions that mark in `ctx.marking`.
 */
export async function regions(ctx: CheckContext, placed: PlacedOrder): Promise<CheckResult[]> {
  // With close=1, as the SDK sends it: a processed key is found there all the same.
  const found = await Promise.all(ctx.regions.map((t) => lookup(ctx, t, 'closing lookup at another region', placed.key, true)));
  const lookups = found.map((x) => ({ x, wrong: lookupMismatch(x, placed.outcome) }));
  const replays = await Promise.all(ctx.regions.map((t) => repeatsAt(ctx, t, placed)));
  ctx.regions.forEach((t, i) => noteMarks(ctx, t, replays[i]!));
  const verdicts = ctx.regions.map((t, i) => regionReplay(ctx, t, replays[i]!, placed));
  const lookupEvidence = lookups
    .map(({ x, wrong }) => `${x.probe.url}: ${wrong === null ? `200 ${excerpt(x.body)}` : wrong}`)
    .join('; ');
  const sent = REPEAT_ATTEMPTS.map((a) => (a === null ? 'none' : String(a))).join(', ');
  const replayEvidence = verdicts.map((v, i) => `${ctx.regions[i]!.checkout}: ${v.text}`).join('; ');
  const replayed = replays.flat().filter((x) => sameOutcome(x, placed.outcome));
  const unmarked = [...new Set(replayed.filter((x) => !isMarked(x)).map((x) => x.probe.url))];
  return [
    must('region-lookup', lookups.every((l) => l.wrong === null), `key placed at ${ctx.primary.base}, looked up at once at ${lookupEvidence}`),
    must('region-replay', verdicts.every((v) => v.ok), `same key and body POSTed ${REPEAT_ATTEMPTS.length} times (Steadycart-Attempt ${sent}) at ${replayEvidence}`),
    replayed.length === 0
      ? skipped('region-replay-header', 'no region replayed the outcome (see region-replay)')
      : should(
          'region-replay-header',
          unmarked.length === 0,
          unmarked.length === 0
            ? `every region's replays said Idempotent-Replayed: true`
            : `${unmarked.join(', ')}: replayed the outcome without Idempotent-Replayed: true (a proxy dropping it?); the burst then cannot tell a replay there from a second run of a deterministic handler`,
        ),
  ];
}

/** The same key and body at `target`, once per {@link REPEAT_ATTEMPTS} value. */
async function repeatsAt(ctx: CheckContext, target: Target, placed: PlacedOrder): Promise<Exchange[]> {
  const repeats: Exchange[] = [];
  for (const attempt of REPEAT_ATTEMPTS) {
    repeats.push(await postOrder(ctx, target, `repeat at another region ${attemptText(attempt)}`, placed.key, placed.bodies.body, attempt));
  }
  return repeats;
}

/** One region's replays: each the outcome, and marked if any is (see {@link ranAgainUnmarked}). */
function regionReplay(ctx: CheckContext, target: Target, repeats: readonly Exchange[], placed: PlacedOrder): { ok: boolean; text: string } {
  const at = (i: number) => `the repeat ${attemptText(REPEAT_ATTEMPTS[i]!)}`;
  const mismatch = repeats.findIndex((x) => !sameOutcome(x, placed.outcome));
  if (mismatch >= 0) return { ok: false, text: `${at(mismatch)} ${difference(repeats[mismatch]!, placed.outcome)}` };
  const rerun = repeats.findIndex((x) => ranAgainUnmarked(ctx, target, x, placed.outcome));
  if (rerun >= 0) return { ok: false, text: `${at(rerun)} ${ranAgainText(target)}` };
  return { ok: true, text: 'replayed the outcome' };
}
