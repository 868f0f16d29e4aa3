import { useCallback, useSyncExternalStore } from 'react';
import type { SteadyCart } from '../types';

const nothing = () => () => {};

/**
 * @internal `instance[part]`'s `subscribe` and `snapshot` through
 * `useSyncExternalStore`; `empty()` on the server, while hydrating and while
 * there is no instance.
 */
export function useSnapshot<K extends 'cart' | 'outbox'>(
  instance: SteadyCart | undefined,
  part: K,
  empty: () => ReturnType<SteadyCart[K]['snapshot']>,
): ReturnType<SteadyCart[K]['snapshot']> {
  const subscribe = useCallback((onChange: () => void) => instance![part].subscribe(() => onChange()), [instance, part]);
  const snapshot = useCallback(() => (instance ? (instance[part].snapshot() as ReturnType<SteadyCart[K]['snapshot']>) : empty()), [instance, part, empty]);
  return useSyncExternalStore(instance ? subscribe : nothing, snapshot, empty);
}
