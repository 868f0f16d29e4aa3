import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import type { CartItem, CircuitState, ErrorInfo, OutboxStatus, ServerResult } from '../types';

/**
 * The cart, one record. A page drops the lines it cannot validate (`checkItem`, in the cart's `clean`) and writes
 * the rest back with its next change: a field added to stored lines, or a limit relaxed, must
 * come with a new schema version (`migrations`), so that pages of an older build, still open
 * across a deploy, fall back to memory rather than delete lines written by a newer one.
 * A field added to the record itself needs none: every change keeps the fields it does not know.
 */
export interface CartRecord {
  id: 'cart';
  items: CartItem[];
  /** Increases with every change, so that a tab never shows an older cart after a newer one. */
  rev: number;
  updatedAt: number;
  /**
   * The orders whose lines left the cart, newest first (`removeOrdered`, in the
   * full SDK): read and checked there alone. Every change keeps it as it found it.
   */
  taken?: unknown;
}

/**
 * An order in the outbox: the write-ahead record. A build quarantines, in storage, a record it
 * cannot validate (`outboxFieldProblem`): a new status, a new field, or a field's new format must
 * come with a new schema version (`migrations`), so that pages of an older build, still open across
 * a deploy, fall back to a copy in memory rather than mark as failed an order a newer one will place.
 * test/browser/hardening/record-formats.test.ts pins the format to the version.
 */
export interface OutboxRecord {
  /** Idempotency key, minted once. */
  id: string;
  /** The order serialized once; every attempt sends these exact bytes. */
  body: string;
  status: OutboxStatus;
  createdAt: number;
  updatedAt: number;
  attempts: number;
  /** Replays that sent something; drives the replay backoff. */
  runs: number;
  /**
   * Idempotency domains where a POST of this order may have been processed
   * without a definite answer. Written before a request leaves for a new
   * domain; a domain leaves only when a lookup there answers 404.
   */
  domains: string[];
  /**
   * Domains whose lookup of this order answered 404. The answer also closes
   * the key there (docs/backend-contract.md): a POST of it still on its way
   * is not processed, so the order may go elsewhere; it is never sent to
   * them again. Absent in records written before it was kept.
   */
  closed?: string[];
  /**
   * Set only on a page's memory copy of an order read from the database as
   * the page fell back to memory (unless the database was deleted): a
   * context still on the database (a newer build's page, the service worker)
   * may send it from there, so this copy is only looked up, never sent.
   */
  copied?: boolean;
  /** Not replayed before this time (backoff), unless a replay is forced. */
  due: number;
  /**
   * Not sent before this time, not even by a forced replay: a 409's
   * `Retry-After` (the key still running there). Written with every outcome
   * (the time it was stored, when the server asked for no wait); absent in
   * records written before it was kept.
   */
  holdUntil?: number;
  tokenExpiresAt?: number;
  /** When the page that placed it stops keeping it (its `createdAt` plus that page's retention). Absent in older records: the reader's retention then applies. */
  expiresAt?: number;
  lastError?: ErrorInfo;
  result?: ServerResult;
  /** The `needs-payment` order this one pays again for (`outbox.resubmit`). */
  replaces?: string;
  /** The order that paid again for this one; set with that order's write-ahead, in one transaction. */
  replacedBy?: string;
  /**
   * The `allowCardLikeAt` paths the body was checked with when the order was
   * placed. A reader checks the body against these, so that a context with
   * another list (a tab still on the page before a path was added) does not
   * take a legitimate order for tampered storage. Absent in records written
   * before it was kept: the reader's own list then applies.
   */
  allowCardLikeAt?: string[];
}

/** Circuit breaker and latency state of one endpoint, shared by every context. */
export interface EndpointRecord {
  /** The endpoint's URL. */
  id: string;
  state: CircuitState;
  failures: number;
  /** Current open interval; doubles on every failed probe. */
  openMs: number;
  /** When an open circuit may be probed. */
  retryAt: number;
  /** Recent answer latencies, newest last. */
  samples: number[];
  /** Time of the last answer, if any. */
  okAt?: number;
  /** When the circuit last opened (from closed). */
  openedAt?: number;
  /** A server's `Retry-After`: no context probes before this time. */
  notBefore?: number;
  lastError?: ErrorInfo;
  updatedAt: number;
}

/** A lock lease, where Web Locks are missing. */
export interface LeaseRecord {
  id: string;
  owner: string;
  until: number;
}

/** Small settings (for example the service worker's configuration). */
export interface MetaRecord {
  id: string;
  value: unknown;
  /** The format of `value`, where it has one (the stored configuration's `CONFIG_FORMAT`). */
  format?: number;
}

/** The database schema: every read and write is checked against it. */
export interface Schema extends DBSchema {
  cart: { key: string; value: CartRecord };
  meta: { key: string; value: MetaRecord };
  outbox: { key: string; value: OutboxRecord };
  endpoints: { key: string; value: EndpointRecord };
  leases: { key: string; value: LeaseRecord };
}

export type StoreName = StoreNames<Schema>;
export type Value<S extends StoreName> = Schema[S]['value'];

type Migration = (db: IDBPDatabase<Schema>, tx: IDBPTransaction<Schema, StoreName[], 'versionchange'>) => void;

/**
 * Numbered migrations: `migrations[n]` upgrades version n to n + 1. Append
 * only; a migration keeps every record (a schema upgrade that drops the
 * queue loses orders).
 */
export const migrations: Migration[] = [
  // v1: the cart and settings.
  (db) => {
    db.createObjectStore('cart', { keyPath: 'id' });
    db.createObjectStore('meta', { keyPath: 'id' });
  },
  // v2: the outbox, endpoint health and lock leases.
  (db) => {
    db.createObjectStore('outbox', { keyPath: 'id' });
    db.createObjectStore('endpoints', { keyPath: 'id' });
    db.createObjectStore('leases', { keyPath: 'id' });
  },
];
