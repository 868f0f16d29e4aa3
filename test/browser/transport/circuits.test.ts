import { expect } from 'chai';
import { Channel, isMessage } from '../../../src/channel';
import { normalizeOptions } from '../../../src/options';
import { Storage } from '../../../src/storage';
import { Circuits } from '../../../src/transport/circuits';
import { closeBackends, startBackend } from '../backend';
import { deleteDatabase, uniqueNamespace } from '../helpers';

/**
 * The circuits' probes, against a real backend: an endpoint whose circuit
 * closed is never probed, so no probe's half-open state keeps orders from it.
 */
describe('circuits: probes', () => {
  afterEach(async () => {
    await closeBackends();
  });

  it('an open circuit that closes while probeOpen reads the outbox is not probed: it stays closed and the endpoint hears nothing', async () => {
    const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }] });
    const namespace = uniqueNamespace();
    // A long interval: the circuit's own timer does not probe during the test.
    const config = normalizeOptions({ namespace, endpoints: be.sdk('us'), tuning: { openMs: 30_000, maxOpenMs: 60_000 } });
    const endpoint = config.endpoints[0]!;
    const storage = new Storage(namespace, () => {});
    const channel = new Channel(namespace, isMessage);
    const states: string[] = [];
    const circuits = new Circuits(config, storage, channel, () => states.push(circuits.circuit(endpoint).state));
    // The outbox answers "nothing waits" only when the test says so: the window in which an order's answer closes the circuit.
    let answer = (_: false) => {};
    circuits.probeWith({ waiting: () => new Promise((resolve) => (answer = resolve)), replay: async () => {} });
    try {
      circuits.failure(endpoint, { body: null, error: 'network', ms: 5 });
      const probing = circuits.probeOpen();
      // An order's answer arrives meanwhile (as when a drill ends while the circuit's own probe is out).
      circuits.success(endpoint, 20);
      answer(false);
      await probing;
      expect(circuits.permits(endpoint)).to.equal('yes');
      expect(states).to.deep.equal(['open', 'closed']);
      expect((await be.requestsTo('us')).map((r) => r.route)).to.deep.equal([]);
    } finally {
      circuits.close();
      channel.close();
      storage.close();
      await deleteDatabase(namespace);
    }
  });
});
