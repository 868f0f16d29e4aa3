/**
 * `steadycart/server`: the backend half of the wire contract for Node 20+.
 * See docs/server.md.
 */
export { createCheckoutHandler, type CheckoutHandler } from './handler';
export {
  MIN_RETENTION_MS,
  type CheckoutHandlerOptions,
  type CorsOptions,
  type ErrorPhase,
  type HandlerContext,
  type HandlerResult,
  type OrderHandler,
} from './options';
export type { MeterProviderLike, TelemetryOptions, TextMapPropagatorLike, TracerProviderLike } from './telemetry/options';
export { SteadyCartServerError, isSteadyCartServerError, type ServerErrorCode } from './errors';
export { memoryStore } from './store/memory';
export type { IdempotencyStore, KeyRecord, Reservation, ReserveOptions, StoredOutcome } from './store/types';
export { toNodeListener, type FetchHandler, type NodeListener, type NodeListenerOptions } from './adapters/node';
export { pgliteStore, type PgliteStoreOptions } from './store/pglite';
export { postgresStore, type PostgresStore, type PostgresStoreOptions, type PgQueryable, type PgResult } from './store/postgres';
export { redisStore, type RedisStoreOptions, type RedisScriptClient, type RedisScriptOptions } from './store/redis';
export type { SqlTableOptions } from './store/sql';
export {
  fastifyCheckout,
  type FastifyCheckoutOptions,
  type FastifyInstanceLike,
  type FastifyReplyLike,
  type FastifyRequestLike,
} from './adapters/fastify';
export type { ClosingResponse } from './adapters/fetch';
