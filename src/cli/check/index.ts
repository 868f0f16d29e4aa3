/**
 * `steadycart check URL [--region URL]... [--origin ORIGIN] [--order FILE] [--header "Name: value"]... [--json]`:
 * the outage drill for any merchant backend. Exit 0 when every required check
 * passes, 1 when one fails, 2 when the run could not be made.
 */
import { endpointArg, intFlag, originArg, parseFlags, pathArg } from '../args';
import { RESERVED } from '../../transport/reserved';
import { usage } from '../errors';
import { jsonReport, textReport } from './report';
import { allRequiredPass } from './result';
import { runChecks, type CheckOptions } from './run';

const DEFAULT_TIMEOUT_MS = 10_000;

/** Parses the flags of `check` (after the word `check`). */
export function parseCheckArgs(argv: readonly string[]): CheckOptions & { json: boolean } {
  const { values, positionals } = parseFlags(argv, {
    region: { type: 'string', multiple: true },
    origin: { type: 'string' },
    order: { type: 'string' },
    json: { type: 'boolean' },
    'timeout-ms': { type: 'string' },
    'checkout-path': { type: 'string' },
    'health-path': { type: 'string' },
    'lookup-path': { type: 'string' },
    header: { type: 'string', multiple: true },
  });
  if (positionals.length !== 1) usage(positionals.length ? `check takes one URL (got ${positionals.join(' ')})` : 'check needs the URL of a checkout backend');
  const url = endpointArg('URL', positionals[0]!);
  return {
    url,
    regions: regionArgs(url, values.region ?? []),
    origin: values.origin === undefined ? null : originArg('--origin', values.origin),
    orderFile: values.order,
    json: values.json ?? false,
    timeoutMs: intFlag('timeout-ms', values['timeout-ms'], DEFAULT_TIMEOUT_MS, 100, 600_000),
    checkoutPath: pathArg('--checkout-path', values['checkout-path'] ?? '/checkout'),
    healthPath: pathArg('--health-path', values['health-path'] ?? '/health'),
    lookupPath: values['lookup-path'] === undefined ? null : lookupPathArg(values['lookup-path']),
    headers: Object.fromEntries((values.header ?? []).map(headerArg)),
  };
}

/**
 * `--region URL`s: each another endpoint than the URL under test and given
 * once (compared as normalised, trailing slashes dropped). A region that is
 * the URL itself, or one given twice, would make the region checks and the
 * burst's spread over the domain prove nothing.
 */
function regionArgs(url: string, values: readonly string[]): string[] {
  const regions: string[] = [];
  for (const value of values) {
    const region = endpointArg('--region', value);
    if (region === url) usage(`--region ${value} is the URL under test: a region must be another endpoint of the same idempotency domain`);
    if (regions.includes(region)) usage(`--region ${value} is given twice: each region must be another endpoint`);
    regions.push(region);
  }
  return regions;
}

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `--header "Name: value"`: [lower-case name, value]; not a header steadycart sets itself. */
function headerArg(text: string): [string, string] {
  const colon = text.indexOf(':');
  const name = text.slice(0, colon).trim().toLowerCase();
  const value = text.slice(colon + 1).trim();
  if (colon < 0 || !HEADER_NAME.test(name) || /[\r\n\0]/.test(value)) usage(`--header must be "Name: value", such as "Authorization: Bearer abc" (got "${text}")`);
  if (RESERVED.includes(name)) usage(`--header: ${name} is set by steadycart itself, as the SDK sets it (got "${text}")`);
  if (name === 'origin') usage('--header: Origin is set by --origin');
  return [name, value];
}

/** `--lookup-path`: a path holding `{key}` exactly once, as the SDK's `paths.lookup`. */
function lookupPathArg(value: string): string {
  if (value.split('{key}').length !== 2) usage(`--lookup-path must hold {key} exactly once, such as /orders/by-key/{key} (got "${value}")`);
  return pathArg('--lookup-path', value);
}

/** Runs `check`; resolves to the exit status. Usage and reachability errors propagate (exit 2). */
export async function check(argv: readonly string[], out: (text: string) => void): Promise<number> {
  const options = parseCheckArgs(argv);
  const results = await runChecks(options);
  out(options.json ? jsonReport(results) : textReport(options.url, results));
  return allRequiredPass(results) ? 0 : 1;
}
