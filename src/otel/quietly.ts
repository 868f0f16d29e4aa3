/**
 * @internal Runs telemetry that must never change what the shop's call (or
 * a request) returns or throws: what `record` throws is dropped, the
 * order's outcome stands, and only its telemetry is lost.
 */
export const quietly = (record: () => void): void => {
  try {
    record();
  } catch {
    // Dropped: see above.
  }
};
