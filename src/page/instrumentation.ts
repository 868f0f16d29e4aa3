import type { Config } from '../options';

/**
 * @internal The key under which a page's instance lends steadycart/otel the
 * hooks of its configuration. `Symbol.for`: that entry is another bundle.
 */
export const INSTRUMENTATION = Symbol.for('steadycart.instrumentation');

/**
 * @internal What steadycart/otel may use: the request chain (`fetch`, which
 * it wraps), the hook told each new order's key, and the endpoints and
 * budget it describes requests and orders with.
 */
export type Instrumentation = Pick<Config, 'fetch' | 'onNewOrder' | 'endpoints' | 'budgetMs'>;

/** @internal An instance that may carry {@link INSTRUMENTATION}. */
export interface Instrumentable {
  [INSTRUMENTATION]?: Instrumentation;
}
