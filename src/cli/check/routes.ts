/** The health route answers, and no checkout or lookup request is redirected. */
import { statusText, type Exchange } from './http';
import type { CheckContext } from './context';
import { must, should, type CheckResult } from './result';

/** `health`: GET {url}/health is 2xx at every URL (a should: the wire contract lets a backend have none). */
export async function health(ctx: CheckContext): Promise<CheckResult> {
  const answers = await Promise.all([ctx.primary, ...ctx.regions].map((t) => ctx.prober.send({ label: 'health', method: 'GET', url: t.health })));
  const ok = answers.every((x) => x.status !== null && x.status >= 200 && x.status < 300);
  return should('health', ok, answers.map((x) => `GET ${x.probe.url}: ${statusText(x)}`).join('; '));
}

/** `no-redirect`: no answer of the run was a 3xx (a browser would not replay the POST body through it). */
export function noRedirect(exchanges: readonly Exchange[]): CheckResult {
  const redirected = exchanges.filter((x) => x.status !== null && x.status >= 300 && x.status < 400);
  if (redirected.length === 0) return must('no-redirect', true, `none of ${exchanges.length} requests was redirected`);
  const x = redirected[0]!;
  return must('no-redirect', false, `${redirected.length} redirect(s), e.g. ${x.probe.method} ${x.probe.url}: ${x.status} to ${x.headers.location ?? '(no Location)'}`);
}
