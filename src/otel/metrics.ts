import { ValueType, type Attributes, type Meter, type ObservableResult } from '@opentelemetry/api';
import type { OutboxSnapshot } from '../types';
import { ATTR, drillAttribute } from './attributes';

/** Buckets, in seconds, for what a shopper waits: a placeOrder call, or an order's time in the outbox. */
const SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300, 900, 3600, 21_600, 86_400];

/** Outbox entries counted as waiting to be placed, by status. */
const WAITING = ['sending', 'pending'] as const;

/**
 * The instruments of one instrumented instance, on a meter of
 * `steadycart`. Every attribute comes from the ones in {@link ATTR}.
 */
export class Metrics {
  /** Orders placed, by the status `placeOrder` resolved with. */
  readonly orders;
  /** Orders `placeOrder` left pending, by how they ended later (counted by the page that placed them, while it is open). */
  readonly settled;
  readonly failovers;
  readonly circuitChanges;
  /** Time a `placeOrder` call took, by its status. */
  readonly duration;
  /** Time from `placeOrder` resolving `pending` to the order confirmed. */
  readonly pendingToConfirmed;
  private readonly outbox;
  private readonly observe: (result: ObservableResult) => void;

  constructor(meter: Meter, snapshot: () => OutboxSnapshot | undefined, drilling: () => boolean) {
    const count = { valueType: ValueType.INT, unit: '{order}' };
    this.orders = meter.createCounter('steadycart.orders', { ...count, description: 'Orders placed, by the status placeOrder resolved with' });
    this.settled = meter.createCounter('steadycart.orders.settled', { ...count, description: 'Orders left pending, by how they ended later' });
    this.failovers = meter.createCounter('steadycart.failovers', { valueType: ValueType.INT, unit: '{failover}', description: 'Orders moved on to another endpoint' });
    this.circuitChanges = meter.createCounter('steadycart.circuit.changes', { valueType: ValueType.INT, unit: '{change}', description: 'Circuit state changes of the endpoints, as this page saw them' });
    const seconds = { unit: 's', advice: { explicitBucketBoundaries: SECONDS } };
    this.duration = meter.createHistogram('steadycart.order.duration', { ...seconds, description: 'Time a placeOrder call took' });
    this.pendingToConfirmed = meter.createHistogram('steadycart.order.pending_to_confirmed', { ...seconds, description: 'Time from placeOrder resolving pending to the order confirmed' });
    this.outbox = meter.createObservableGauge('steadycart.outbox.size', { ...count, description: 'Orders in the outbox waiting to be placed, by status' });
    this.observe = (result) => {
      const now = snapshot();
      if (!now?.loaded) return;
      for (const status of WAITING) result.observe(now.entries.filter((e) => e.status == status).length, { [ATTR.orderStatus]: status, ...drillAttribute(drilling()) });
    };
    this.outbox.addCallback(this.observe);
  }

  /** Counts a `placeOrder` call's outcome and duration. */
  placed(status: string, seconds: number, attributes: Attributes): void {
    const withStatus = { ...attributes, [ATTR.orderStatus]: status };
    this.orders.add(1, withStatus);
    this.duration.record(seconds, withStatus);
  }

  /** Stops observing the outbox. */
  close(): void {
    this.outbox.removeCallback(this.observe);
  }
}
