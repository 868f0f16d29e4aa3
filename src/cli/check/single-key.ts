/**
 * The checks on one processed order: a key is required, the outcome replays
 * (byte for byte or as equal JSON; also for the quoted key form), a changed
 * body is 422, and the lookup answers the outcome wrapped, or 404 for a key
 * never seen.
 */
import { CliError } from '../errors';
import { excerpt, statusText } from './http';
import { freshKey, lookup, postOrder, type CheckContext } from './context';
import type { OrderBodies } from './order';
import { describeOutcome, difference, lookupMismatch, outcomeMatch, outcomeOf, sameOutcome, type Outcome } from './outcome';
import { must, should, type CheckResult } from './result';
import type { Target } from './target';

/** An order placed with a key, and the outcome the backend answered. */
export interface PlacedOrder {
  key: string;
  bodies: OrderBodies;
  outcome: Outcome;
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

/** `key-required`: a POST without Idempotency-Key is 400. */
export async function keyRequired(ctx: CheckContext): Promise<CheckResult> {
  const x = await postOrder(ctx, ctx.primary, 'POST without a key', null, ctx.orders().body);
  const note = x.status !== null && x.status >= 200 && x.status < 300 ? ' (the order was processed without a key)' : '';
  return must('key-required', x.status === 400, `POST ${x.probe.url} without Idempotency-Key: ${statusText(x)} ${excerpt(x.body)}${note}`);
}

/**
 * Places the first order: `order-answered`, and the order for the checks that
 * follow. A try-later answer (408, 425, 429, 503) says "not processed", and
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
  const x = await postOrder(ctx, ctx.primary, 'first order', key, bodies.body, 1, async (later) => {
    if (hidden.length) return;
    const found = await lookup(ctx, ctx.primary, 'lookup after a try-later answer', key);
    if (found.status === 200 || found.status === 409) {
      const state = found.status === 200 ? 'processed' : 'running';
      hidden.push(`POST with key ${key} answered ${statusText(later)} ${excerpt(later.body)} ("not processed; try later"), yet the lookup sent before asking again answered ${statusText(found)} ${excerpt(found.body)}: the key was ${state}, and a client may take a try-later order to another domain and charge it twice (answer 408, 425, 429 or 503 only for a key processed nowhere)`);
    }
  });
  const [lie] = hidden;
  const outcome = outcomeOf(x);
  if (!outcome) {
    const evidence = `POST with a fresh key answered ${statusText(x)} ${excerpt(x.body)}: neither 2xx nor a refusal (4xx), so no outcome to replay`;
    return { result: must('order-answered', false, lie ?? evidence), placed: null };
  }
  const placed = { key, bodies, outcome };
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

/** `replay-identical` and `replay-header`: the same key and body again. */
export async function replay(ctx: CheckContext, placed: PlacedOrder): Promise<CheckResult[]> {
  const x = await postOrder(ctx, ctx.primary, 'repeat', placed.key, placed.bodies.body, 2);
  const match = outcomeMatch(x, placed.outcome);
  const how = match === 'bytes' ? 'byte for byte' : 'as equal JSON (not byte for byte)';
  const flag = x.headers['idempotent-replayed'];
  return [
    must('replay-identical', match !== null, match ? `repeat answered ${describeOutcome(placed.outcome)} again, ${how}` : `repeat ${difference(x, placed.outcome)}`),
    should('replay-header', flag === 'true', `Idempotent-Replayed on the repeat: ${flag === undefined ? 'absent' : JSON.stringify(flag)}`),
  ];
}

/** `quoted-key`: the IETF draft's quoted form names the same key. */
export async function quotedKey(ctx: CheckContext, placed: PlacedOrder): Promise<CheckResult> {
  const x = await postOrder(ctx, ctx.primary, 'repeat with the quoted key', `"${placed.key}"`, placed.bodies.body, 3);
  const same = sameOutcome(x, placed.outcome);
  return should('quoted-key', same, same ? `Idempotency-Key: "${placed.key}" replayed the outcome` : `Idempotency-Key: "${placed.key}" ${difference(x, placed.outcome)}`);
}

/** `changed-body-422`: the same key with another body. */
export async function changedBody(ctx: CheckContext, placed: PlacedOrder): Promise<CheckResult> {
  const x = await postOrder(ctx, ctx.primary, 'changed body', placed.key, placed.bodies.changed);
  return must('changed-body-422', x.status === 422, `same key, another body: ${statusText(x)} ${excerpt(x.body)}`);
}

/** `lookup-stored-outcome`: the lookup wraps the outcome. */
export async function storedLookup(ctx: CheckContext, placed: PlacedOrder): Promise<CheckResult> {
  const x = await lookup(ctx, ctx.primary, 'lookup of the processed key', placed.key);
  const wrong = lookupMismatch(x, placed.outcome);
  return must('lookup-stored-outcome', wrong === null, wrong ?? `GET ${x.probe.url}: 200 ${excerpt(x.body)}`);
}
