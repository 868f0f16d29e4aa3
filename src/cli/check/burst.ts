/**
 * The burst: 20 concurrent POSTs with one fresh key and one body, spread
 * over the first URL and every `--region` (the SDK hedges a slow order to
 * the next endpoint of its domain). Each 409 is asked again after its
 * Retry-After, as the SDK would, a few times. Every answer must be the one
 * outcome (or 409, or try-later); a lookup at every URL, sent while the
 * burst is out, must not be 404. Once the key is seen running (a burst POST
 * or one of those lookups answered 409), the same body again and a changed
 * body are sent, one request at a time: neither may be answered try-later
 * while the key still runs (a lookup sent right after such an answer
 * tells), the changed body must be 422, and a lookup then must not be 404.
 * The only concurrent load `check` sends.
 */
import { excerpt, statusText, type Exchange } from './http';
import { freshKey, lookup, postOrder, type CheckContext } from './context';
import { describeOutcome, difference, isOutcomeStatus, isTryLater, lookupMismatch, lookupWrapper, outcomeOf, sameOutcome, type Outcome } from './outcome';
import { must, should, skipped, type CheckResult } from './result';
import type { Target } from './target';
import { retryAfterMs } from '../../transport/backoff';

export const BURST_SIZE = 20;
/** Sequential repeats to learn the outcome when every burst answer was 409. */
const FOLLOW_UPS = 10;
const FOLLOW_UP_WAIT_CAP_MS = 1000;
/** Each 409 of the burst is sent again at most this many times, after its Retry-After (capped), within the window. */
const RESENDS = 3;
const RESEND_WAIT_CAP_MS = 2000;
const RESEND_WAIT_MS = 250;
/** No resend starts later than this after the burst began. */
const RESEND_WINDOW_MS = 8000;
/**
 * The mid-burst lookups go out half the first order's latency after the
 * burst, so that the key is running if its handler takes as long again;
 * at least this long after, so the burst's POSTs are surely in.
 */
const MID_LOOKUP_MIN_MS = 50;
const MID_LOOKUP_MAX_MS = 5000;
/** Below this first-order latency, a burst without 409 may just be a fast handler: no warning. */
const SLOW_HANDLER_MS = 100;

/** What first showed the burst's key running, before the probes were sent. */
interface Running {
  /** A burst POST answered 409, or a lookup sent into the burst did. */
  via: 'post' | 'lookup';
  /** How long after the burst began that 409 was answered. */
  afterMs: number;
  /** Burst requests still unanswered then. */
  pending: number;
}

/** A try-later answer to a probe of the running key, and the lookup sent right after it. */
interface TryLater {
  answer: Exchange;
  lookup: Exchange;
}

/** A probe POST of the burst's key: its last answer, and each try-later answer asked again, with its lookup. */
interface ProbePost {
  answer: Exchange;
  tryLater: TryLater[];
}

/**
 * The try-later answer that a lookup right after it showed to be given for
 * a key still running (409): the key was running before the POST was sent
 * (it was seen so) and after its answer, so it ran all along.
 */
const lieOf = (post: ProbePost | null): TryLater | undefined => post?.tryLater.find((t) => t.lookup.status === 409);

interface InFlightProbes {
  /** What showed the key running; null: nothing did, and the probes were sent after the burst. */
  running: Running | null;
  /** The burst's body again (a retry, as the SDK sends one), sent first; null when nothing showed the key running. */
  same: ProbePost | null;
  changed: ProbePost;
  /**
   * Sent once `changed` was answered: its 409 shows the key was still running
   * when `changed` was answered, the only proof that a 422 there was the
   * running case and not a finished key's.
   */
  lookup: Exchange;
}

