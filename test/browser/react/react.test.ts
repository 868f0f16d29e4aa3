import { expect } from 'chai';
import { closeBackends, down, startBackend, up } from '../backend';
import { cleanup, item, open, QUICK_ROOMY_TUNING, quickOptions, uniqueNamespace, until } from '../helpers';

/** The React app of ./app.ts, bundled with React by ./bundle-plugin.mjs. */
let app: typeof import('./app');

let container: HTMLElement;
let unmount: (() => void) | undefined;
let consoleErrors: string[];
const originalError = console.error;

const read = (test: string) => container.querySelector(`[data-test="${test}"]`)?.textContent ?? null;
const click = (test: string) => (container.querySelector(`[data-test="${test}"]`) as HTMLElement).click();
const shows = (test: string, value: string, timeoutMs?: number) => until(() => read(test) == value, `${test} = ${value} (now ${read(test)})`, timeoutMs);
const outboxItems = () => [...container.querySelectorAll('[data-test="outbox"] li')].map((li) => [li.getAttribute('data-id'), li.textContent]);

describe('steadycart/react in a React app', () => {
  before(async () => {
    app = await import('/test/browser/react/app.bundle.js' as string);
  });

  beforeEach(() => {
    container = document.createElement('div');
    document.body.append(container);
    // React reports an uncached getSnapshot, an update loop or a hydration mismatch through console.error.
    consoleErrors = [];
    console.error = (...args: unknown[]) => consoleErrors.push(args.map(String).join(' '));
  });

  afterEach(async () => {
    unmount?.();
    unmount = undefined;
    container.remove();
    console.error = originalError;
    await cleanup();
    await closeBackends();
  });

  it('renders its children at once, loading, then the stored cart, live across tabs', async () => {
    const namespace = uniqueNamespace();
    const other = await open({ namespace });
    await other.cart.add(item('tea'));
    app.cartLog.length = 0;
    unmount = app.mount(container, { namespace });
    await shows('cart-loading', 'false');
    expect(app.cartLog[0], 'the first render does not wait for IndexedDB').to.deep.equal([true, 0]);
    expect(read('cart-count')).to.equal('1');
    expect(read('health-storage')).to.equal('indexeddb');

    click('add');
    await shows('cart-count', '2');
    expect(read('cart-subtotal')).to.equal(String(1250 + 1200));
    // Another tab changes the cart: the app follows.
    await other.cart.setQuantity('tea', 3);
    await shows('cart-count', '4');
    expect((await other.cart.get()).count).to.equal(4);
    click('remove-two-teas');
    await shows('cart-count', '2');
    expect((await other.cart.get()).items.map((i) => [i.sku, i.qty])).to.deep.equal([['tea', 1], ['mug', 1]]);
    click('take-ordered-tea');
    await shows('cart-count', '1');
    // Recorded as taken out: the same order in another tab takes nothing more.
    expect((await other.cart.removeOrdered('order-1', [{ sku: 'mug', qty: 1 }])).items.map((i) => [i.sku, i.qty])).to.deep.equal([['mug', 1]]);
    click('remove');
    await shows('cart-count', '0');
    expect(consoleErrors).to.deep.equal([]);
  });

  it('useSteadyCart gives the instance itself: an effect subscribed to its events hears every change, in any tab', async () => {
    const namespace = uniqueNamespace();
    const other = await open({ namespace });
    unmount = app.mount(container, { namespace });
    await shows('instance-loading', 'false');
    expect(read('instance-namespace-storage')).to.equal('indexeddb');
    expect(read('instance-cart-events')).to.equal('0');
    click('add');
    await shows('instance-cart-events', '1');
    await other.cart.add(item('tea'));
    await shows('instance-cart-events', '2');
    expect(read('cart-count')).to.equal('2');
    expect(consoleErrors).to.deep.equal([]);
  });

  it('a steady state renders nothing more: every snapshot is cached', async () => {
    const namespace = uniqueNamespace();
    const other = await open({ namespace });
    unmount = app.mount(container, { namespace });
    await shows('cart-loading', 'false');
    await until(() => container.querySelector('[data-test="outbox"]')?.getAttribute('data-loading') == 'false', 'the outbox read');
    const before = { ...app.renders };
    // Reads that change nothing, in this tab and another, and two frames for React to act on anything.
    await other.cart.get();
    await other.outbox.list();
    for (let i = 0; i < 2; i++) await new Promise(requestAnimationFrame);
    expect(app.renders).to.deep.equal(before);
    expect(consoleErrors).to.deep.equal([]);
  });

  it('usePlaceOrder: pending while the store is down, confirmed live when it is back, also after a reload given the id', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const options = quickOptions(be, namespace);
    unmount = app.mount(container, options);
    await shows('cart-loading', 'false');
    click('add');
    await shows('cart-count', '1');
    await down(be);
    click('place');
    await shows('order-placing', 'true');
    expect(read('order-status')).to.equal('sending');
    await shows('order-status', 'pending');
    const id = read('order-id')!;
    expect(id).to.match(/^[0-9a-f-]{36}$/);
    await until(() => outboxItems().some(([entry, status]) => entry == id && status == 'pending'), 'the order pending in useOutbox');
    await shows('health-endpoints', 'open,open');

    // A reload: the page knows the order's id (from its URL, say) and nothing else.
    unmount();
    app.orderLog.length = 0;
    unmount = app.mount(container, options, id);
    await shows('order-status', 'pending');
    expect(read('order-id')).to.equal(id);
    // Until the outbox is read, the status is not known: the hook says it is loading (a Pay button stays disabled).
    expect(app.orderLog.filter(([loading, status]) => !loading && status === undefined), 'renders with neither a status nor loading').to.deep.equal([]);
    expect(app.orderLog[0], 'the first render').to.deep.equal([true, undefined]);
    await up(be);
    await shows('order-status', 'confirmed', 15_000);
    expect(read('order-result')).to.equal('201');
    await shows('health-endpoints', 'closed,closed', 15_000);
    expect(await be.charges(id)).to.equal(1);
    expect(consoleErrors).to.deep.equal([]);
  });

  it('usePlaceOrder of an order discarded from the outbox says no status, not its call\'s old pending (which would promise it will be placed)', async () => {
    const be = await startBackend();
    unmount = app.mount(container, quickOptions(be, uniqueNamespace()));
    await shows('cart-loading', 'false');
    click('add');
    await shows('cart-count', '1');
    await down(be);
    click('place');
    await shows('order-status', 'pending');
    const id = read('order-id')!;
    await until(() => outboxItems().some(([entry, status]) => entry == id && status == 'pending'), 'the order pending in useOutbox');
    // Refused (false) while a replay sends it: its circuit's probe may be the order itself (CI125, Chromium, loaded).
    const sc = app.instances.at(-1)!;
    await until(() => sc.outbox.discard(id), 'the order discarded, between two replays of it', 15_000);
    await until(() => outboxItems().length == 0, 'the entry gone from useOutbox');
    await shows('order-status', 'none');
    expect(read('order-id')).to.equal(id);
    expect(consoleErrors).to.deep.equal([]);
  });

  it('usePlaceOrder given the id of the order it placed goes on with that call: its result and status stay, also without an outbox', async () => {
    const be = await startBackend();
    // A roomy budget: without an outbox, an order the quick 600 ms budget left unconfirmed ends failed, as it did
    // in Firefox in CI105 (its first request, preflight and all, outlasted the budget on a loaded machine).
    unmount = app.mount(container, { ...quickOptions(be, uniqueNamespace()), outbox: false, budgetMs: 10_000, tuning: QUICK_ROOMY_TUNING });
    await shows('cart-loading', 'false');
    click('add');
    await shows('cart-count', '1');
    click('follow-place');
    await until(() => read('follow-id') != '', 'the placed order followed by its id');
    const id = read('follow-id')!;
    // Without an outbox the call's own result is all there is: losing it left the status unknown (and Pay back).
    await shows('follow-status', 'confirmed');
    expect(read('follow-result')).to.equal('confirmed');
    expect(await be.charges(id)).to.equal(1);
    expect(consoleErrors).to.deep.equal([]);
  });

  it('useSteadyCartHealth mounted again shows what changed while it was away', async () => {
    const be = await startBackend();
    const options = quickOptions(be, uniqueNamespace());
    // A circuit that opens stays open, unprobed, for 30 s: no later event refreshes a stale view.
    unmount = app.mount(container, { ...options, tuning: { ...options.tuning, openMs: 30_000, maxOpenMs: 30_000 } });
    await shows('cart-loading', 'false');
    await shows('health-endpoints', 'closed,closed');
    click('toggle-health');
    await until(() => read('health-endpoints') === null, 'the health panel closed');
    click('add');
    await shows('cart-count', '1');
    await down(be);
    click('place');
    await shows('order-status', 'pending');
    click('toggle-health');
    await shows('health-endpoints', 'open,open', 3000);
    expect(consoleErrors).to.deep.equal([]);
  });

  it('useSteadyCartHealth shows a drill as it starts and ends', async () => {
    const be = await startBackend();
    unmount = app.mount(container, { ...quickOptions(be, uniqueNamespace()), drill: true });
    await shows('instance-loading', 'false');
    await shows('health-drill', 'none');
    const sc = app.instances.at(-1)!;
    sc.drill!.start({ fault: 'refuse', forMs: 60_000 });
    await shows('health-drill', 'refuse', 3000);
    sc.drill!.stop();
    await shows('health-drill', 'none', 3000);
    expect(consoleErrors).to.deep.equal([]);
  });

  it('useSteadyCartHealth shows a failed replay, and clears it once a replay works again (which no event tells), in every component that shows it', async function () {
    if (!navigator.locks) this.skip(); // No Web Locks in this engine: the lease fallback has no lock manager to fail.
    // Web Locks refusing every request (as in a sandboxed frame) makes the load-time replay fail.
    const locks = navigator.locks;
    Object.defineProperty(locks, 'request', { configurable: true, value: () => Promise.reject(new DOMException('locks are not allowed here', 'SecurityError')) });
    const restore = () => delete (locks as { request?: unknown }).request;
    try {
      unmount = app.mount(container, { namespace: uniqueNamespace(), endpoints: [{ url: 'http://127.0.0.1:9' }] });
      await shows('health-replay-error', 'internal', 10_000);
      // A second consumer, mounted later: both follow the one cached health.
      click('toggle-badge');
      await shows('badge-replay-error', 'internal', 10_000);
      restore();
      // Coming online replays again, and this time it works: health() no longer has the error, and both views follow.
      dispatchEvent(new Event('online'));
      await shows('health-replay-error', 'none', 10_000);
      await shows('badge-replay-error', 'none', 10_000);
    } finally {
      restore();
    }
    expect(consoleErrors).to.deep.equal([]);
  });

  it('usePlaceOrder keeps the typed error of bad input, and sends nothing', async () => {
    const be = await startBackend();
    unmount = app.mount(container, quickOptions(be, uniqueNamespace()));
    await shows('cart-loading', 'false');
    click('place-bad');
    await shows('order-error', 'CARD_DATA');
    expect(read('order-status')).to.equal('none');
    expect(read('order-placing')).to.equal('false');
    expect(await be.requests()).to.deep.equal([]);
  });

  it('hydrates server-rendered HTML without a mismatch, then goes live', async () => {
    const namespace = uniqueNamespace();
    const other = await open({ namespace });
    await other.cart.add(item('tea', { qty: 2 }));
    const html = app.serverHtml({ namespace });
    // The server's markup, as a server-rendered page arrives (test data only).
    container.innerHTML = html;
    expect(read('cart-loading')).to.equal('true');
    expect(read('cart-count')).to.equal('0');
    const mismatches: unknown[] = [];
    unmount = app.hydrate(container, { namespace }, (error) => mismatches.push(error));
    await shows('cart-count', '2');
    expect(read('cart-loading')).to.equal('false');
    expect(mismatches).to.deep.equal([]);
    expect(consoleErrors).to.deep.equal([]);
  });
});
