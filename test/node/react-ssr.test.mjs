// steadycart/react rendered on the server with react-dom/server (Node, the
// built package): the provider creates nothing there, every hook reports its
// loading state with empty data, hooks outside the provider say so, and no
// other bundle carries React. Needs `npm run build`.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { createElement as h } from 'react';
import { renderToPipeableStream, renderToString } from 'react-dom/server';
import { SteadyCartProvider, useCart, useOutbox, usePlaceOrder, useSteadyCart, useSteadyCartHealth } from 'steadycart/react';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const options = { endpoints: [{ url: 'https://pay.example.com' }] };

/** Every hook's state, as JSON in a <pre>, so that the test reads exactly what a server rendered. */
function State({ orderId }) {
  const cart = useCart();
  const outbox = useOutbox();
  const order = usePlaceOrder(orderId);
  const health = useSteadyCartHealth();
  const instance = useSteadyCart();
  const state = {
    cart: { cart: cart.cart, loading: cart.loading, error: cart.error ?? null },
    outbox: { entries: outbox.entries, loading: outbox.loading },
    order: { id: order.id ?? null, status: order.status ?? null, placing: order.placing, entry: order.entry ?? null },
    health: { health: health.health ?? null, loading: health.loading },
    instance: { sc: instance.sc ?? null, loading: instance.loading },
  };
  return h('pre', { id: 'state' }, JSON.stringify(state));
}

const stateIn = (html) => JSON.parse(html.match(/<pre id="state">(.*?)<\/pre>/)[1].replaceAll('&quot;', '"'));

describe('steadycart/react in a server render', () => {
  it('renders the children at once, every hook loading, with an empty cart and outbox', () => {
    const html = renderToString(h(SteadyCartProvider, { options }, h('h1', null, 'Shop'), h(State, { orderId: 'b3f7c2a0-1111-4222-8333-444455556666' })));
    assert.match(html, /<h1>Shop<\/h1>/);
    assert.deepEqual(stateIn(html), {
      cart: { cart: { items: [], currency: null, count: 0, subtotal: 0, updatedAt: 0 }, loading: true, error: null },
      outbox: { entries: [], loading: true },
      // The id given is kept (so the page can say which order it waits for); its status is not known yet.
      order: { id: 'b3f7c2a0-1111-4222-8333-444455556666', status: null, placing: false, entry: null },
      health: { health: null, loading: true },
      // No instance is made on a server.
      instance: { sc: null, loading: true },
    });
  });

  it('streams too (renderToPipeableStream), with the same loading state', async () => {
    const html = await new Promise((resolve, reject) => {
      const stream = renderToPipeableStream(h(SteadyCartProvider, { options }, h(State, {})), {
        onAllReady() {
          const sink = new PassThrough();
          let out = '';
          sink.on('data', (chunk) => (out += chunk));
          sink.on('end', () => resolve(out));
          stream.pipe(sink);
        },
        onShellError: reject,
      });
    });
    assert.equal(stateIn(html).cart.loading, true);
    assert.equal(stateIn(html).order.status, null);
  });

  it('a hook outside the provider throws an error naming the hook and the provider', () => {
    for (const hook of [useCart, useOutbox, usePlaceOrder, useSteadyCartHealth, useSteadyCart]) {
      const Lonely = () => (hook(), null);
      assert.throws(() => renderToString(h(Lonely)), new RegExp(`${hook.name}\\(\\) must be called inside <SteadyCartProvider>`));
    }
  });
});

describe('React stays in steadycart/react', () => {
  it('no other bundle imports or carries React', async () => {
    const bundles = (await readdir(DIST)).filter((f) => /\.(m?js)$/.test(f) && f != 'react.mjs');
    assert.ok(bundles.includes('steadycart.mjs') && bundles.includes('steadycart.iife.js'), `bundles: ${bundles}`);
    for (const file of bundles) {
      const code = await readFile(DIST + file, 'utf8');
      assert.doesNotMatch(code, /from\s*['"]react(-dom)?['"]|useSyncExternalStore|react\.element/, file);
    }
    const react = await readFile(DIST + 'react.mjs', 'utf8');
    // It uses the page's React and the page's steadycart, never a copy of either.
    assert.match(react, /from 'react'/);
    assert.match(react, /from 'steadycart'/);
    assert.doesNotMatch(react, /class Outbox|indexedDB/);
  });
});
