import { createContext, createElement, useContext, useEffect, useState, useSyncExternalStore, type ReactElement, type ReactNode } from 'react';
import type { SteadyCart, SteadyCartOptions } from '../types';
import { InstanceStore, LOADING, type InstanceState } from './instance';

const Context = createContext<InstanceStore | null>(null);

/** Props of {@link SteadyCartProvider}. */
export interface SteadyCartProviderProps {
  /**
   * The options of `createSteadyCart`. Read once, when the provider mounts:
   * to start over with other options, give the provider a new `key`.
   */
  options?: SteadyCartOptions | undefined;
  /** The part of the app that uses the hooks. */
  children?: ReactNode | undefined;
}

/**
 * Creates one steadycart instance for the components below it and closes it
 * when it unmounts. The children render at once: until IndexedDB has been
 * opened (and always during a server render, where no instance is created)
 * the hooks report `loading` with an empty cart and outbox, and actions such
 * as `add` or `placeOrder` wait for the instance.
 *
 * @example
 * ```tsx
 * <SteadyCartProvider options={{ endpoints: [{ url: 'https://pay.example.com' }] }}>
 *   <Shop />
 * </SteadyCartProvider>
 * ```
 */
export function SteadyCartProvider({ options, children }: SteadyCartProviderProps): ReactElement {
  const [store] = useState(() => new InstanceStore(options));
  useEffect(() => store.connect(), [store]);
  return createElement(Context.Provider, { value: store }, children);
}

/** The state on the server and while hydrating: `loading`. */
const serverState = (): InstanceState => LOADING;

/** What {@link useSteadyCart} returns. */
export interface SteadyCartState {
  /** The provider's instance once it is ready; `undefined` while `loading`, when it could not be created, and during a server render. */
  sc: SteadyCart | undefined;
  /** True until the instance is ready (always during a server render). */
  loading: boolean;
  /** Why the instance could not be created (for example `INVALID_OPTIONS`). */
  error: unknown;
}

/**
 * The provider's instance itself, for what the other hooks do not cover: its
 * events (`sc.on`), `instrument(sc)` of steadycart/otel, `sc.drill`. Subscribe
 * in an effect that depends on `sc`: the provider may make a new instance
 * (React's Strict Mode mounts twice; a new `key` starts over), which is a new `sc`.
 *
 * @example
 * ```tsx
 * const { sc } = useSteadyCart();
 * useEffect(() => sc?.on('failover', (e) => console.info('failover', e)), [sc]);
 * ```
 */
export function useSteadyCart(): SteadyCartState {
  const { sc, loading, error } = useInstance('useSteadyCart');
  return { sc, loading, error };
}

/** @internal The provider's store, and its instance as every hook reports it (see {@link SteadyCartState}); throws outside a provider, naming `hook`. */
export function useInstance(hook: string): SteadyCartState & { store: InstanceStore } {
  const store = useContext(Context);
  if (!store) throw new Error(`${hook}() must be called inside <SteadyCartProvider>`);
  const state = useSyncExternalStore(store.subscribe, store.get, serverState);
  return { store, sc: state.status == 'ready' ? state.instance : undefined, loading: state.status == 'loading', error: state.status == 'failed' ? state.error : undefined };
}
