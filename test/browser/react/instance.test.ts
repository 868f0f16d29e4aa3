import { expect } from 'chai';
import { createSteadyCart, type SteadyCart } from '../../../src/index';
import { InstanceStore } from '../../../src/react/instance';
import { deleteDatabase, rejection, uniqueNamespace, until } from '../helpers';

/** The provider's instance lifecycle, without React: what Strict Mode's mount, unmount, mount does to it. */
describe('steadycart/react: the provider instance', () => {
  const namespaces: string[] = [];
  const store = (options: object) => {
    const namespace = uniqueNamespace();
    namespaces.push(namespace);
    return new InstanceStore({ namespace, ...options });
  };

  afterEach(async () => {
    await Promise.all(namespaces.splice(0).map(deleteDatabase));
  });

  it('is loading until created, then ready; disconnecting closes it and goes back to loading', async () => {
    const s = store({});
    const seen: string[] = [];
    s.subscribe(() => seen.push(s.get().status));
    expect(s.get().status).to.equal('loading');
    const disconnect = s.connect();
    const sc = await s.ready();
    expect(s.get()).to.deep.equal({ status: 'ready', instance: sc });
    await sc.cart.add({ sku: 'mug', name: 'Mug', unitPrice: 1200, currency: 'EUR' });
    disconnect();
    expect(s.get().status).to.equal('loading');
    expect(seen).to.deep.equal(['ready', 'loading']);
    expect((await rejection(sc.cart.get())).code).to.equal('CLOSED');
  });

  it('an instance still opening when disconnected is closed once open, and the next connection gets its own', async () => {
    const namespace = uniqueNamespace();
    namespaces.push(namespace);
    const made: SteadyCart[] = [];
    const s = new InstanceStore({ namespace }, async (options) => {
      const sc = await createSteadyCart(options);
      made.push(sc);
      return sc;
    });
    // Strict Mode: mount, unmount at once, mount again.
    s.connect()();
    const disconnect = s.connect();
    const ready = await s.ready();
    await until(() => made.length == 2, 'both instances created');
    expect(s.get()).to.deep.equal({ status: 'ready', instance: ready });
    const [early] = made.filter((sc) => sc != ready);
    expect((await rejection(early!.cart.get())).code, 'the first is closed').to.equal('CLOSED');
    await ready.cart.get();
    disconnect();
    expect((await rejection(ready.cart.get())).code).to.equal('CLOSED');
  });

  it('a call waiting for an instance when the provider unmounts is rejected with CLOSED, and so is one made after', async () => {
    const s = store({});
    const disconnect = s.connect();
    const waiting = s.ready();
    disconnect();
    expect((await rejection(waiting)).code).to.equal('CLOSED');
    expect((await rejection(s.ready())).code).to.equal('CLOSED');
    // Mounted again (Strict Mode, or the same store reused): ready() waits for the new instance.
    const again = s.connect();
    const sc = await s.ready();
    expect(s.get()).to.deep.equal({ status: 'ready', instance: sc });
    again();
  });

  it('bad options: failed, with the typed error, and ready() rejects with it', async () => {
    const s = store({ budgetMs: -1 });
    const waiting = s.ready();
    s.connect();
    const error = await rejection(waiting);
    expect(error.code).to.equal('INVALID_OPTIONS');
    expect(s.get()).to.deep.equal({ status: 'failed', error });
    expect((await rejection(s.ready())).code).to.equal('INVALID_OPTIONS');
  });
});
