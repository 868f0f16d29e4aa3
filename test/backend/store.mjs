// @ts-check
/**
 * State of a backend: one idempotency store per domain (endpoints of one
 * domain share it) and one global ledger of every committed outcome, which
 * is what tests inspect to prove "no lost order, no double charge".
 */

/**
 * One key in a domain's store. `body` is the raw request body: replays and
 * 422 decisions compare bytes, as the wire contract requires. `closed`: a
 * lookup found no record of the key, so the domain will never process it
 * (a POST still on its way when the lookup answered 404 must not charge it
 * after the order went to another domain).
 * @typedef {{ state: 'progress', body: Buffer }
 *   | { state: 'done', body: Buffer, status: number, text: string }
 *   | { state: 'closed' }} StoreRecord
 */

/**
 * @typedef {object} DomainStore
 * @property {(key: string) => StoreRecord | undefined} get
 * @property {(key: string, body: Buffer) => void} begin     mark the key in progress
 * @property {(key: string, status: number, text: string) => void} commit  store the outcome
 * @property {(key: string) => void} abandon  forget an in-progress key (processing was cancelled)
 * @property {(key: string) => void} close    a lookup found no record: the key is never processed here
 */

/** @returns {DomainStore} */
export function createDomainStore() {
  /** @type {Map<string, StoreRecord>} */
  const records = new Map();
  return {
    get: (key) => records.get(key),
    begin(key, body) {
      records.set(key, { state: 'progress', body });
    },
    commit(key, status, text) {
      const rec = records.get(key);
      records.set(key, { state: 'done', body: rec ? rec.body : Buffer.alloc(0), status, text });
    },
    abandon(key) {
      if (records.get(key)?.state === 'progress') records.delete(key);
    },
    close(key) {
      if (!records.has(key)) records.set(key, { state: 'closed' });
    },
  };
}

/**
 * One committed outcome.
 * @typedef {object} LedgerOrder
 * @property {string | null} key       null for a keyless POST (requireKey false)
 * @property {string} domain
 * @property {string} endpoint
 * @property {number} status           201 for a charge, 402 for a decline
 * @property {unknown} body            the parsed request body
 * @property {boolean} charged
 * @property {number} committedAt      epoch ms
 * @property {unknown} orderRef        the logical order's reference, or null
 */

/**
 * @typedef {object} LedgerSnapshot
 * @property {LedgerOrder[]} orders
 * @property {number} charges     committed 2xx outcomes
 * @property {number} declines    committed refusals
 * @property {number} duplicates  extra charges of one logical order
 */

/**
 * @typedef {object} Ledger
 * @property {(order: LedgerOrder) => void} record
 * @property {() => LedgerSnapshot} snapshot   a deep copy
 * @property {(key: string) => number} charges  charges of this key in every domain
 * @property {() => void} clear
 */

/** @returns {Ledger} */
export function createLedger() {
  /** @type {LedgerOrder[]} */
  let orders = [];
  return {
    record(order) {
      orders.push(order);
    },
    snapshot() {
      const charged = orders.filter((o) => o.charged);
      return {
        orders: structuredClone(orders),
        charges: charged.length,
        declines: orders.length - charged.length,
        duplicates: countDuplicates(charged),
      };
    },
    charges: (key) => orders.filter((o) => o.charged && o.key === key).length,
    clear() {
      orders = [];
    },
  };
}

/**
 * Extra charges of one logical order. Charges belong to the same order when
 * they share a key (the same key charged in two domains) or a non-null
 * orderRef (one order sent under two keys, or keyless twice); the groups
 * are the connected components of that relation, and each group of n
 * charges holds n - 1 duplicates.
 * @param {readonly LedgerOrder[]} charged
 * @returns {number}
 */
export function countDuplicates(charged) {
  const parent = Int32Array.from(charged, (_, i) => i);
  /** @param {number} i @returns {number} */
  const find = (i) => {
    // Path halving: no recursion, so no stack limit on long chains.
    while (parent[i] !== i) i = parent[i] = /** @type {number} */ (parent[/** @type {number} */ (parent[i])]);
    return i;
  };
  /** @type {Map<string, number>} */
  const firstSeen = new Map();
  charged.forEach((o, i) => {
    // Prefixes keep a key and an orderRef with the same text apart.
    const ids = [];
    if (o.key !== null) ids.push(`k:${o.key}`);
    if (o.orderRef !== null && o.orderRef !== undefined) ids.push(`r:${JSON.stringify(o.orderRef)}`);
    for (const id of ids) {
      const j = firstSeen.get(id);
      if (j === undefined) firstSeen.set(id, i);
      else parent[find(i)] = find(j);
    }
  });
  let groups = 0;
  parent.forEach((_, i) => {
    if (find(i) === i) groups++;
  });
  return charged.length - groups;
}
