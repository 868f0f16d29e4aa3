/**
 * The checks on one processed order: a key is required, the outcome replays
 * (byte for byte or as equal JSON; also for the quoted key form), a changed
 * body is 422, and the lookup answers the outcome wrapped, or 404 for a key
 * never seen (and, asked to, closes that key).
 */
import { CliError } from '../errors';
import { excerpt, statusText, type Exchange } from './http';
import { freshKey, isKeyClosed, isMarked, lookup, noteMarks, postOrder, ranAgainText, ranAgainUnmarked, type CheckContext } from './context';
import type { OrderBodies } from './order';
import { describeOutcome, difference, isOutcomeStatus, lookupMismatch, lookupWrapper, outcomeMatch, outcomeOf, sameOutcome, type Outcome } from './outcome';
import { must, should, skipped, type CheckResult } from './result';
import type { Target } from './target';

/** An order placed with a key, and the outcome the backend answered. */
export interface PlacedOrder {
  key: string;
  bodies: OrderBodies;
  outcome: Outcome;
  /** How long the backend took to answer it (the last send), in ms: the burst times its lookup by it. */
  ms: number;
  /** When it was answered (`performance.now()`). */
  answeredAt: number;
}

/**
 * `lookup-unknown-404` on every URL. Also the reachability test: a URL that
 * gives no answer at all stops the run (exit 2).
 */
export async function unknownKeyLookups(ctx: CheckContext, targets: readonly Target[]): Promise<CheckResult> {
  const answers = await Promise.all(targets.map((t) => lookup(ctx, t, 'lookup of a never-used key', freshKey())));
  const dead = answers.find((x) => x.status === null);
  if (dead) throw new CliError('UNREACHABLE', `${dead.probe.url}: ${dead.error}`);
  const wrong = answers.filter((x) => x.status !== 404);
  const evidence = answers.map((x) => `GET ${x.probe.url}: ${statusText(x)}`).join('; ');
  return must('lookup-unknown-404', wrong.length === 0, wrong.length ? `expected 404 for a key never used: ${evidence}` : evidence);
}

/**
 * `lookup-closes-key`: a lookup with `close=1` of a never-used key answers
 * 404 and closes the key: a POST of it then is not processed (503, `key_closed`), and the
 * key still looks up 404. Otherwise a POST still on its way when the SDK
 * was told 404 (and sent the order to another domain) charges it twice.
 */
export async function lookupClosesKey(ctx: CheckContext): Promise<CheckResult> {
  const name = 'lookup-closes-key';
  const key = freshKey();
  const looked = await lookup(ctx, ctx.primary, 'closing lookup of a never-used key', key, true);
  if (looked.status !== 404) return must(name, false, `GET ${looked.probe.url}: ${statusText(looked)}, expected 404 for a key never used`);
  // Its 503 key_closed is final: sent again, it could end on a limiter's 429 and fail a conforming backend.
  const late = await postOrder(ctx, ctx.primary, 'POST of a closed key', key, ctx.orders().body, 1, { final: isKeyClosed });
  const after = await lookup(ctx, ctx.primary, 'lookup of a closed key', key);
  const evidence = `GET ${looked.probe.url}: 404; then POST with that key: ${statusText(late)} ${excerpt(late.body)}; then GET ${after.probe.url}: ${statusText(after)}`;
  // The body is how the SDK tells this 503 from any other: without it, it never learns the key is closed there.
  if (isKeyClosed(late) && after.status === 404) return must(name, true, evidence);
  return must(name, false, `${evidence}: expected 503 {"error":"key_closed"} and 404, the key closed by the first lookup (a POST of it still on its way must not be processed once a lookup answered 404)`);
}

/** `key-required`: a POST without Idempotency-Key is 400. */
export async function keyRequired(ctx: CheckContext): Promise<CheckResult> {
  const x = await postOrder(ctx, ctx.primary, 'POST without a key', null, ctx.orders().body);
  const note = x.status !== null && x.status >= 200 && x.status < 300 ? ' (the order was processed without a key)' : '';
  return must('key-required', x.status === 400, `POST ${x.probe.url} without Idempotency-Key: ${statusText(x)} ${excerpt(x.body)}${note}`);
}

