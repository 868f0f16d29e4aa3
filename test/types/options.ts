/** Options a shop keeps as constants (`as const`, `readonly` arrays) are taken as they are. */
import type { SteadyCartOptions } from '../../src/index';

const ENDPOINTS = [{ url: 'https://us.pay.example.com', domain: 'main' }, { url: 'https://eu.pay.example.com', domain: 'main' }] as const;
const ALLOWED: readonly string[] = ['giftCard.code'];

export const constants: SteadyCartOptions = { endpoints: ENDPOINTS, allowCardLikeAt: ALLOWED };
export const frozen: SteadyCartOptions = Object.freeze({ endpoints: Object.freeze([{ url: 'https://pay.example.com' }]) });
// @ts-expect-error an endpoint needs its url
export const missing: SteadyCartOptions = { endpoints: [{ domain: 'main' }] as const };
