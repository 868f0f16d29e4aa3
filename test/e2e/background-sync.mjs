// Fires a Background Sync event in a service worker now, through the DevTools
// protocol, as Chromium does on its own when connectivity returns or a tag is
// registered. Shared by the end-to-end tests and the drain benchmark.

/**
 * Starts watching the service worker registrations of `page`'s browser
 * context (call it before the worker registers, or at least before firing);
 * resolves with `fire(scopeURL, tag)`, which dispatches a sync event with
 * `tag` to the registration of that scope.
 * @param {import('playwright-core').BrowserContext} context
 * @param {import('playwright-core').Page} page
 * @returns {Promise<(scopeURL: string, tag: string) => Promise<void>>}
 */
export async function syncDispatcher(context, page) {
  const cdp = await context.newCDPSession(page);
  /** @type {Map<string, string>} registration ids by scope URL */
  const registrations = new Map();
  cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations: list }) => list.forEach((r) => registrations.set(r.scopeURL, r.registrationId)));
  await cdp.send('ServiceWorker.enable');
  return async (scopeURL, tag) => {
    // The registrations known before `enable` are reported after it, asynchronously: a busy machine's may come late.
    for (let i = 0; !registrations.has(scopeURL) && i < 100; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const registrationId = registrations.get(scopeURL);
    if (!registrationId) throw new Error(`no service worker registration for ${scopeURL} within 10 s (known: ${[...registrations.keys()].join(', ') || 'none'})`);
    await cdp.send('ServiceWorker.dispatchSyncEvent', { origin: new URL(scopeURL).origin, registrationId, tag, lastChance: false });
  };
}
