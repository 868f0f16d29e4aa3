/**
 * A retry budget in the spirit of gRPC's retryThrottling: every failed
 * attempt costs one token, every success earns back `ratio`, and retries
 * (beyond the first try of each order or replay) are allowed only while more
 * than half the tokens are left. When a backend is down, clients stop
 * multiplying their load; when it recovers, successes refill the bucket.
 */
export class RetryBudget {
  tokens: number;

  constructor(
    readonly max: number,
    readonly ratio: number,
  ) {
    this.tokens = max;
  }

  /** Whether a retry may be sent now. */
  canRetry(): boolean {
    return this.tokens > this.max / 2;
  }

  onFailure(): void {
    this.tokens = Math.max(0, this.tokens - 1);
  }

  onSuccess(): void {
    this.tokens = Math.min(this.max, this.tokens + this.ratio);
  }
}
