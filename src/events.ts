import type { SteadyCartEvents } from './types';

/** A listener of event `K`. */
export type Listener<K extends keyof SteadyCartEvents> = (detail: SteadyCartEvents[K]) => void;

/** @internal A typed event emitter; a throwing listener never breaks the emitter or the checkout. */
export class Emitter {
  private readonly listeners = new Map<string, Set<(detail: never) => void>>();

  on<K extends keyof SteadyCartEvents>(type: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener);
    return () => set!.delete(listener);
  }

  emit<K extends keyof SteadyCartEvents>(type: K, detail: SteadyCartEvents[K]): void {
    this.listeners.get(type)?.forEach((listener) => {
      try {
        (listener as Listener<K>)(detail);
      } catch (error) {
        // A shop's bug in a listener must not stop the order flow; surface it asynchronously.
        setTimeout(() => {
          throw error;
        });
      }
    });
  }

  clear(): void {
    this.listeners.clear();
  }
}
