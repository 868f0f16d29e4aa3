/**
 * The merchant's own service worker: a page created without `serviceWorker`
 * works with the worker that controls it (registered here by the test, as a
 * merchant's own code would, never by steadycart): it registers the replay's
 * Background Sync on it when an order is left waiting, and lets an update of
 * it take over only while no order is in flight.
 */
import { expect } from 'chai';
import { isSkipWaiting, replaySyncTag, SKIP_WAITING } from '../../../src/index';
import { closeBackends, down, startBackend, type TestBackend } from '../backend';
import { probeWaiting } from './worker-probe';
import { cleanup, openTab, quickOptions, uniqueNamespace, until } from '../helpers';

const order = (ref: string) => ({ orderRef: ref, total: 1250, payment: { token: 'pm_own' } });

describe("the merchant's own service worker", () => {
  let scope: string | undefined;

  afterEach(async () => {
    await cleanup();
    await closeBackends();
    if (scope) await (await navigator.serviceWorker.getRegistration(scope))?.unregister();
    scope = undefined;
  });

  /**
   * The merchant's worker (the steadycart worker behind a probe, /test/fixtures/versioned-sw),
   * registered by the test in a scope of its own, and a tab in that scope created
   * without `serviceWorker`, once the worker controls it.
   */
  async function controlledTab(be: TestBackend, extra = {}) {
    const namespace = uniqueNamespace();
    scope = `/test/sw-scope/${namespace}/`;
    const reg = await navigator.serviceWorker.register(`/test/fixtures/versioned-sw?namespace=${namespace}`, { scope });
    const first = (await until(() => (reg.active?.state == 'activated' ? reg.active : undefined), 'the merchant worker to activate', 10_000))!;
    const { sc, frame } = await openTab(quickOptions(be, namespace, extra), '', `${scope}tab.html`);
    const controller = frame.contentWindow!.navigator.serviceWorker.controller;
    expect(controller?.scriptURL, 'the tab is controlled by the merchant worker').to.equal(first.scriptURL);
    return { namespace, reg, first, sc, frame };
  }


  it('the sync tag and the handshake message are public: `<namespace>:replay` and SKIP_WAITING', () => {
    expect(replaySyncTag()).to.equal('steadycart:replay');
    expect(replaySyncTag('shop-2')).to.equal('shop-2:replay');
    expect(SKIP_WAITING).to.deep.equal({ type: 'SKIP_WAITING' });
    expect(isSkipWaiting({ type: 'SKIP_WAITING' })).to.equal(true);
    expect(isSkipWaiting({ type: 'CACHE_URLS' })).to.equal(false);
    expect(isSkipWaiting(null)).to.equal(false);
  });

  it('an order left waiting registers the replay sync on the worker that controls the page, with no serviceWorker option (engines with Background Sync)', async function () {
    if (!('sync' in ServiceWorkerRegistration.prototype)) this.skip();
    const be = await startBackend();
    const { namespace, sc, frame } = await controlledTab(be);
    expect(sc.health().worker, 'steadycart registered no worker of its own').to.equal('none');
    // Every Background Sync the tab registers (the tag alone: the browser may fire and clear it at once).
    const tags: string[] = [];
    const syncManager = (frame.contentWindow as unknown as { SyncManager: { prototype: { register(tag: string): Promise<void> } } }).SyncManager.prototype;
    const register = syncManager.register;
    syncManager.register = function (tag: string) {
      tags.push(tag);
      return register.call(this, tag);
    };
    await down(be);
    const r = await sc.placeOrder(order('own-sync'));
    expect(r.status).to.equal('pending');
    await until(() => tags.includes(replaySyncTag(namespace)), 'the page to register the replay sync', 10_000);
  });

  it('an update of the merchant worker waits while an order is in flight, and takes over once none is', async () => {
    const be = await startBackend();
    const { reg, sc } = await controlledTab(be, { budgetMs: 12_000, tuning: { attemptTimeoutMs: 10_000 } });
    // Held until the checks below, which need the order in flight, are done: however long the update takes.
    await be.hold('us', true);
    const placing = sc.placeOrder(order('own-in-flight'));
    await until(async () => (await sc.outbox.list())[0]?.status == 'sending', 'the order in flight');
    // The worker in charge while the order is in flight. (The fixture differs on every fetch: a browser's own
    // update check as the tab loaded may already have replaced the one registered, legitimately, before the order.)
    const first = reg.active!;
    await reg.update();
    // The waiting worker has handled every message posted so far: no SKIP_WAITING while the order is in flight.
    expect((await probeWaiting(reg)).skips).to.equal(0);
    expect((await sc.outbox.list())[0]?.status, 'still in flight when the worker answered').to.equal('sending');
    expect(first.state, 'the first worker still in charge').to.equal('activated');
    expect(reg.waiting).to.be.ok;
    await be.hold('us', false);
    expect((await placing).status).to.equal('confirmed');
    await until(() => first.state == 'redundant', 'the update to take over', 10_000);
    expect(reg.waiting).to.equal(null);
  });
});