/**
 * Places the first order: `order-answered`, and the order for the checks that
 * follow. Its key is looked up first without `close=1`, which only looks: a
 * backend that closed the key there answers the POST 503 `key_closed` (the
 * SDK looks up without closing an order it holds only a copy of, then sends
 * it). A try-later answer (408, 425, 429, 503) says "not processed", and
 * is otherwise only asked again, so before each resend the key is looked up:
 * with no other request for it, 200 or 409 there means that answer hid a
 * processed (or running) order, which the SDK may then take to another
 * domain and charge again. Such an order fails `order-answered` but, once it
 * has an outcome, is still used for the checks that follow.
 */
export async function placeFirst(ctx: CheckContext): Promise<{ result: CheckResult; placed: PlacedOrder | null }> {
  const key = freshKey();
  const bodies = ctx.orders();
  const hidden: string[] = [];
  const beforeResend = async (later: Exchange): Promise<void> => {
    if (hidden.length) return;
    const found = await lookup(ctx, ctx.primary, 'lookup after a try-later answer', key);
    if (found.status === 200 || found.status === 409) {
      const state = found.status === 200 ? 'processed' : 'running';
      hidden.push(`POST with key ${key} answered ${statusText(later)} ${excerpt(later.body)} ("not processed; try later"), yet the lookup sent before asking again answered ${statusText(found)} ${excerpt(found.body)}: the key was ${state}, and a client may take a try-later order to another domain and charge it twice (answer 408, 425, 429 or 503 only for a key processed nowhere)`);
    }
  };
  const looked = await lookup(ctx, ctx.primary, 'lookup of the first order before it is sent', key);
  // A closed key's 503 is final: sent again, it could end on a limiter's 429.
  const x = await postOrder(ctx, ctx.primary, 'first order', key, bodies.body, 1, { beforeResend, final: isKeyClosed });
  const [lie] = hidden;
  const outcome = outcomeOf(x);
  if (!outcome) {
    const evidence = isKeyClosed(x)
      ? `GET ${looked.probe.url} (without close=1): ${statusText(looked)}; then POST with that key answered ${statusText(x)} ${excerpt(x.body)}: the lookup closed the key, and a lookup without close=1 must only look (an order the SDK holds only a copy of is looked up that way, then sent)`
      : `POST with a fresh key answered ${statusText(x)} ${excerpt(x.body)}: neither 2xx nor a refusal (4xx), so no outcome to replay`;
    return { result: must('order-answered', false, lie ?? evidence), placed: null };
  }
  const placed = { key, bodies, outcome, ms: x.ms, answeredAt: performance.now() };
  if (lie !== undefined) return { result: must('order-answered', false, lie), placed };
  return { result: must('order-answered', true, `POST with key ${key}: ${describeOutcome(outcome)}${refusalHint(ctx, outcome.status)}`), placed };
}

/** Why a first order may have been refused: no such route (404, 405), or an order this backend does not take. */
function refusalHint(ctx: CheckContext, status: number): string {
  if (status === 404 || status === 405) {
    return ` (no checkout route at ${ctx.primary.checkout}? URL must be the backend's base URL, to which check adds --checkout-path, default /checkout: set that flag if orders go elsewhere)`;
  }
  return status >= 400 ? ' (a refusal: is --order a valid order for this backend?)' : '';
}

/**
 * The `Steadycart-Attempt` values of the repeats: a retry (2), and attempt 1
 * again, as a reloaded page or the service worker sends it, then none at all:
 * the header is for logs, and no value of it may make a finished key run again.
 */
export const REPEAT_ATTEMPTS: readonly (number | null)[] = [2, 1, null];

export const attemptText = (attempt: number | null): string => (attempt === null ? 'without Steadycart-Attempt' : `with Steadycart-Attempt: ${attempt}`);

const SENT = REPEAT_ATTEMPTS.map((a) => (a === null ? 'none' : String(a))).join(', ');

/**
 * `replay-identical` and `replay-header`: the same key and body again, once
 * per {@link REPEAT_ATTEMPTS} value. Each must answer the outcome; and once
 * one of them carries `Idempotent-Replayed: true`, the URL marks its
 * replays, so one without the mark ran the order again, even with the same
 * bytes (a handler that derives the order from the key).
 */
