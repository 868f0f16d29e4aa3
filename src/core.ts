import { Channel, type Message } from './channel';
import { Emitter } from './events';
import type { Config } from './options';
import { Outbox } from './outbox/outbox';
import { Storage } from './storage';
import { Circuits } from './transport/circuits';
import { Placer } from './transport/place';
import { RetryBudget } from './transport/retry-budget';

/** @internal The engine shared by the page and the service worker. */
export interface Core {
  config: Config;
  events: Emitter;
  storage: Storage;
  channel: Channel;
  circuits: Circuits;
  budget: RetryBudget;
  outbox: Outbox;
  close(): void;
}

/**
 * @internal Wires storage, the cross-context channel, circuits, the placer
 * and the outbox. `onMessage` sees what the core itself does not handle.
 */
export async function createCore(
  config: Config,
  hooks: { onMessage?: (message: Message) => void; onRecovered?: (outageMs: number) => void; onWaiting?: () => void } = {},
): Promise<Core> {
  const events = new Emitter();
  // Whatever happens while the instance is being built (storage degrading, a corrupt record) is
  // told to the listeners its caller adds as soon as it has it: see Emitter.release.
  events.hold();
  const storage = new Storage(config.namespace, (reason) => events.emit('storage:degraded', { reason }));
  const channel = new Channel(config.namespace, (message) => {
    if (message.t == 'endpoint') circuits.onRemote(message.record);
    else if (message.t == 'order') events.emit(`order:${message.event.status}`, message.event);
    hooks.onMessage?.(message);
  });
  await storage.ready();
  const circuits = new Circuits(config, storage, channel, events, (outageMs) => hooks.onRecovered?.(outageMs));
  const budget = new RetryBudget(config.tuning.retryTokens, config.tuning.retryTokenRatio);
  const placer = new Placer(config, circuits, budget, events, async (record) => {
    if (config.retentionMs) await storage.put('outbox', record);
  });
  const outbox = new Outbox(config, storage, channel, events, circuits, placer, hooks.onWaiting);
  return {
    config,
    events,
    storage,
    channel,
    circuits,
    budget,
    outbox,
    close() {
      circuits.close();
      channel.close();
      storage.close();
      events.clear();
    },
  };
}