/** The lookups sent to every URL while the burst is out, whether or not a 409 came. */
interface MidBurstLookups {
  answers: Exchange[];
  /** How long after the burst began they were sent. */
  afterMs: number;
  /** Burst requests unanswered then. */
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

/** One burst request: its first answer, then the answers to its resends after a 409. */
type Slot = Exchange[];

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs the burst and returns `burst-one-outcome`, `busy-retry-after` and the
 * three in-flight checks. `firstMs`: how long the first order took (null: it
 * got no outcome). `marking`: the URLs (bases) that marked a replay
 * `Idempotent-Replayed: true`; each unmarked outcome from one of them is a
 * run of the order, and more than one is a second run, even when a
 * deterministic handler gave every run the same body.
 */
export async function burst(ctx: CheckContext, firstMs: number | null, marking: readonly string[]): Promise<CheckResult[]> {
  const key = freshKey();
  const bodies = ctx.orders();
  const targets = [ctx.primary, ...ctx.regions];
  const started = performance.now();
  let pending = BURST_SIZE;
  const state: { probes: Promise<InFlightProbes> | null } = { probes: null };

  // A 409 (to a burst POST or a lookup) proves the key is reserved: from now on the
  // same body must not be answered try-later, a changed body must be 422 and a
  // lookup must not say 404. Probe once, one request at a time.
  const seenRunning = (via: Running['via']): void => {
    if (state.probes) return;
    const running: Running = { via, afterMs: Math.round(performance.now() - started), pending };
    state.probes = (async () => ({
      running,
      // Attempt 2: a retry of the order, as the SDK sends one (and as no backend may take for a new order).
      same: await probePost(ctx, 'same body again while running', key, bodies.body, 2),
      changed: await probePost(ctx, 'changed body while running', key, bodies.changed, 1),
      // With close=1, as the SDK sends it before crossing domains: a running key is 409 all the same.
      lookup: await lookup(ctx, ctx.primary, 'closing lookup while running', key, true),
    }))();
  };

  const midAfterMs = Math.min(MID_LOOKUP_MAX_MS, Math.max(MID_LOOKUP_MIN_MS, Math.round((firstMs ?? 0) / 2)));
  const mid: Promise<MidBurstLookups> = wait(midAfterMs).then(async () => {
    const atSend = { afterMs: Math.round(performance.now() - started), pending };
    const answers = await Promise.all(targets.map((t) => lookup(ctx, t, 'lookup while the burst is out', key)));
    // A backend whose POSTs never say 409 (a try-later answer instead) shows the key running here.
    if (answers.some((x) => x.status === 409)) seenRunning('lookup');
    return { answers, ...atSend };
  });

  const slots = await Promise.all(
    Array.from({ length: BURST_SIZE }, async (_, i) => {
      const target = targets[i % targets.length]!;
      const x = await postOrder(ctx, target, 'burst', key, bodies.body);
      pending--;
      if (x.status === 409) seenRunning('post');
      return resendWhileBusy(ctx, target, key, bodies.body, x, started);
    }),
  );
  // The mid-burst lookups may be the first to see the key running: they go before the probes' fallback.
  const midBurst = await mid;
  const inFlight: InFlightProbes =
    (await state.probes) ?? {
      running: null,
      same: null,
      changed: { answer: await postOrder(ctx, ctx.primary, 'changed body after the burst', key, bodies.changed), tryLater: [] },
      lookup: await lookup(ctx, ctx.primary, 'lookup after the burst', key),
    };

  const all = slots.flat();
  const fromBurst = all.map(outcomeOf).find((o) => o !== null) ?? null;
  const followed = fromBurst ? null : await followUp(ctx, key, bodies.body);
  const outcome = fromBurst ?? followed?.outcome ?? null;
  const busy = all.filter((x) => x.status === 409);
  const takenNowhere = all.every((x) => x.status === null || isTryLater(x));
  return [
    oneOutcome(slots, outcome, targets.filter((t) => marking.includes(t.base)).map((t) => t.checkout), followed),
    busyRetryAfter(busy, firstMs),
    changedWhileRunning(inFlight),
    lookupWhileRunning(inFlight, outcome, midBurst, takenNowhere),
    tryLaterWhileRunning(inFlight),
  ];
}

/**
 * POSTs the burst's key, seen running, to the first URL, as `postOrder`
 * does, but looks the key up after each try-later answer, before it is sent
 * again: a lookup that says 409 shows that answer was given while the key
 * ran (it was seen running before the POST was sent, too), which is a lie,
 * and ends the probe.
 */
async function probePost(ctx: CheckContext, label: string, key: string, body: string, attempt: number): Promise<ProbePost> {
  const tryLater: TryLater[] = [];
  const answer = await postOrder(ctx, ctx.primary, label, key, body, attempt, {
    beforeResend: async (later) => {
      tryLater.push({ answer: later, lookup: await lookup(ctx, ctx.primary, `lookup after a try-later answer to the ${label}`, key) });
    },
    final: () => tryLater.some((t) => t.lookup.status === 409),
  });
  return { answer, tryLater };
}

/** `a 409, with 3 burst requests unanswered`: what showed the key running, for evidence. */
function shownBy(r: Running): string {
  const unanswered = `${r.pending} burst request${r.pending === 1 ? '' : 's'} unanswered`;
  return r.via === 'post' ? `a 409, with ${unanswered}` : `a 409 to a lookup, answered ${r.afterMs} ms into the burst, with ${unanswered}`;
}

/** `503 {…} ("not processed; try later"), and the lookup sent right after it said 409 {…}`: a lie, for evidence. */
const lieText = (lie: TryLater): string =>
  `${statusText(lie.answer)} ${excerpt(lie.answer.body)} ("not processed; try later"), and the lookup sent right after it said ${statusText(lie.lookup)} ${excerpt(lie.lookup.body)}`;

/**
 * Sends a 409'd burst request again after its Retry-After (capped), as the
 * SDK would, while it is 409, at most {@link RESENDS} times and only within
 * {@link RESEND_WINDOW_MS} of the burst's start. Returns every answer, first to last.
 */
async function resendWhileBusy(ctx: CheckContext, target: Target, key: string, body: string, first: Exchange, started: number): Promise<Slot> {
  const slot: Slot = [first];
  for (let round = 1; round <= RESENDS; round++) {
    const last = slot.at(-1)!;
    if (last.status !== 409) break;
    const pause = Math.min(RESEND_WAIT_CAP_MS, retryAfterMs(last.headers['retry-after']) ?? RESEND_WAIT_MS);
    if (performance.now() + pause - started > RESEND_WINDOW_MS) break;
    await wait(pause);
    slot.push(await postOrder(ctx, target, 'burst request sent again after its 409', key, body, 1 + round));
  }
  return slot;
}

/**
 * Asks again, one request at a time, until the burst's key has an outcome,
 * at most {@link FOLLOW_UPS} times. Only a key still running (409) or a shed
 * request (a try-later answer after its own tries) is asked again: any other
 * answer (a 500) is the backend's last word on it.
 */
async function followUp(ctx: CheckContext, key: string, body: string): Promise<FollowUp> {
  for (let repeats = 1; ; repeats++) {
    const last = await postOrder(ctx, ctx.primary, 'repeat after a burst without an outcome', key, body, 1 + RESENDS + repeats);
    const outcome = outcomeOf(last);
    const askAgain = !outcome && (last.status === 409 || isTryLater(last));
    if (!askAgain || repeats === FOLLOW_UPS) return { outcome, repeats, last };
    await wait(Math.min(FOLLOW_UP_WAIT_CAP_MS, retryAfterMs(last.headers['retry-after']) || 200));
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

/** `marking`: the checkout URLs that mark their replays. */
function oneOutcome(slots: readonly Slot[], outcome: Outcome | null, marking: readonly string[], followed: FollowUp | null): CheckResult {
  const first = slots.map((s) => s[0]!);
  const resent = slots.flatMap((s) => s.slice(1));
  const where = new Set(first.map((x) => x.probe.url)).size;
  const head =
    `${BURST_SIZE} concurrent POSTs, one key${where > 1 ? `, over ${where} URLs` : ''}: ${tally(first)}` +
    (resent.length ? `; ${resent.length} resent after a 409's Retry-After: ${tally(resent)}` : '');
  if (!outcome) return must('burst-one-outcome', false, `${head}; no outcome for the key${followed ? `, ${describeFollowUp(followed)}` : ''}`);
  const all = slots.flat();
  // 409 (still running), a try-later answer (not processed: a limiter shedding the burst) and a 5xx (ambiguous:
  // a proxy's 502, a 500 from an exhausted pool; the SDK asks again in the same domain) are no outcome. No answer
  // at all (a timeout) still is odd, and the key must still have its one outcome (from the burst or the follow-up).
  const ambiguous = all.filter((x) => isAmbiguous(x)).length;
  const odd = all.filter((x) => x.status !== 409 && !isTryLater(x) && !isAmbiguous(x) && !sameOutcome(x, outcome));
  const distinct = new Set(all.filter((x) => isOutcomeStatus(x.status)).map((x) => `${x.status} ${x.body.toString('base64')}`));
  if (odd.length) {
    const late = odd[0]!.probe.label !== 'burst' ? ' (a resend after its 409: the key ran again once the first run was no longer held)' : '';
    return must('burst-one-outcome', false, `${head}; ${distinct.size} different outcomes; e.g. one from ${odd[0]!.probe.url} ${difference(odd[0]!, outcome)}${late}`);
  }
  const runs = all.filter((x) => isOutcomeStatus(x.status) && x.headers['idempotent-replayed'] !== 'true' && marking.includes(x.probe.url)).length;
  if (runs > 1) {
    return must('burst-one-outcome', false, `${head}; ${runs} answers not marked Idempotent-Replayed from URLs that mark their replays: the order ran ${runs} times`);
  }
  const fiveXx = ambiguous ? `, but ${ambiguous} answered 5xx (ambiguous, not an outcome: the SDK asks again in the same domain)` : '';
  return must('burst-one-outcome', true, `${head}; every answer was 409, try-later or the one outcome ${describeOutcome(outcome)}${fiveXx}`);
}

/** A 5xx other than the try-later 503: "may have been processed", no outcome of its own. */
const isAmbiguous = (x: Exchange): boolean => x.status !== null && x.status >= 500 && !isTryLater(x);

/** A 409's longest `Retry-After` not warned of: the order's run usually ends within seconds. */
const BUSY_RETRY_AFTER_MAX_MS = 5000;

/**
 * `busy-retry-after`: every 409 carries Retry-After, of at most 5 s. A burst without any 409
 * against a handler slow enough that its requests overlapped a run is
 * warned of: a backend that makes them wait (or runs them all) never shows
 * the key running.
 */
function busyRetryAfter(busy: readonly Exchange[], firstMs: number | null): CheckResult {
  if (busy.length === 0) {
    const slow = firstMs !== null && firstMs >= SLOW_HANDLER_MS;
    return should(
      'busy-retry-after',
      !slow,
      slow
        ? `no 409 in the burst, though the first order took ${firstMs} ms: its concurrent requests waited or ran instead of being told the key was running`
        : 'no 409 in the burst: nothing to check',
    );
  }
  const carried = busy.filter((x) => x.headers['retry-after'] !== undefined).length;
  // The SDK holds an order `pending` as long as a 409 says (a lock's timeout, say), though confirmed meanwhile.
  const longest = Math.max(...busy.map((x) => retryAfterMs(x.headers['retry-after']) ?? 0));
  const tooLong = longest > BUSY_RETRY_AFTER_MAX_MS ? `; the longest said ${Math.ceil(longest / 1000)} s, which holds the SDK's order pending that long: say a second or two` : '';
  return should('busy-retry-after', carried === busy.length && !tooLong, `${carried} of ${busy.length} 409 answers carried Retry-After${tooLong}`);
}

/**
 * `changed-body-422-while-running`. Any answer but 422 breaks the rule (a
 * 409 is the running key answered before its body was compared). A 422 keeps
 * it only if the key was still running when it came, as the lookup sent next
 * shows with a 409; else a fast handler may have finished first, and the
 * 422 is the finished key's (changed-body-422's case): no verdict.
 */
function changedWhileRunning(p: InFlightProbes): CheckResult {
  const name = 'changed-body-422-while-running';
  const when = p.running ? `sent after ${shownBy(p.running)}` : 'sent after the burst: no 409 showed the key running';
  const lie = lieOf(p.changed);
  if (lie) {
    return must(
      name,
      false,
      `changed body for the burst's key (${when}): ${lieText(lie)}: the key was running, and a changed body is 422 even then; a try-later answer says the key was processed nowhere (see try-later-while-running)`,
    );
  }
  const changed = p.changed.answer;
  const answer = `changed body for the burst's key (${when}): ${statusText(changed)} ${excerpt(changed.body)}`;
  if (changed.status === 409) return must(name, false, `${answer}: the key's run was answered before the body was compared; 422 must come first`);
  // No answer, a 5xx or a try-later one not shown to meet the key running (a pool the burst exhausted) says nothing of the body's comparison.
  if (unanswered(changed)) return skipped(name, `${answer}: no verdict from such an answer`, 'not verified');
  if (changed.status !== 422) return must(name, false, `${answer}: expected 422`);
  const next = `the lookup sent once it was answered said ${statusText(p.lookup)}`;
  if (p.lookup.status === 409) return must(name, true, `${answer}; ${next}: the key was still running`);
  return skipped(name, `${answer}, but ${next}, not 409: the key may have finished before the 422, which then shows only changed-body-422`, 'not verified');
}

/** No answer, a 5xx or a try-later one: the contract's ambiguous answers, from which no conclusion may be drawn. */
const unanswered = (x: Exchange): boolean => x.status === null || x.status >= 500 || isTryLater(x);

/**
 * One lookup's verdict: it met the key running (409), finished (200 wrapping
 * the outcome), said nothing (`unknown`), or broke the rule.
 */
type LookupVerdict = { kind: 'running' | 'finished' | 'unknown' | 'wrong'; text: string };

/**
 * A lookup of a key with requests out: 409, or 200 wrapping the outcome
 * (the key had finished); never 404, and never a 200 wrapping anything else
 * (a placeholder such as 202 "processing" a client would take for the
 * order's outcome). A 200 that is no wrapper at all is
 * `lookup-stored-outcome`'s to judge. No answer, a 5xx or a try-later one
 * is unknown (as a client must take it), never held against the backend.
 * `takenNowhere`: every burst answer
 * was try-later, so no request may have reached the store and a 404 is no
 * verdict.
 */
function judgeLookup(x: Exchange, outcome: Outcome | null, takenNowhere: boolean): LookupVerdict {
  const answer = `${statusText(x)} ${excerpt(x.body)}`;
  if (x.status === 409) return { kind: 'running', text: `${answer} (still running)` };
  if (x.status === 200) {
    const wrong = outcome && lookupWrapper(x) ? lookupMismatch(x, outcome) : null;
    if (wrong) return { kind: 'wrong', text: `${answer}: ${wrong} (the burst's outcome): a 200 must wrap the key's outcome, and a key still running is 409` };
    return { kind: 'finished', text: `${answer}: the key had finished` };
  }
  if (x.status === 404 && takenNowhere) return { kind: 'finished', text: `${answer}: every burst answer was try-later, so the key may have reached no store` };
  if (x.status === 404) return { kind: 'wrong', text: `${answer}: 404 says the key was never seen, which lets a client send the order to another domain (or the same order again)` };
  // The contract's "anything else" of a lookup (5xx, 429, no answer): unknown, not a wrong answer.
  if (unanswered(x)) return { kind: 'unknown', text: `${answer}: unknown, no conclusion may be drawn` };
  return { kind: 'wrong', text: `${answer}: expected 409` };
}

/**
 * `lookup-while-running`: the lookup sent after the burst's first 409 (or
 * after the burst, when none came) and the lookups sent at every URL while
 * the burst was out. Fails on any wrong one; passes once one met the key
 * running; else (every lookup found it finished, or said nothing) no verdict.
 */
function lookupWhileRunning(p: InFlightProbes, outcome: Outcome | null, mid: MidBurstLookups, takenNowhere: boolean): CheckResult {
  const name = 'lookup-while-running';
  const when = p.running ? 'after a 409 for the key' : 'after the burst (no 409 showed the key running)';
  const probe = judgeLookup(p.lookup, outcome, takenNowhere);
  const during = mid.answers.map((x) => ({ x, v: judgeLookup(x, outcome, takenNowhere) }));
  const midText = `lookups ${mid.afterMs} ms into the burst (half the first order's time; ${mid.pending} of ${BURST_SIZE} burst requests not yet answered): ${during.map(({ x, v }) => `${x.probe.url}: ${v.text}`).join('; ')}`;
  const evidence = `lookup ${when}: ${probe.text}; ${midText}`;
  const verdicts = [probe, ...during.map((d) => d.v)];
  if (verdicts.some((v) => v.kind === 'wrong')) return must(name, false, evidence);
  if (verdicts.some((v) => v.kind === 'running')) return must(name, true, evidence);
  return skipped(name, `${evidence}: no lookup met the key running`, 'not verified');
}

/**
 * `try-later-while-running`: once the burst's key was seen running (a 409),
 * the same body again (a retry, as the SDK sends one) and a changed body are
 * never answered try-later (408, 425, 429, 503: "not processed") while a
 * lookup sent right after that answer still says 409. The key then ran all
 * along, and a client told "not processed" may take the order to another
 * domain and charge it twice: a running key is 409 (422 for another body);
 * a try-later answer is only for a key processed nowhere (a limiter that
 * sheds a request before the key is reserved). Passes when the same body
 * was answered 409 with no try-later answer on the way; no verdict when
 * nothing showed the key running, or the key had finished.
 */
function tryLaterWhileRunning(p: InFlightProbes): CheckResult {
  const name = 'try-later-while-running';
  if (!p.running || !p.same) return skipped(name, "no POST of the burst's key and no lookup of it answered 409: it was never seen running", 'not verified');
  const when = `sent after ${shownBy(p.running)}`;
  const told = [
    { what: 'the same body again', lie: lieOf(p.same) },
    { what: 'a changed body', lie: lieOf(p.changed) },
  ].flatMap(({ what, lie }) => (lie ? [`${what}: ${lieText(lie)}`] : []));
  if (told.length) {
    return must(
      name,
      false,
      `POSTs of the burst's key (${when}): ${told.join('; ')}: the key was running, not processed nowhere, and a client told "try later" may take the order to another domain and charge it twice (answer a running key 409, or 422 for another body; 408, 425, 429 or 503 only for a key processed nowhere)`,
    );
  }
  const same = p.same.answer;
  const answer = `the same body again (${when}): ${statusText(same)} ${excerpt(same.body)}`;
  const asked = p.same.tryLater.map((t) => `${statusText(t.answer)}, then a lookup said ${statusText(t.lookup)}`);
  const before = asked.length ? ` (after ${asked.join('; ')})` : '';
  if (same.status === 409 && !asked.length) return must(name, true, `${answer}: the running key was answered 409, not try-later`);
  const why = isOutcomeStatus(same.status) ? 'the key had finished' : 'no try-later answer was shown to meet the key still running';
  return skipped(name, `${answer}${before}: ${why}`, 'not verified');
}
