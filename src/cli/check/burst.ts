/**
 * The burst: 20 concurrent POSTs with one fresh key and one body. They must
 * yield one outcome (every non-409 answer identical), and while the key is
 * seen running (a 409 came back) a changed body must still be 422 and a
 * lookup must not be 404. The only concurrent load `check` sends.
 */
import { excerpt, statusText, type Exchange } from './http';
import { freshKey, lookup, postOrder, type CheckContext } from './context';
import { describeOutcome, difference, isOutcomeStatus, isTryLater, lookupMismatch, lookupWrapper, outcomeOf, sameOutcome, type Outcome } from './outcome';
import { must, should, skipped, type CheckResult } from './result';
import { retryAfterMs } from '../../transport/backoff';

export const BURST_SIZE = 20;
/** Sequential repeats to learn the outcome when every burst answer was 409. */
const FOLLOW_UPS = 10;
const FOLLOW_UP_WAIT_CAP_MS = 1000;

interface InFlightProbes {
  changed: Exchange;
  /**
   * Sent once `changed` was answered: its 409 shows the key was still running
   * when `changed` was answered, the only proof that a 422 there was the
   * running case and not a finished key's.
   */
  lookup: Exchange;
  /** Burst requests still unanswered when the probes were sent. */
  pending: number;
}

/** The sequential repeats made when no burst answer was the outcome. */
interface FollowUp {
  outcome: Outcome | null;
  /** How many were sent: fewer than {@link FOLLOW_UPS} when one answered neither 409 nor try-later. */
  repeats: number;
  /** The last repeat's answer. */
  last: Exchange;
}

/**
 * Runs the burst and returns `burst-one-outcome`, `busy-retry-after` and the
 * two in-flight checks. `marksReplays`: the backend marked a replay
 * `Idempotent-Replayed: true`; then each unmarked outcome in the burst is a
 * run of the order, and more than one is a second run, even when a
 * deterministic handler gave every run the same body.
 */
export async function burst(ctx: CheckContext, marksReplays: boolean): Promise<CheckResult[]> {
  const key = freshKey();
  const bodies = ctx.orders();
  let pending = BURST_SIZE;
  let probes: Promise<InFlightProbes> | null = null;

  const answers = await Promise.all(
    Array.from({ length: BURST_SIZE }, async () => {
      const x = await postOrder(ctx, ctx.primary, 'burst', key, bodies.body);
      pending--;
      // A 409 proves the key is reserved: from now on a changed body must be
      // 422 and a lookup must not say 404. Probe once, one request at a time.
      if (x.status === 409 && !probes) {
        const atStart = pending;
        probes = (async () => ({
          changed: await postOrder(ctx, ctx.primary, 'changed body while running', key, bodies.changed),
          lookup: await lookup(ctx, ctx.primary, 'lookup while running', key),
          pending: atStart,
        }))();
      }
      return x;
    }),
  );
  const seenRunning = probes !== null;
  const inFlight: InFlightProbes =
    (await probes) ?? {
      changed: await postOrder(ctx, ctx.primary, 'changed body after the burst', key, bodies.changed),
      lookup: await lookup(ctx, ctx.primary, 'lookup after the burst', key),
      pending: 0,
    };

  const fromBurst = answers.map(outcomeOf).find((o) => o !== null) ?? null;
  const followed = fromBurst ? null : await followUp(ctx, key, bodies.body);
  const outcome = fromBurst ?? followed?.outcome ?? null;
  const busy = answers.filter((x) => x.status === 409);
  const counts = tally(answers);
  return [
    oneOutcome(answers, outcome, counts, marksReplays, followed),
    busy.length === 0
      ? should('busy-retry-after', true, 'no 409 in the burst: nothing to check')
      : should(
          'busy-retry-after',
          busy.every((x) => x.headers['retry-after'] !== undefined),
          `${busy.filter((x) => x.headers['retry-after'] !== undefined).length} of ${busy.length} 409 answers carried Retry-After`,
        ),
    changedWhileRunning(inFlight, seenRunning),
    lookupWhileRunning(inFlight, seenRunning, outcome),
  ];
}

/**
 * Asks again, one request at a time, until the burst's key has an outcome,
 * at most {@link FOLLOW_UPS} times. Only a key still running (409) or a shed
 * request (a try-later answer after its own tries) is asked again: any other
 * answer (a 500) is the backend's last word on it.
 */
