/**
 * Errors of the `steadycart` command. Each carries a stable `code`; the
 * command turns them into a message on standard error and an exit status.
 */

/** Stable codes of {@link CliError}. */
export type CliErrorCode =
  /** Unknown command, unknown or malformed flag, missing argument. */
  | 'USAGE'
  /** `check` could not reach a URL at all (refused, DNS, timeout on the first request). */
  | 'UNREACHABLE'
  /** `--order FILE` is missing or is not JSON. */
  | 'ORDER_FILE'
  /** `serve` could not open its store (driver missing, connection refused, directory locked). */
  | 'STORE'
  /** `serve` could not listen (port taken, address not local). */
  | 'LISTEN'
  /** `serve --metrics` could not load the OpenTelemetry packages it needs. */
  | 'METRICS';

/** An error the command reports as one line, without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    /** Stable, machine-readable reason. */
    readonly code: CliErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** True for a {@link CliError}, by name as well (errors crossing module copies). */
export function isCliError(value: unknown): value is CliError {
  return value instanceof CliError || (value as Error | null)?.name === 'CliError';
}

/** Shorthand for a usage error. */
export const usage = (message: string): never => {
  throw new CliError('USAGE', message);
};
