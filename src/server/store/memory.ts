import { randomUUID } from 'node:crypto';
import type { IdempotencyStore, KeyRecord, Reservation } from './types';

/**
 * An idempotency store in this process's memory: for tests and trials only.
 * It forgets every key when the process stops, so a restarted server would
 * run an order again; it cannot be shared by two processes (no domain of
 * more than one endpoint). Use `pgliteStore`, `postgresStore` or `redisStore`
 * in production.
 */
export function memoryStore(): IdempotencyStore {
  const records = new Map<string, KeyRecord>();
  /** The live record for `key`: an expired one counts as none. */
  const live = (key: string, now: number): KeyRecord | undefined => {
    const r = records.get(key);
    if (r && r.expiresAt <= now) {
      records.delete(key);
      return undefined;
    }
    return r;
  };
  /** The record if `owner` holds it while it runs. */
  const held = (key: string, owner: string): KeyRecord | undefined => {
    const r = live(key, Date.now());
    return r && r.state == 'running' && r.owner == owner ? r : undefined;
  };

  return {
    async reserve(key, fingerprint, { leaseMs, retentionMs }): Promise<Reservation> {
      const now = Date.now();
      const r = live(key, now);
      if (r && r.fingerprint != fingerprint) return { kind: 'mismatch' };
      if (r?.state == 'done' && r.outcome) return { kind: 'done', outcome: { ...r.outcome } };
      if (r && r.owner && r.leaseUntil > now) return { kind: 'busy', retryAfterMs: r.leaseUntil - now };
      const owner = randomUUID();
      const attempt = (r?.attempt ?? 0) + 1;
      records.set(key, { key, fingerprint, state: 'running', owner, leaseUntil: now + leaseMs, attempt, expiresAt: now + retentionMs });
      return { kind: 'acquired', owner, attempt };
    },
    async read(key) {
      const now = Date.now();
      const r = live(key, now);
      return r ? { ...r, leaseLeftMs: Math.max(0, r.leaseUntil - now), ...(r.outcome ? { outcome: { ...r.outcome } } : {}) } : null;
    },
    async heartbeat(key, owner, leaseMs) {
      const r = held(key, owner);
      if (r) r.leaseUntil = Date.now() + leaseMs;
      return !!r;
    },
    async complete(key, owner, outcome, retentionMs) {
      const r = held(key, owner);
      if (!r) return false;
      Object.assign(r, { state: 'done', owner: null, leaseUntil: 0, outcome: { ...outcome }, expiresAt: Date.now() + retentionMs });
      return true;
    },
    async release(key, owner, { forget }) {
      const r = held(key, owner);
      if (!r) return false;
      if (forget) records.delete(key);
      else Object.assign(r, { owner: null, leaseUntil: 0 });
      return true;
    },
    async sweep() {
      const now = Date.now();
      let n = 0;
      for (const [key, r] of records) {
        if (r.expiresAt <= now) {
          records.delete(key);
          n++;
        }
      }
      return n;
    },
    async ping() {},
    async close() {},
  };
}