async function followUp(ctx: CheckContext, key: string, body: string): Promise<FollowUp> {
  for (let repeats = 1; ; repeats++) {
    const last = await postOrder(ctx, ctx.primary, 'repeat after a burst without an outcome', key, body, 1 + repeats);
    const outcome = outcomeOf(last);
    const askAgain = !outcome && (last.status === 409 || isTryLater(last));
    if (!askAgain || repeats === FOLLOW_UPS) return { outcome, repeats, last };
    const wait = Math.min(FOLLOW_UP_WAIT_CAP_MS, retryAfterMs(last.headers['retry-after']) || 200);
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** `after 1 repeat, the last answered 500 …`: how the repeats ended, for evidence. */
function describeFollowUp(f: FollowUp): string {
  return `after ${f.repeats} repeat${f.repeats === 1 ? '' : 's'}, the last answered ${statusText(f.last)} ${excerpt(f.last.body)}`;
}

function tally(answers: readonly Exchange[]): string {
  const by = new Map<string, number>();
  for (const x of answers) by.set(statusText(x), (by.get(statusText(x)) ?? 0) + 1);
  return [...by].map(([s, n]) => `${n}x ${s}`).join(', ');
}

function oneOutcome(answers: readonly Exchange[], outcome: Outcome | null, counts: string, marksReplays: boolean, followed: FollowUp | null): CheckResult {
  const head = `${BURST_SIZE} concurrent POSTs, one key: ${counts}`;
  if (!outcome) return must('burst-one-outcome', false, `${head}; no outcome for the key${followed ? `, ${describeFollowUp(followed)}` : ''}`);
  // 409 (still running) and a try-later answer (not processed: a limiter shedding the burst) are no outcome.
  const odd = answers.filter((x) => x.status !== 409 && !isTryLater(x) && !sameOutcome(x, outcome));
  const distinct = new Set(answers.filter((x) => isOutcomeStatus(x.status)).map((x) => `${x.status} ${x.body.toString('base64')}`));
  if (odd.length) return must('burst-one-outcome', false, `${head}; ${distinct.size} different outcomes; e.g. one ${difference(odd[0]!, outcome)}`);
  const runs = answers.filter((x) => isOutcomeStatus(x.status) && x.headers['idempotent-replayed'] !== 'true').length;
  if (marksReplays && runs > 1) {
    return must('burst-one-outcome', false, `${head}; ${runs} answers not marked Idempotent-Replayed, as this backend marks its replays: the order ran ${runs} times`);
  }
  return must('burst-one-outcome', true, `${head}; every answer was 409, try-later or the one outcome ${describeOutcome(outcome)}`);
}

/**
 * `changed-body-422-while-running`. Any answer but 422 breaks the rule (a
 * 409 is the running key answered before its body was compared). A 422 keeps
 * it only if the key was still running when it came, as the lookup sent next
 * shows with a 409; else a fast handler may have finished first, and the
 * 422 is the finished key's (changed-body-422's case): no verdict.
 */
function changedWhileRunning(p: InFlightProbes, seenRunning: boolean): CheckResult {
  const name = 'changed-body-422-while-running';
  const when = seenRunning ? `sent after a 409, with ${p.pending} burst requests unanswered` : 'sent after the burst: no 409 showed the key running';
  const answer = `changed body for the burst's key (${when}): ${statusText(p.changed)} ${excerpt(p.changed.body)}`;
  if (p.changed.status === 409) return must(name, false, `${answer}: the key's run was answered before the body was compared; 422 must come first`);
  if (p.changed.status !== 422) return must(name, false, `${answer}: expected 422`);
  const next = `the lookup sent once it was answered said ${statusText(p.lookup)}`;
  if (p.lookup.status === 409) return must(name, true, `${answer}; ${next}: the key was still running`);
  return skipped(name, `${answer}, but ${next}, not 409: the key may have finished before the 422, which then shows only changed-body-422`, 'not verified');
}

/**
 * `lookup-while-running`: a lookup of a running key is 409, never 404. A 200
 * wrapping the burst's outcome (the key had finished: a fast handler) is no
 * verdict, since no lookup met the key running; a 200 wrapping anything else
 * (a placeholder such as 202 "processing" for a key still running) fails, as
 * a client would take it for the order's outcome. A 200 that is no wrapper at
 * all is `lookup-stored-outcome`'s to judge.
 */
function lookupWhileRunning(p: InFlightProbes, seenRunning: boolean, outcome: Outcome | null): CheckResult {
  const name = 'lookup-while-running';
  const x = p.lookup;
  const when = seenRunning ? 'after a 409 for the key' : 'after the burst (no 409 showed the key running)';
  const answer = `lookup ${when}: ${statusText(x)} ${excerpt(x.body)}`;
  if (x.status === 200) {
    const wrong = outcome && lookupWrapper(x) ? lookupMismatch(x, outcome) : null;
    if (wrong) return must(name, false, `${answer}: ${wrong} (the burst's outcome): a 200 must wrap the key's outcome, and a key still running is 409`);
    return skipped(name, `${answer}: the key had finished, so no lookup met it running`, 'not verified');
  }
  const note = x.status === 409 ? ' (still running)' : x.status === 404 ? ': 404 says the key was never seen, which lets a client send the order to another domain' : ': expected 409';
  return must(name, x.status === 409, `${answer}${note}`);
}