export async function replay(ctx: CheckContext, placed: PlacedOrder): Promise<CheckResult[]> {
  const repeats: Exchange[] = [];
  for (const attempt of REPEAT_ATTEMPTS) repeats.push(await postOrder(ctx, ctx.primary, `repeat ${attemptText(attempt)}`, placed.key, placed.bodies.body, attempt));
  noteMarks(ctx, ctx.primary, repeats);
  const matches = repeats.map((x) => outcomeMatch(x, placed.outcome));
  const mismatch = matches.findIndex((m) => m === null);
  const rerun = repeats.findIndex((x) => ranAgainUnmarked(ctx, ctx.primary, x, placed.outcome));
  const wrong = mismatch >= 0 ? mismatch : rerun;
  const how = matches.every((m) => m === 'bytes') ? 'byte for byte' : 'as equal JSON (not byte for byte)';
  const flags = repeats.map((x) => (x.headers['idempotent-replayed'] === undefined ? 'absent' : JSON.stringify(x.headers['idempotent-replayed'])));
  const what = (i: number) => (i === mismatch ? difference(repeats[i]!, placed.outcome) : ranAgainText(ctx.primary));
  return [
    must(
      'replay-identical',
      wrong < 0,
      wrong < 0
        ? `${repeats.length} repeats (Steadycart-Attempt ${SENT}) answered ${describeOutcome(placed.outcome)} again, ${how}`
        : `repeat ${attemptText(REPEAT_ATTEMPTS[wrong]!)} ${what(wrong)}${REPEAT_ATTEMPTS[wrong] === 2 ? '' : ': the attempt header must not make a finished key run again'}`,
    ),
    should('replay-header', repeats.every(isMarked), `Idempotent-Replayed on the repeats (Steadycart-Attempt ${SENT}): ${flags.join(', ')}`),
  ];
}

/**
 * `replay-without-headers` (advisory, with `--header` only): the same key and
 * body again without the `--header` values must still answer the outcome. A
 * 4xx there means a check in front of the idempotency store (a session, a
 * CSRF token, a WAF rule) answers before it: once such a header goes stale
 * (a shopper's resend after a reload, the service worker's, which sends only
 * headers marked storable), an order already charged is answered a refusal,
 * which the SDK takes as final, and the shopper pays again.
 */
export async function replayWithoutHeaders(ctx: CheckContext, placed: PlacedOrder, names: readonly string[]): Promise<CheckResult> {
  const name = 'replay-without-headers';
  if (!names.length) return skipped(name, 'no --header given');
  const x = await postOrder(ctx, ctx.primary, 'repeat without the --header values', placed.key, placed.bodies.body, 2, {}, true);
  const without = `repeat without ${names.join(', ')}`;
  if (ranAgainUnmarked(ctx, ctx.primary, x, placed.outcome)) return should(name, false, `${without} ${ranAgainText(ctx.primary)}`);
  if (sameOutcome(x, placed.outcome)) return should(name, true, `${without} replayed the outcome`);
  // A stored refusal's status (4xx, not the contract's 409 or 422, nor a try-later one), as the other checks read one.
  const why = isOutcomeStatus(x.status) && x.status >= 400
    ? ': a check in front of the idempotency store refused it. The SDK takes a 4xx as final: once such a header goes stale (a session, a CSRF token), a shopper\'s resend of an order already charged is told it was not placed, and the shopper pays again. Answer a key\'s stored outcome before that check'
    : '';
  return should(name, false, `${without} ${difference(x, placed.outcome)}${why}`);
}

/** `quoted-key`: the IETF draft's quoted form names the same key. */
export async function quotedKey(ctx: CheckContext, placed: PlacedOrder): Promise<CheckResult> {
  const x = await postOrder(ctx, ctx.primary, 'repeat with the quoted key', `"${placed.key}"`, placed.bodies.body, 3);
  if (!sameOutcome(x, placed.outcome)) return should('quoted-key', false, `Idempotency-Key: "${placed.key}" ${difference(x, placed.outcome)}`);
  if (ranAgainUnmarked(ctx, ctx.primary, x, placed.outcome)) return should('quoted-key', false, `Idempotency-Key: "${placed.key}" ${ranAgainText(ctx.primary)}`);
  return should('quoted-key', true, `Idempotency-Key: "${placed.key}" replayed the outcome`);
}

