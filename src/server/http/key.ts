/**
 * Key characters: URL-safe, so that the lookup path `{checkout}/{key}` carries
 * any key unchanged. `.` and `..` alone are not keys: a URL path resolves them
 * away (`/checkout/..` is `/`), so their lookup could only answer 404.
 */
const KEY = /^(?!\.\.?$)[A-Za-z0-9._~:-]{1,255}$/;

/**
 * The idempotency key of an `Idempotency-Key` header: the bare form the SDK
 * sends (`3f2c…`) or the quoted structured-field string of the IETF draft
 * (`"3f2c…"`). Null when missing or malformed.
 */
export function parseKeyHeader(value: string | null): string | null {
  if (value == null) return null;
  const text = value.trim();
  const quoted = text.length >= 2 && text.startsWith('"') && text.endsWith('"');
  return checkKey(quoted ? text.slice(1, -1) : text);
}

/** `key` when it is a well-formed key, else null. */
export function checkKey(key: string): string | null {
  return KEY.test(key) ? key : null;
}
