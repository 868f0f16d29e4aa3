import { STANDALONE_WORKER } from '../build-flags';
import type { Events } from '../events';
import { toJsonBody } from '../guard/json';
import type { OutboxRecord, Storage } from '../storage';
import { isObject, outboxFieldProblem, quarantined } from '../storage/validate';
import type { OutboxStatus } from '../types';
import { isFinal } from './statuses';

/**
 * @internal Reads outbox records, trusting none unchecked: a malformed or
 * tampered one (card data included) is quarantined as `failed`, reported, and
 * never sent; one without a string id was not written by steadycart and is
 * skipped.
 *
 * The costly check, of the body (JSON, then the card guard), runs once per
 * record: a record's body never changes (one key, one byte-identical body,
 * forever), so a later read whose body equals the one already checked only
 * has its small fields checked again. Scans (`all`) stay cheap however often
 * the page and the drain ask.
 */
export class OutboxRecords {
  /** Bodies already checked, by record id; `guarded` once the card guard passed too. */
  private readonly checkedBodies = new Map<string, { body: string; guarded: boolean }>();

  constructor(
    private readonly storage: Storage,
    private readonly events: Events,
    private readonly allowCardLikeAt: readonly string[],
  ) {}

  /** Every trusted record; bad ones are quarantined on the way. */
  async all(): Promise<OutboxRecord[]> {
    const records: OutboxRecord[] = [];
    for (const raw of await this.storage.all('outbox')) {
      const record = await this.checked(raw);
      if (record) records.push(record);
    }
    return records;
  }

  /** One trusted record, or `undefined`. */
  async get(id: string): Promise<OutboxRecord | undefined> {
    return this.checked(await this.storage.get('outbox', id));
  }

  /** Notes a body this context checked itself (a new order's), so its first read costs nothing more. */
  trust(record: OutboxRecord): void {
    this.checkedBodies.set(record.id, { body: record.body, guarded: true });
  }

  /** Forgets a record that left storage. */
  forget(id: string): void {
    this.checkedBodies.delete(id);
  }

  private async checked(raw: unknown): Promise<OutboxRecord | undefined> {
    if (!isObject(raw) || typeof raw.id != 'string') return;
    // Quarantined before (its id may be no key, which cannot be rewritten): reported and stored once, not on every read.
    if (raw.status == 'failed' && isObject(raw.lastError) && raw.lastError.code == 'corrupt' && !outboxFieldProblem({ ...raw, id: 'quarantined' })) return raw as unknown as OutboxRecord;
    const fieldProblem = outboxFieldProblem(raw);
    // A malformed record is quarantined whatever its body holds, and its body is checked all the same
    // (as one that may still be sent, whatever its status says): no card data stays at rest in it.
    const body = this.bodyProblem(raw as unknown as OutboxRecord, !!fieldProblem);
    const problem = fieldProblem ?? body;
    if (!problem) return raw as unknown as OutboxRecord;
    this.forget(raw.id);
    // A body that is not JSON, or that failed the card guard, is not kept.
    const record = quarantined(body ? { ...raw, body: 'null' } : raw, problem);
    await this.storage.put('outbox', record, 'relaxed');
    if (!STANDALONE_WORKER) this.events.emit('storage:corrupt', { store: 'outbox', id: record.id, reason: problem });
    return record;
  }

  /**
   * Why a record's body cannot be trusted, checked once per body: JSON for
   * every record, the card guard for one that may still be sent (a finished
   * record's body is only shown), or for any `malformed` one.
   */
  private bodyProblem(record: OutboxRecord, malformed: boolean): string | undefined {
    const final = !malformed && isFinal(record.status as OutboxStatus);
    const known = this.checkedBodies.get(record.id);
    if (known?.body === record.body && (known.guarded || final)) return;
    let order: unknown;
    try {
      order = JSON.parse(record.body);
    } catch {
      return 'body is not JSON';
    }
    if (!final) {
      try {
        // Against the paths allowed when the order was placed (see OutboxRecord.allowCardLikeAt); a
        // malformed record's own list is not trusted.
        toJsonBody(order, (!malformed && record.allowCardLikeAt) || this.allowCardLikeAt);
      } catch (error) {
        return (error as Error).message;
      }
    }
    this.checkedBodies.set(record.id, { body: record.body, guarded: !final });
  }
}
