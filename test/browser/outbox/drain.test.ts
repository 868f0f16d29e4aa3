import { expect } from 'chai';
import { createCore, type Core } from '../../../src/core';
import { normalizeOptions } from '../../../src/options';
import { checkPlacement } from '../../../src/outbox/placement';
import { closeBackends, startBackend } from '../backend';
import { cleanup, deleteDatabase, quickOptions, uniqueNamespace } from '../helpers';

const order = (ref: string) => ({ orderRef: ref, total: 700, payment: { token: 'pm_d' } });

describe('outbox drain', () => {
  const cores: Array<{ core: Core; namespace: string }> = [];
  afterEach(async () => {
    for (const { core, namespace } of cores.splice(0)) {
      core.close();
      await deleteDatabase(namespace);
    }
    await cleanup();
    await closeBackends();
  });

  it('a circuit open for less than an order\'s budget (a blip) is waited for: the drain sends every entry instead of skipping the pass', async () => {
    const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }] });
    const namespace = uniqueNamespace();
    // The circuit reopens for 0.5–1 s after a failure; an order's budget is 3 s.
    const options = quickOptions(be, namespace, { endpoints: be.sdk('us'), budgetMs: 3000, tuning: { attemptTimeoutMs: 1000, openMs: 1000, maxOpenMs: 1000 } });
    const core = await createCore(normalizeOptions(options));
    cores.push({ core, namespace });
    core.start();
    await be.fault('us', '503');
    const ids: string[] = [];
    // A budget the 503 surely comes back within on a busy machine (an attempt cut short teaches the circuit nothing).
    for (const ref of ['b0', 'b1', 'b2']) ids.push((await core.outbox.place(checkPlacement(core.config, order(ref), { budgetMs: 1000 }))).id);
    expect(core.circuits.permits(core.config.endpoints[0]!)).to.not.equal('yes');
    await be.fault('us', 'healthy');
    // Right away, while the circuit is still open: the drain waits for it to fall due, then sends.
    const waiting = await core.outbox.replay(true);
    expect(waiting).to.equal(0);
    const statuses = (await core.outbox.list()).map((e) => e.status);
    expect(statuses).to.deep.equal(['confirmed', 'confirmed', 'confirmed']);
    for (const id of ids) expect(await be.charges(id)).to.equal(1);
  });
});
