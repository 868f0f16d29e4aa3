import { createSteadyCart, SteadyCartError } from '../index';
import type { SteadyCart, SteadyCartOptions } from '../types';

/** Where the provider's instance is: being created, ready, or failed to be created. */
export type InstanceState =
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly instance: SteadyCart }
  | { readonly status: 'failed'; readonly error: unknown };

/** The state on the server, and in the browser until the instance is ready. */
export const LOADING: InstanceState = Object.freeze({ status: 'loading' });

/**
 * @internal The provider's instance, framework-free: created by `connect`
 * (only ever called from an effect, so never during a server render), closed
 * by the function `connect` returns, observable for `useSyncExternalStore`.
 * Connecting again after a disconnect (React's Strict Mode does it) creates
 * a new instance; one that finishes opening after its disconnect is closed.
 */
export class InstanceStore {
  private state: InstanceState = LOADING;
  private readonly listeners = new Set<() => void>();
  private waiting: Array<{ resolve(sc: SteadyCart): void; reject(error: unknown): void }> = [];
  /** Connections not yet closed: none once the provider has unmounted. */
  private connections = 0;
  private connectedOnce = false;

  constructor(
    private readonly options: SteadyCartOptions | undefined,
    /** How instances are made (tests count them). */
    private readonly create: (options?: SteadyCartOptions) => Promise<SteadyCart> = createSteadyCart,
  ) {}

  readonly get = (): InstanceState => this.state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /**
   * The instance once it is ready; rejects with the creation error if it
   * failed, and with `CLOSED` once the provider has unmounted without a new
   * instance (a call never waits for ever).
   */
  ready(): Promise<SteadyCart> {
    const state = this.state;
    if (state.status == 'ready') return Promise.resolve(state.instance);
    if (state.status == 'failed') return Promise.reject(state.error);
    const ready = new Promise<SteadyCart>((resolve, reject) => this.waiting.push({ resolve, reject }));
    if (this.connectedOnce && !this.connections) this.releaseWaiting();
    return ready;
  }

  /** Creates the instance; returns the function that closes it. */
  connect(): () => void {
    let connected = true;
    let opened: SteadyCart | undefined;
    this.connections++;
    this.connectedOnce = true;
    this.create(this.options).then(
      (sc) => {
        opened = sc;
        if (connected) this.set({ status: 'ready', instance: sc });
        else sc.close();
      },
      (error: unknown) => connected && this.set({ status: 'failed', error }),
    );
    return () => {
      if (!connected) return;
      connected = false;
      this.connections--;
      opened?.close();
      if (this.state.status != 'loading') this.set(LOADING);
      this.releaseWaiting();
    };
  }

  /**
   * Rejects with `CLOSED` what waits for an instance, unless a connection is
   * made by then: React's Strict Mode connects again at once (in the same
   * commit), an unmounted provider never does.
   */
  private releaseWaiting(): void {
    setTimeout(() => {
      if (this.connections) return;
      const waiting = this.waiting;
      this.waiting = [];
      for (const w of waiting) w.reject(new SteadyCartError('CLOSED', 'the SteadyCartProvider unmounted'));
    });
  }

  private set(state: InstanceState): void {
    this.state = state;
    if (state.status != 'loading') {
      const waiting = this.waiting;
      this.waiting = [];
      for (const w of waiting) state.status == 'ready' ? w.resolve(state.instance) : w.reject(state.error);
    }
    this.listeners.forEach((listener) => listener());
  }
}
