/**
 * Flag parsing shared by the sub-commands: node:util's `parseArgs` with its
 * errors turned into usage errors, and typed value readers.
 */
import { parseArgs } from 'node:util';
import { LOOPBACK } from '../loopback';
import { CliError, usage } from './errors';

/** The flags a command takes, as node:util's `parseArgs` describes them. */
export type FlagSpecs = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;

/** What {@link parseFlags} returns for `T`: typed `values` and the `positionals`. */
export type ParsedFlags<T extends FlagSpecs> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>;

/**
 * Parses `argv` with node:util's `parseArgs` (strict, positionals allowed);
 * its errors (unknown flag, missing value) become usage errors.
 */
export function parseFlags<const T extends FlagSpecs>(argv: readonly string[], options: T): ParsedFlags<T> {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError('USAGE', (err as Error).message);
  }
}

/** A whole number within [min, max], or a usage error naming the flag. */
export function intFlag(flag: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) usage(`--${flag} must be a whole number from ${min} to ${max} (got "${value}")`);
  return n;
}

/**
 * `value` as a usage message may quote it: a password in it (`//user:secret@`, `?password=`) masked,
 * so that a mistyped flag never prints one to a terminal or a CI log.
 */
export const quoted = (value: string): string => `"${value.replace(/(\/\/[^/@:]*:)[^@]*@/, '$1***@').replace(/(password=)[^&#]*/gi, '$1***')}"`;

/** An absolute http(s) URL without query or fragment, trailing slashes removed. */
export function httpUrlArg(what: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return usage(`${what} must be an absolute URL such as https://staging.example.com (got ${quoted(value)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') usage(`${what} must be http: or https: (got ${quoted(value)})`);
  // `value`, not `url.search`/`url.hash`: those are empty for a bare "?" or "#", which href keeps.
  if (/[?#]/.test(value) || url.username || url.password) usage(`${what} must not carry credentials, a query or a fragment (got ${quoted(value)})`);
  return url.href.replace(/\/+$/, '');
}

/**
 * An endpoint's URL as the SDK takes one ({@link httpUrlArg}): `https:`, or `http:` on loopback only. A
 * plain-http endpoint elsewhere is one no page of the shop can use, and `check` would send it orders and
 * `--header` values in clear text.
 */
export function endpointArg(what: string, value: string): string {
  const url = httpUrlArg(what, value);
  const { protocol, hostname } = new URL(url);
  if (protocol == 'http:' && !LOOPBACK.includes(hostname)) usage(`${what} must be https: (http: only on localhost, 127.0.0.1 or [::1], as for the SDK) (got ${quoted(value)})`);
  return url;
}

/** An origin (`scheme://host[:port]`), as a browser sends it in `Origin`. */
export function originArg(what: string, value: string): string {
  const url = httpUrlArg(what, value);
  const origin = new URL(url).origin;
  if (origin !== url) usage(`${what} must be an origin such as https://shop.example.com, without a path (got ${quoted(value)})`);
  return origin;
}

/** A URL path starting with "/", no trailing slash. */
export function pathArg(what: string, value: string): string {
  if (!/^\/[^\s?#]*$/.test(value) || (value.length > 1 && value.endsWith('/'))) {
    usage(`${what} must be a path such as /checkout (got "${value}")`);
  }
  return value;
}
