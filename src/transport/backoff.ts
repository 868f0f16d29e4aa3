/**
 * Capped exponential backoff with full jitter (a random delay between 0 and
 * `min(cap, base * 2^step)`), which spreads a crowd of clients evenly
 * instead of letting them retry in waves.
 */
export function backoff(step: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** Math.min(step, 30)));
}

/**
 * Parses a `Retry-After` header (delay in seconds, or an HTTP date) into
 * milliseconds from `now`; `undefined` when absent or unreadable.
 */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return +value * 1000;
  // An HTTP date names its day and month; anything else (a negative number...) is unreadable.
  // Its asctime form (`Sun Nov  6 08:49:37 1994`) names no zone but means GMT, not local time.
  const date = /[a-z]/i.test(value) ? Date.parse(value.replace(/ \d{4}$/, '$& GMT')) : NaN;
  return isNaN(date) ? undefined : Math.max(0, date - now);
}
