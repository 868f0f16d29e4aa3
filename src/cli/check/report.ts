/** How `check` prints its verdicts: aligned lines for people, `--json` for CI. */
import { allRequiredPass, type CheckResult } from './result';

/** `{ "checks": [...] }`, one line. */
export function jsonReport(results: readonly CheckResult[]): string {
  return JSON.stringify({ checks: results });
}

/** One line per check, then a summary line. */
export function textReport(url: string, results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  const mark = (r: CheckResult) => (r.skipped ? 'skip' : r.ok ? 'ok  ' : r.required ? 'FAIL' : 'warn');
  const lines = results.map((r) => `  ${mark(r)}  ${r.name.padEnd(width)}  ${r.required || r.skipped ? '' : '(should) '}${r.evidence}`);
  const required = results.filter((r) => r.required);
  const failed = required.filter((r) => !r.ok).map((r) => r.name);
  const shoulds = results.filter((r) => !r.required && !r.skipped);
  const summary =
    `${allRequiredPass(results) ? 'PASS' : 'FAIL'}: ${required.length - failed.length} of ${required.length} required checks passed` +
    (failed.length ? ` (failed: ${failed.join(', ')})` : '') +
    `; ${shoulds.filter((r) => r.ok).length} of ${shoulds.length} recommended`;
  return [`steadycart check ${url}`, ...lines, summary].join('\n');
}
