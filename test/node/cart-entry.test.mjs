// steadycart/cart in Node (a server render): importing is safe, creating an
// instance rejects with a typed error; and the entry reaches none of the
// checkout machinery, so product pages do not pay for it; nor does a bundle that
// imports only a helper of the full SDK. Needs `npm run build`.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import * as esbuild from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('steadycart/cart outside a browser', () => {
  it('imports in Node through the package exports, and createCart rejects with NOT_A_BROWSER', async () => {
    const { createCart, isSteadyCartError } = await import('steadycart/cart');
    await assert.rejects(createCart(), (error) => isSteadyCartError(error) && error.code === 'NOT_A_BROWSER');
    // Rejects, never throws synchronously: a `.catch` on the call sees it.
    const call = createCart({ namespace: 'x' });
    assert.ok(call instanceof Promise);
    await assert.rejects(call, { code: 'NOT_A_BROWSER' });
  });
});

describe('steadycart/cart bundle contents', () => {
  it('reaches no transport, outbox, option normalization, service-worker code, ky or workbox-window', async () => {
    const { metafile } = await esbuild.build({
      entryPoints: [`${ROOT}src/cart/index.ts`],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'browser',
      logLevel: 'error',
    });
    const inputs = Object.keys(metafile.inputs);
    assert.ok(inputs.some((i) => i.endsWith('src/cart/cart.ts')) && inputs.some((i) => /node_modules\/idb\//.test(i)), `the cart and idb are in: ${inputs.join(', ')}`);
    // The one list of outbox statuses is data the channel checks messages against, not outbox code.
    const forbidden = inputs.filter((i) => /src\/(transport|outbox\/(?!statuses\.ts$)|options\.ts$|page\/|sw\/|core\.ts$)|node_modules\/(ky|workbox-)/.test(i));
    assert.deepEqual(forbidden, []);
  });
});

describe('steadycart bundle contents, for a consumer that imports one helper', () => {
  it('a bundler drops ky, transport and the outbox when only orderStatusText and replaySyncTag are imported', async () => {
    // A shop's bundle that shows an order's status text (or names the worker's sync tag) and places nothing.
    const { metafile } = await esbuild.build({
      stdin: { contents: "import { orderStatusText, replaySyncTag } from 'steadycart'; console.log(orderStatusText, replaySyncTag());", resolveDir: ROOT },
      bundle: true,
      write: false,
      metafile: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      logLevel: 'error',
    });
    const [output] = Object.values(metafile.outputs);
    const kept = Object.entries(output.inputs).filter(([, { bytesInOutput }]) => bytesInOutput > 0).map(([path]) => path);
    assert.ok(kept.some((i) => i.endsWith('dist/steadycart-index.mjs')), `steadycart is in: ${kept.join(', ')}`);
    assert.deepEqual(kept.filter((i) => /node_modules\/(ky|workbox-)/.test(i)), [], 'ky and workbox-window are left out');
  });
});
