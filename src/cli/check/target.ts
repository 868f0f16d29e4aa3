/** The URLs of one checkout endpoint, as the wire contract derives them from its base URL. */
export interface Target {
  /** The endpoint URL as given (no trailing slash). */
  base: string;
  /** `POST` here to place an order. */
  checkout: string;
  /** `GET` here for health. */
  health: string;
  /** The lookup URL of a key. */
  lookup(key: string): string;
}

/**
 * The endpoint at `base`, with its checkout and health paths. `lookupPath`:
 * a template holding `{key}` once, as the SDK's `paths.lookup`; null: the
 * checkout path, then `/{key}`.
 */
export function targetOf(base: string, checkoutPath: string, healthPath: string, lookupPath: string | null): Target {
  const checkout = base + checkoutPath;
  const lookup = lookupPath === null ? (key: string) => `${checkout}/${encodeURIComponent(key)}` : (key: string) => base + lookupPath.replace('{key}', encodeURIComponent(key));
  return { base, checkout, health: base + healthPath, lookup };
}
