/** The `headers` option: static values, storable values, or a function of the request. */
import type { Credentials, HeadersFunction, HeadersInput, HeadersOption, RequestContext, SteadyCartOptions } from '../../src/index';

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

// Under the DOM library a headers function's value is the DOM's HeadersInit, both ways: a function typed
// with it is a HeadersFunction, and what a HeadersFunction gives goes to the shop's own fetch as it is.
declare const sign: HeadersFunction;
declare const request: RequestContext;
export const declared: HeadersFunction = (): HeadersInit => ({ 'X-A': '1' });
export const reused = async (): Promise<Response> => fetch('/api/cart', { headers: await sign(request) });
export const asInit = (value: HeadersInput): HeadersInit => value;
export const fromInit = (value: HeadersInit): HeadersInput => value;

export const modes: Credentials[] = ['omit', 'same-origin', 'include'];
export const asRequestCredentials = (mode: Credentials): RequestCredentials => mode;
// @ts-expect-error not a credentials mode
export const always: Credentials = 'always';
