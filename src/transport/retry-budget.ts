/**
 * A retry budget in the spirit of gRPC's retryThrottling: every failed
 * attempt costs one token, every success earns back `ratio`, and retries
 * (beyond the first try of each order or replay) are allowed only while more
 * than half the tokens are left. When a backend is down, clients stop
 * multiplying their load. Unlike a server's RPC stream, a tab sends few
 * requests, so the bucket also refills slowly with time (`refillPerSecond`):
 * otherwise one outage would disable its retries for good.
 */
export class RetryBudget {
  private level: number;
  private at: number;

  constructor(
    readonly max: number,
    readonly ratio: number,
    readonly refillPerSecond = 0.1,
    private readonly now: () => number = Date.now,
  ) {
    this.level = max;
    this.at = now();
  }

  /** Tokens left now. */
  get tokens(): number {
    const now = this.now();
    // A clock set back refills nothing, and takes nothing either.
    this.level = Math.min(this.max, this.level + (Math.max(0, now - this.at) / 1000) * this.refillPerSecond);
    this.at = now;
    return this.level;
  }

  /** Whether a retry may be sent now. */
  canRetry(): boolean {
    return this.tokens > this.max / 2;
  }

  onFailure(): void {
    this.level = Math.max(0, this.tokens - 1);
  }

  onSuccess(): void {
    this.level = Math.min(this.max, this.tokens + this.ratio);
  }
}
