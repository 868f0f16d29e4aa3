/**
 * The demo payment service provider: it charges `tok_ok`, declines every
 * other token, and, like a real PSP with idempotency keys, never charges one
 * key twice. The keys it has charged live in the idempotency store itself
 * (as `psp/<key>` records), so every region sharing the store shares them,
 * and they survive a crash of the process.
 */
import type { IdempotencyStore } from '../../server/store/types';

/** The token that charges; any other token is declined. */
export const CHARGING_TOKEN = 'tok_ok';

/** What the PSP did with a payment. */
export type PspVerdict =
  /** Charged now. */
  | { kind: 'charged' }
  /** This key was charged before (by any region): the earlier charge stands, nothing new. */
  | { kind: 'already-charged' }
  /** The token does not pay (or the key is claimed by a foreign record): nothing charged. */
  | { kind: 'declined' };

/**
 * A store record name for the PSP's claim on `key`. The `/` is not a key
 * character (src/server/http/key.ts), so no client key names a claim: its
 * POST and lookup cannot meet the PSP's records.
 */
const claimOf = (key: string) => `psp/${key}`;
/** Every claim has this fingerprint: a claim record with another one is not the PSP's. */
const CLAIM_FINGERPRINT = '0000000000000000000000000000000000000000000000000000000000000000';

/**
 * The demo PSP over `store`. A charge is one atomic `reserve` of the claim,
 * held for the whole retention: acquired means charged, so a crash right
 * after the claim can never lead to a second charge for that key.
 */
export function demoPsp(store: IdempotencyStore, retentionMs: number) {
  return {
    async pay(key: string, token: unknown): Promise<PspVerdict> {
      if (token !== CHARGING_TOKEN) return { kind: 'declined' };
      const claim = await store.reserve(claimOf(key), CLAIM_FINGERPRINT, { leaseMs: retentionMs, retentionMs });
      if (claim.kind === 'acquired') return { kind: 'charged' };
      // A record under this name that is not a claim (no client key can name one, but the store is shared): refuse, charge nothing.
      if (claim.kind === 'mismatch') return { kind: 'declined' };
      return { kind: 'already-charged' };
    },
  };
}

/** The demo PSP's interface. */
export type DemoPsp = ReturnType<typeof demoPsp>;
