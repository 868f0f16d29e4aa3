/** The orders whose lines have left the cart (the newest few), shared by every tab: see `takeOrdered`. */
const TAKEN_KEY = 'react-shop:lines-taken';

/** The ids kept under `TAKEN_KEY`; none when storage is off or the value is not ours. */
function readTaken(): string[] {
  try {
    const taken: unknown = JSON.parse(localStorage.getItem(TAKEN_KEY) ?? '[]');
    return Array.isArray(taken) ? taken : [];
  } catch {
    return [];
  }
}

/**
 * Takes a kept order's lines out of the cart, and only them: a line another tab added while the
 * order was on its way stays, and so does a unit added to an ordered line (each
 * `remove(sku, qty)` is one transaction on the stored cart). Once per order across tabs: the tab
 * that paid and every tab following the order (see `ownOrder`) get here, and a second removal
 * would take units the order never had. Marked before the lines go: should the tab die in
 * between, the lines stay in the cart rather than leave it twice.
 */
export async function takeOrdered(id: string, lines: readonly { sku: string; qty: number }[], remove: (sku: string, qty: number) => Promise<unknown>): Promise<void> {
  const take = async () => {
    const taken = readTaken();
    if (taken.includes(id)) return;
    try {
      localStorage.setItem(TAKEN_KEY, JSON.stringify([id, ...taken].slice(0, 20)));
    } catch {
      // Storage off or full: this tab's word alone, as without Web Locks.
    }
    for (const { sku, qty } of lines) await remove(sku, qty);
  };
  // Web Locks are everywhere steadycart's own cross-tab guarantees are; without them, one tab's word.
  await (navigator.locks ? navigator.locks.request(TAKEN_KEY, take) : take());
}
