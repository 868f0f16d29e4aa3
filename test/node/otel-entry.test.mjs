// steadycart/otel as npm ships it (the built package): it imports
// @opentelemetry/api and steadycart, never a copy of either; no browser bundle
// carries OpenTelemetry or the drill's code outside its own chunk; importing it
// on a server never throws. Needs `npm run build`.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

/** The page, cart, worker and React bundles: everything a browser loads except steadycart/otel. */
const browserBundles = async () => (await readdir(DIST)).filter((f) => /\.m?js$/.test(f) && !/^(otel|server|cli)\.mjs$/.test(f));

describe('steadycart/otel', () => {
  it('imports @opentelemetry/api and steadycart, and carries neither', async () => {
    const otel = await readFile(DIST + 'otel.mjs', 'utf8');
    assert.match(otel, /from '@opentelemetry\/api'/);
    assert.match(otel, /from 'steadycart'/);
    assert.doesNotMatch(otel, /class Outbox|indexedDB|createContextKey|class Emitter/);
  });

  it('no other browser bundle imports or carries OpenTelemetry', async () => {
    const bundles = await browserBundles();
    assert.ok(bundles.includes('steadycart.mjs') && bundles.includes('steadycart.iife.js') && bundles.includes('steadycart-drill.mjs'), `bundles: ${bundles}`);
    for (const file of bundles) {
      const code = await readFile(DIST + file, 'utf8');
      assert.doesNotMatch(code, /@opentelemetry|traceparent|steadycart placeOrder/, file);
    }
  });

  it('the page module for bundlers loads drill mode from its own chunk, only when asked', async () => {
    const page = await readFile(DIST + 'steadycart-index.mjs', 'utf8');
    assert.match(page, /import\('\.\/steadycart-drill\.mjs'\)/);
    assert.doesNotMatch(page, /Steadycart-Drill|drop-after-commit/);
    assert.match(await readFile(DIST + 'steadycart-drill.mjs', 'utf8'), /Steadycart-Drill/);
  });

  it('the page module exports its public API and nothing the drill chunk shares with it', async () => {
    const names = Object.keys(await import('steadycart')).sort();
    assert.deepEqual(names, ['SKIP_WAITING', 'SteadyCartError', 'createSteadyCart', 'isSkipWaiting', 'isSteadyCartError', 'orderStatusText', 'replaySyncTag']);
  });

  it('imports on a server without throwing', async () => {
    const { instrument } = await import('steadycart/otel');
    assert.equal(typeof instrument, 'function');
    assert.throws(() => instrument({}), { name: 'SteadyCartError', code: 'INVALID_OPTIONS' });
  });
});
