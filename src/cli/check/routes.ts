/** The health route answers, and no checkout or lookup request is redirected. */
import { statusText, type Exchange } from './http';
import type { CheckContext } from './context';
import { answerCorsProblems } from './cors';
import { must, should, type CheckResult } from './result';

/**
 * `health`: GET {url}/health is 2xx at every URL and, with `origin`, readable
 * from it: the SDK's circuit probes use it (a should: the wire contract lets
 * a backend have none; the SDK then learns of a recovery from its orders).
 */
export async function health(ctx: CheckContext, origin?: string): Promise<CheckResult> {
  const answers = await Promise.all([ctx.primary, ...ctx.regions].map((t) => ctx.prober.send({ label: 'health', method: 'GET', url: t.health })));
  const problems = answers.map((x) => {
    const wrong = x.status !== null && x.status >= 200 && x.status < 300 ? [] : ['not 2xx'];
    if (origin && x.status !== null) wrong.push(...answerCorsProblems(x, origin));
    return wrong;
  });
  const evidence = answers.map((x, i) => `GET ${x.probe.url}: ${statusText(x)}${problems[i]!.length ? ` (${problems[i]!.join(', ')})` : ''}`);
  return should('health', problems.every((p) => p.length === 0), evidence.join('; '));
}

/**
 * `no-redirect`: no checkout or lookup answer of the run was a 3xx (a browser
 * would not replay the POST body through it). The health route is the
 * `health` check's alone: the contract lets a backend have none.
 */
export function noRedirect(exchanges: readonly Exchange[]): CheckResult {
  exchanges = exchanges.filter((x) => x.probe.label !== 'health');
  const redirected = exchanges.filter((x) => x.status !== null && x.status >= 300 && x.status < 400);
  if (redirected.length === 0) return must('no-redirect', true, `none of ${exchanges.length} requests was redirected`);
  const x = redirected[0]!;
  return must('no-redirect', false, `${redirected.length} redirect(s), e.g. ${x.probe.method} ${x.probe.url}: ${x.status} to ${x.headers.location ?? '(no Location)'}`);
}
