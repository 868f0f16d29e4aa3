import type { OutboxRecord, Storage } from '../storage';

type Durability = 'strict' | 'relaxed';

interface Queued {
  record: OutboxRecord;
  durability: Durability;
  settle: (error?: unknown) => void;
}

/**
 * @internal Group commit of outbox writes. Transactions that write a store run
 * one at a time, each with its own commit; a drain that writes one outcome (and
 * a domain's write-ahead) per order spends most of its time in that queue. A
 * write made while another commits waits for it, then goes with every write
 * queued meanwhile in one transaction (strict when any of them is); a write
 * made alone goes at once. Each resolves once its transaction has committed.
 */
export class GroupCommit {
  private queue: Queued[] = [];
  private committing = false;

  constructor(private readonly storage: Storage) {}

  /** Stores a copy of `record` as it is now. */
  put(record: OutboxRecord, durability: Durability = 'strict'): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record: { ...record, domains: [...record.domains] }, durability, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.committing) void this.commit();
    });
  }

  private async commit(): Promise<void> {
    this.committing = true;
    while (this.queue.length) {
      const batch = this.queue.splice(0);
      const durability = batch.some((q) => q.durability == 'strict') ? 'strict' : 'relaxed';
      try {
        await this.storage.putAll('outbox', batch.map((q) => q.record), durability);
        batch.forEach((q) => q.settle());
      } catch {
        // One write that cannot be stored must not fail the others: each again, alone, with its own outcome.
        for (const q of batch) await this.storage.put('outbox', q.record, q.durability).then(() => q.settle(), (error: unknown) => q.settle(error ?? new Error('write failed')));
      }
    }
    this.committing = false;
  }
}
