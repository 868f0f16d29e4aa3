import { useCallback, useSyncExternalStore } from 'react';
import type { Health, SteadyCart, SteadyCartEvents } from '../types';
import { useInstance } from './context';

/** The events after which `health()` may read differently. */
const CHANGES: ReadonlyArray<keyof SteadyCartEvents> = ['endpoint:state', 'worker:state', 'storage:degraded', 'replay:error', 'order:*', 'drill'];

/** Per instance: its last `health()`, read again only after one of {@link CHANGES}. */
const cache = new WeakMap<SteadyCart, { health: Health; stale: boolean }>();

/** How often a shown `lastReplayError` is looked at again: a replay that works clears it, and no event says so. */
const REPLAY_ERROR_CHECK_MS = 1000;

/**
 * Per instance: every mounted hook's `onChange`. What one hook reads fresh without an event (a cleared
 * replay error, a mount) replaces the cache that every other one shows: all of them are told.
 */
const subscribers = new WeakMap<SteadyCart, Set<() => void>>();

function subscribeHealth(sc: SteadyCart, onChange: () => void): () => void {
  let all = subscribers.get(sc);
  if (!all) subscribers.set(sc, (all = new Set()));
  const stale = () => {
    const cached = cache.get(sc);
    if (cached) cached.stale = true;
  };
  const changed = () => {
    stale();
    onChange();
  };
  /** A fresh read that no event announced: every hook of the instance shows it. */
  const changedForAll = () => {
    stale();
    all.forEach((tell) => tell());
  };
  const offs = CHANGES.map((type) => sc.on(type, changed));
  // Only while an error is shown, and read again only once it is gone: a steady state renders nothing more.
  const timer = setInterval(() => {
    if (cache.get(sc)?.health.lastReplayError && !sc.health().lastReplayError) changedForAll();
  }, REPLAY_ERROR_CHECK_MS);
  // What changed while no one listened (unmounted, or between the first render and this
  // subscription) is read again: React checks the snapshot once it has subscribed. The hooks
  // mounted before are told, so that they show that same fresh read.
  changedForAll();
  all.add(onChange);
  return () => {
    clearInterval(timer);
    offs.forEach((off) => off());
    all.delete(onChange);
  };
}

function readHealth(sc: SteadyCart): Health {
  let cached = cache.get(sc);
  if (!cached || cached.stale) cache.set(sc, (cached = { health: sc.health(), stale: false }));
  return cached.health;
}

const none = () => undefined;
const nothing = () => () => {};

/** What {@link useSteadyCartHealth} returns. */
export interface HealthState {
  /**
   * `health()`, read again whenever a circuit, the worker or storage changes
   * state or an order moves, and within a second of a replay that clears
   * `lastReplayError`; `undefined` while `loading`.
   */
  health: Health | undefined;
  /** True until the instance is ready (always during a server render). */
  loading: boolean;
  /** Why the instance could not be created. */
  error: unknown;
}

/**
 * Storage, service worker and endpoint health, for a status badge or a
 * support panel: `health.storage == 'memory'` means nothing survives a
 * reload, an endpoint's `state == 'open'` that it is down.
 *
 * @example
 * ```tsx
 * const { health } = useSteadyCartHealth();
 * if (health?.endpoints.every((e) => e.state == 'open')) return <p>The store is unreachable; orders are kept and placed later.</p>;
 * ```
 */
export function useSteadyCartHealth(): HealthState {
  const { sc, loading, error } = useInstance('useSteadyCartHealth');
  const subscribe = useCallback((onChange: () => void) => subscribeHealth(sc!, onChange), [sc]);
  const snapshot = useCallback(() => (sc ? readHealth(sc) : undefined), [sc]);
  const health = useSyncExternalStore(sc ? subscribe : nothing, snapshot, none);
  return { health, loading, error };
}
