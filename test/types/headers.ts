/** The `headers` option: static values, storable values, or a function of the request. */
import type { HeadersOption, RequestContext, SteadyCartOptions } from '../../src/index';

declare function token(): Promise<string>;

export const options: SteadyCartOptions[] = [
  { headers: { Authorization: 'Bearer x' } },
  { headers: { value: { 'X-Shop-Id': '42' }, storable: true } },
  { headers: async ({ kind, attempt, endpoint, context }: RequestContext) => ({ Authorization: `Bearer ${await token()}`, 'X-Debug': `${kind} ${attempt} ${endpoint} ${context}` }) },
  { headers: () => new Headers({ 'X-Csrf-Token': 'c' }) },
  { headers: () => [['X-A', '1']] },
  { endpoints: [{ url: 'https://a.example.com', headers: { 'X-Region': 'us' }, paths: { checkout: '/pay', lookup: '/pay/status/{key}', health: false } }] },
];

// @ts-expect-error header values are strings
export const numeric: HeadersOption = { 'X-Count': 1 };
// @ts-expect-error the function is told the request, not given headers to mutate
export const wrong: HeadersOption = (request: RequestContext) => request.endpoint.length;
