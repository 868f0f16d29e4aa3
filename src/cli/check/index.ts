/**
 * `steadycart check URL [--region URL]... [--origin ORIGIN] [--order FILE] [--json]`:
 * the outage drill for any merchant backend. Exit 0 when every required check
 * passes, 1 when one fails, 2 when the run could not be made.
 */
import { httpUrlArg, intFlag, originArg, parseFlags, pathArg } from '../args';
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
  });
  if (positionals.length !== 1) usage(positionals.length ? `check takes one URL (got ${positionals.join(' ')})` : 'check needs the URL of a checkout backend');
  return {
    url: httpUrlArg('URL', positionals[0]!),
    regions: (values.region ?? []).map((r) => httpUrlArg('--region', r)),
    origin: values.origin === undefined ? null : originArg('--origin', values.origin),
    orderFile: values.order,
    json: values.json ?? false,
    timeoutMs: intFlag('timeout-ms', values['timeout-ms'], DEFAULT_TIMEOUT_MS, 100, 600_000),
    checkoutPath: pathArg('--checkout-path', values['checkout-path'] ?? '/checkout'),
    healthPath: pathArg('--health-path', values['health-path'] ?? '/health'),
  };
}

/** Runs `check`; resolves to the exit status. Usage and reachability errors propagate (exit 2). */
export async function check(argv: readonly string[], out: (text: string) => void): Promise<number> {
  const options = parseCheckArgs(argv);
  const results = await runChecks(options);
  out(options.json ? jsonReport(results) : textReport(options.url, results));
  return allRequiredPass(results) ? 0 : 1;
}
