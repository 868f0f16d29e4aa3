/**
 * The idempotency store behind `createCheckoutHandler`: one record per
 * idempotency key, reserved atomically, owned by a fencing token while a
 * handler runs, and holding the stored outcome once there is one.
 *
 * Every store (memory, PGlite, PostgreSQL, Redis) implements this interface
 * and passes the one contract suite in test/server/store-contract.mjs.
 * Endpoints that share one store form one idempotency domain.
 */

/** The outcome stored for a key and replayed byte for byte. */
export interface StoredOutcome {
  /** HTTP status: 2xx or 4xx. */
  status: number;
  /** The exact response body text (JSON), replayed unchanged. */
  body: string;
}

/** What the store knows of a key. */
export interface KeyRecord {
  /** The idempotency key. */
  key: string;
  /** Hex SHA-256 of the raw body of the request that reserved the key. */
  fingerprint: string;
  /** `running`: a handler holds (or held, until `leaseUntil`) the key; `done`: `outcome` is stored. */
  state: 'running' | 'done';
  /** Fencing token of the current lease holder; `null` once done or after the lease was ended. */
  owner: string | null;
  /** Lease end, ms since the epoch; 0 when no lease is held. */
  leaseUntil: number;
  /**
   * Time left on the lease in ms, by the store's own clock (0 when none is
   * held). Informational: the handler's 409 says `Retry-After: 1` whatever it is.
   */
  leaseLeftMs?: number;
  /** Handler runs started for this key so far (1 after the first reservation). */
  attempt: number;
  /** Present when `state` is `done`. */
  outcome?: StoredOutcome;
  /** When the record may be swept, ms since the epoch. */
  expiresAt: number;
}

/** The answer of {@link IdempotencyStore.reserve}. */
export type Reservation =
  /** This caller owns the key: run the handler (attempt is 1-based). */
  | {
      kind: 'acquired';
      /** The fencing token that owns the key until its lease ends: pass it to `heartbeat`, `complete` and `release`. */
      owner: string;
      /** Handler runs started for this key, this one included (1 for the first). */
      attempt: number;
    }
  /** The key is known with another fingerprint: 422 (checked before everything else). */
  | { kind: 'mismatch' }
  /** Another owner's lease is live: 409 with Retry-After. */
  | {
      kind: 'busy';
      /** How long until the other owner's lease ends, in ms (informational: the handler's 409 says `Retry-After: 1`, a run usually ending sooner). */
      retryAfterMs: number;
    }
  /** The outcome is stored: replay it. */
  | {
      kind: 'done';
      /** The stored outcome, to replay. */
      outcome: StoredOutcome;
    };

/** Timing for a reservation. */
export interface ReserveOptions {
  /** Lease length in ms. */
  leaseMs: number;
  /** How long the record is kept after its last write, in ms. */
  retentionMs: number;
}

/**
 * One atomic operation per method. `now` is the store's own clock: SQL stores
 * use the database's clock, so that processes with skewed clocks agree.
 */
export interface IdempotencyStore {
  /**
   * Atomically: no record -> create it `running` with a new owner token and
   * attempt 1 (`acquired`); another fingerprint -> `mismatch`; `done` ->
   * `done`; `running` with a live lease -> `busy`; `running` with an ended or
   * expired lease -> take it over with a new owner token and attempt + 1
   * (`acquired`).
   */
  reserve(key: string, fingerprint: string, options: ReserveOptions): Promise<Reservation>;
  /** The record, or null when there is none. Reads the primary only. */
  read(key: string): Promise<KeyRecord | null>;
  /** Extends the lease if `owner` still holds it; false when the lease was lost. */
  heartbeat(key: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Stores the outcome if `owner` still holds the key; false (nothing stored) otherwise. */
  complete(key: string, owner: string, outcome: StoredOutcome, retentionMs: number): Promise<boolean>;
  /**
   * Gives the key up if `owner` still holds it. `forget: true` deletes the
   * record (408, 425, 429, 503: nothing was processed); `forget: false` keeps
   * it `running` with the lease ended (5xx, a throw: the next request runs
   * the handler again with attempt + 1).
   */
  release(
    key: string,
    owner: string,
    options: {
      /** `true`: delete the record; `false`: keep it for a retry (see above). */
      forget: boolean;
    },
  ): Promise<boolean>;
  /** Deletes records past `expiresAt`; returns how many. */
  sweep(): Promise<number>;
  /** Answers only while the store does (used by the health route). */
  ping(): Promise<void>;
  /** Releases connections the store opened itself (not those passed in). */
  close(): Promise<void>;
}
