/**
 * steadycart/otel: OpenTelemetry for steadycart in the browser, on
 * `@opentelemetry/api` (an optional peer dependency). See docs/otel.md.
 * @packageDocumentation
 */
export { instrument, type InstrumentOptions } from './instrument';
