/**
 * Proves the runner itself: the engine is real, the dev server serves the
 * built bundles with the headers service workers need, and the fault
 * backend's control API is mounted at /__backend.
 */
import { expect } from 'chai';
import { rawOpen } from './hardening/raw-idb';
import { deleteDatabase } from './helpers';

describe('test runner smoke', () => {
  it('runs in a real engine with IndexedDB', async () => {
    expect(typeof indexedDB.open).to.equal('function');
    const name = `smoke-${crypto.randomUUID()}`;
    const db = await rawOpen(name, 1, (db) => db.createObjectStore('s'));
    expect([...db.objectStoreNames]).to.deep.equal(['s']);
    db.close();
    await deleteDatabase(name);
  });

  it('serves dist/ with Service-Worker-Allowed and no-store', async () => {
    const res = await fetch('/dist/sri.json');
    expect(res.status).to.equal(200);
    expect(res.headers.get('Service-Worker-Allowed')).to.equal('/');
    expect(res.headers.get('Cache-Control')).to.equal('no-store');
  });

  it('mounts the fault backend control API at /__backend', async function () {
    const res = await fetch('/__backend', {
      method: 'POST',
      body: JSON.stringify({ endpoints: [{ name: 'smoke' }] }),
      headers: { 'Content-Type': 'application/json' },
    });
    if (res.headers.get('X-Steadycart-Backend') === 'missing') {
      // test/backend/index.mjs is absent or failed to load; the runner logged why.
      const { reason } = (await res.json()) as { reason: string };
      console.warn(`skipping: fault backend unavailable (${reason})`);
      this.skip();
    }
    expect(res.status).to.equal(200);
    const { id, endpoints } = (await res.json()) as { id: string; endpoints: { name: string }[] };
    expect(id).to.be.a('string');
    expect(endpoints.map((e) => e.name)).to.deep.equal(['smoke']);
    const del = await fetch(`/__backend/${encodeURIComponent(id)}`, { method: 'DELETE' });
    expect(del.status).to.equal(200);
  });
});
