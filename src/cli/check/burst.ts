/**
 * The burst: 20 concurrent POSTs with one fresh key and one body. They must
 * yield one outcome (every non-409 answer identical), and while the key is
 * seen running (a 409 came back) a changed body must still be 422 and a
 * lookup must not be 404. The only concurrent load `check` sends.
 */
import { excerpt, statusText, type Exchange } from './http';
import { freshKey, lookup, postOrder, type CheckContext } from './context';
import { describeOutcome, difference, isOutcomeStatus, isTryLater, outcomeOf, sameOutcome, type Outcome } from './outcome';
import { must, should, type CheckResult } from './result';
import { retryAfterMs } from '../../transport/backoff';

export const BURST_SIZE = 20;
/** Sequential repeats to learn the outcome when every burst answer was 409. */
const FOLLOW_UPS = 10;
const FOLLOW_UP_WAIT_CAP_MS = 1000;

interface InFlightProbes {
  changed: Exchange;
  lookup: Exchange;
  /** Burst requests still unanswered when the probes were sent. */
  pending: number;
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

  const outcome = answers.map(outcomeOf).find((o) => o !== null) ?? (await followUp(ctx, key, bodies.body));
  const busy = answers.filter((x) => x.status === 409);
  const counts = tally(answers);
  return [
    oneOutcome(answers, outcome, counts, marksReplays),
    busy.length === 0
      ? should('busy-retry-after', true, 'no 409 in the burst: nothing to check')
      : should(
          'busy-retry-after',
          busy.every((x) => x.headers['retry-after'] !== undefined),
          `${busy.filter((x) => x.headers['retry-after'] !== undefined).length} of ${busy.length} 409 answers carried Retry-After`,
        ),
    changedWhileRunning(inFlight, seenRunning),
    lookupWhileRunning(inFlight, seenRunning),
  ];
}

/** Asks again, one request at a time, until the burst's key has an outcome. */
async function followUp(ctx: CheckContext, key: string, body: string): Promise<Outcome | null> {
  for (let i = 0; i < FOLLOW_UPS; i++) {
    const x = await postOrder(ctx, ctx.primary, 'repeat after an all-409 burst', key, body, 2 + i);
    const o = outcomeOf(x);
    // Still running (409) or shed (a try-later answer after its own tries): ask again.
    if (o || (x.status !== 409 && !isTryLater(x))) return o;
    const wait = Math.min(FOLLOW_UP_WAIT_CAP_MS, retryAfterMs(x.headers['retry-after']) || 200);
    await new Promise((r) => setTimeout(r, wait));
  }
  return null;
}

function tally(answers: readonly Exchange[]): string {
  const by = new Map<string, number>();
  for (const x of answers) by.set(statusText(x), (by.get(statusText(x)) ?? 0) + 1);
  return [...by].map(([s, n]) => `${n}x ${s}`).join(', ');
}

function oneOutcome(answers: readonly Exchange[], outcome: Outcome | null, counts: string, marksReplays: boolean): CheckResult {
  const head = `${BURST_SIZE} concurrent POSTs, one key: ${counts}`;
  if (!outcome) return must('burst-one-outcome', false, `${head}; no outcome for the key, even after ${FOLLOW_UPS} repeats`);
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

function changedWhileRunning(p: InFlightProbes, seenRunning: boolean): CheckResult {
  const when = seenRunning ? `sent after a 409, with ${p.pending} burst requests unanswered` : 'sent after the burst: no 409 showed the key running';
  return must('changed-body-422-while-running', p.changed.status === 422, `changed body for the burst's key (${when}): ${statusText(p.changed)} ${excerpt(p.changed.body)}`);
}

function lookupWhileRunning(p: InFlightProbes, seenRunning: boolean): CheckResult {
  const x = p.lookup;
  const when = seenRunning ? 'after a 409 for the key' : 'after the burst (no 409 showed the key running)';
  const ok = x.status === 409 || x.status === 200;
  const note =
    x.status === 409 ? ' (still running)'
    : x.status === 200 ? ' (already done)'
    : x.status === 404 ? ': 404 says the key was never seen, which lets a client send the order to another domain'
    : ': expected 409 or 200';
  return must('lookup-while-running', ok, `lookup ${when}: ${statusText(x)} ${excerpt(x.body)}${note}`);
}