/**
 * `changed-body-422`: the same key with another body is 422, and leaves the
 * key as it was: the first body, sent again, still replays the outcome (a
 * refusal that overwrote the stored fingerprint would turn the shopper's own
 * retries into 422s).
 */
export async function changedBody(ctx: CheckContext, placed: PlacedOrder): Promise<CheckResult> {
  const x = await postOrder(ctx, ctx.primary, 'changed body', placed.key, placed.bodies.changed);
  const refused = `same key, another body: ${statusText(x)} ${excerpt(x.body)}`;
  if (x.status !== 422) return must('changed-body-422', false, refused);
  const again = await postOrder(ctx, ctx.primary, 'repeat after the changed body', placed.key, placed.bodies.body, 2);
  if (ranAgainUnmarked(ctx, ctx.primary, again, placed.outcome)) return must('changed-body-422', false, `${refused}; then the first body again ${ranAgainText(ctx.primary)}`);
  if (sameOutcome(again, placed.outcome)) return must('changed-body-422', true, `${refused}; the first body again replayed the outcome`);
  return must('changed-body-422', false, `${refused}; then the first body again ${difference(again, placed.outcome)}: the refusal changed what the key holds`);
}

/**
 * `replay-at-end`: at the end of the run, the first order's key still
 * replays its outcome and looks it up, after the burst's key and the rest of
 * the run (a store that keeps only the latest keys, or a short TTL, would
 * charge a shopper's retry again). Only the run's own duration is tested,
 * not the contract's retention period.
 */
export async function replayAtEnd(ctx: CheckContext, placed: PlacedOrder): Promise<CheckResult> {
  const seconds = ((performance.now() - placed.answeredAt) / 1000).toFixed(1);
  // The lookup first: on a forgetful store, the repeat would store the key anew.
  const found = await lookup(ctx, ctx.primary, 'lookup at the end of the run', placed.key);
  const x = await postOrder(ctx, ctx.primary, 'repeat at the end of the run', placed.key, placed.bodies.body, 2);
  // A 200 that is no wrapper is lookup-stored-outcome's to judge: it is no sign of a forgotten key.
  const lookupWrong = found.status === 200 && !lookupWrapper(found) ? null : lookupMismatch(found, placed.outcome);
  const ranAgain = ranAgainUnmarked(ctx, ctx.primary, x, placed.outcome);
  const repeatWrong = ranAgain ? `the repeat ${ranAgainText(ctx.primary)}` : sameOutcome(x, placed.outcome) ? null : `the repeat ${difference(x, placed.outcome)}`;
  const wrong = [lookupWrong, repeatWrong].filter((w): w is string => w !== null);
  const scope = `retention checked only for this run's ${seconds} s, not the contract's period (at least the SDK's outbox retention, 24 hours by default)`;
  // Found by the lookup, yet run again: not forgotten, but no longer held.
  const why = ranAgain && lookupWrong === null ? 'the key no longer held its outcome' : 'the key was forgotten';
  if (wrong.length) return must('replay-at-end', false, `first order's key, ${seconds} s after its outcome: ${wrong.join('; ')}: ${why} (${scope})`);
  return must('replay-at-end', true, `first order's key, ${seconds} s after its outcome, replayed and looked up ${describeOutcome(placed.outcome)} (${scope})`);
}

/**
 * `lookup-stored-outcome`: the lookup wraps the outcome. Sent with `close=1`,
 * as the SDK sends the lookup it acts on: a backend that closed a key there
 * without reading its record would answer 404 for a processed order, and the
 * SDK would take it to another domain (replay-at-end looks it up without).
 */
export async function storedLookup(ctx: CheckContext, placed: PlacedOrder): Promise<CheckResult> {
  const x = await lookup(ctx, ctx.primary, 'closing lookup of the processed key', placed.key, true);
  const wrong = lookupMismatch(x, placed.outcome);
  return must('lookup-stored-outcome', wrong === null, wrong ?? `GET ${x.probe.url}: 200 ${excerpt(x.body)}`);
}
