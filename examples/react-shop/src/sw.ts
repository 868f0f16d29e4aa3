/// <reference lib="webworker" />
/**
 * The shop's own service worker, with steadycart in it: Workbox precaches the
 * app's build, and `installSteadyCart` replays orders that were left waiting,
 * also after every tab is closed.
 *
 * The build replaces `self.__WB_MANIFEST` with the list of the files it
 * emitted: vite-plugin-pwa with `strategies: 'injectManifest'`, `srcDir:
 * 'src'`, `filename: 'sw.ts'`, or workbox-build's `injectManifest` on the
 * bundled worker. The page registers the built worker itself (a plain
 * `navigator.serviceWorker.register`, or vite-plugin-pwa's `injectRegister:
 * 'script'`; not its `registerSW`, which reloads the page when steadycart lets
 * an update in: docs/service-worker.md) and creates steadycart without the
 * `serviceWorker` option: steadycart finds this worker as the one that
 * controls the page.
 */
import { cleanupOutdatedCaches, precacheAndRoute } from 'workbox-precaching';
import { installSteadyCart } from 'steadycart/sw';

declare let self: ServiceWorkerGlobalScope;

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Answers the pages' Background Sync (`replaySyncTag()`, `steadycart:replay`) with the configuration
// they stored, and takes over on `SKIP_WAITING`, which the pages send only while no order is being
// sent. So this worker does not call `self.skipWaiting()` by itself when it installs.
installSteadyCart(self);
