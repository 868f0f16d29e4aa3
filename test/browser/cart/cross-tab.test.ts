import { expect } from 'chai';
import type { Cart } from '../../../src/index';
import { cleanup, item, open, openTab, uniqueNamespace, until } from '../helpers';

describe('cart across tabs', () => {
  afterEach(cleanup);

  it('a change in another tab reaches subscribe here without a reload', async () => {
    const namespace = uniqueNamespace();
    const here = await open({ namespace });
    const { sc: there } = await openTab({ namespace });
    let latest: Cart | undefined;
    here.cart.subscribe((cart) => (latest = cart));
    await there.cart.add(item('from-other-tab', { qty: 3 }));
    await until(() => latest?.items[0]?.sku == 'from-other-tab', 'the other tab\'s change');
    expect(latest!.count).to.equal(3);
    await there.cart.remove('from-other-tab');
    await until(() => latest?.count == 0, 'the removal');
  });

  it('concurrent changes from two tabs are merged, not lost', async () => {
    const namespace = uniqueNamespace();
    const here = await open({ namespace });
    const { sc: there } = await openTab({ namespace });
    // Many interleaved writes from both contexts at once: read-modify-write in one transaction each keeps all of them.
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) {
      writes.push(here.cart.add(item(`here-${i}`)), there.cart.add(item(`there-${i}`)), here.cart.add(item('shared')), there.cart.add(item('shared')));
    }
    await Promise.all(writes);
    for (const sc of [here, there]) {
      const cart = await sc.cart.get();
      expect(cart.items).to.have.length(21);
      expect(cart.items.find((i) => i.sku == 'shared')!.qty).to.equal(20);
    }
  });

  it('remove(sku, qty) in one tab keeps the units another tab adds at the same time', async () => {
    const namespace = uniqueNamespace();
    const here = await open({ namespace });
    const { sc: there } = await openTab({ namespace });
    await here.cart.add(item('mug', { qty: 20 }));
    // Each round takes two units here while one is added there, both at once: reading the line, then
    // setting its quantity, would lose the other tab's unit whenever the two interleave.
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) writes.push(here.cart.remove('mug', 2), there.cart.add(item('mug')));
    await Promise.all(writes);
    for (const sc of [here, there]) expect((await sc.cart.get()).items.map((i) => [i.sku, i.qty])).to.deep.equal([['mug', 10]]);
  });

  it('close() releases the channel: its BroadcastChannel is closed and a closed instance hears no more changes', async () => {
    const namespace = uniqueNamespace();
    // Every BroadcastChannel this page opens on the namespace, and whether it was closed: clearing the
    // listeners (which close() also does) would hide a channel left open, so look at the channel itself.
    const channels: Array<{ channel: BroadcastChannel; closed: boolean }> = [];
    const Native = globalThis.BroadcastChannel;
    globalThis.BroadcastChannel = class extends Native {
      constructor(name: string) {
        super(name);
        if (name == namespace) channels.push({ channel: this, closed: false });
      }
      override close(): void {
        const seen = channels.find((c) => c.channel == this);
        if (seen) seen.closed = true;
        super.close();
      }
    };
    let here: Awaited<ReturnType<typeof open>>;
    try {
      here = await open({ namespace });
    } finally {
      globalThis.BroadcastChannel = Native;
    }
    expect(channels, 'the instance opened its channel').to.have.length.at.least(1);
    const { sc: there } = await openTab({ namespace });
    const seen: Cart[] = [];
    here.cart.subscribe((cart) => seen.push(cart));
    here.close();
    expect(channels.map((c) => c.closed)).to.deep.equal(channels.map(() => true));
    await there.cart.add(item('late'));
    // A live third instance proves the message was sent.
    const { sc: witness } = await openTab({ namespace });
    expect((await witness.cart.get()).count).to.equal(1);
    expect(seen).to.have.length(1);
  });

  it('a change that resolves is announced to other tabs even when its instance is closed meanwhile (a route change right after the click)', async () => {
    const namespace = uniqueNamespace();
    const { sc: checkout } = await openTab({ namespace });
    const product = await open({ namespace });
    const adding = product.cart.add(item('a'));
    product.close();
    expect((await adding).count, 'the add resolved: it is stored').to.equal(1);
    await until(() => checkout.cart.snapshot().count == 1, "the checkout tab's live view of the add");
  });
});
