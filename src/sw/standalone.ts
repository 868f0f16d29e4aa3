/**
 * The standalone steadycart service worker (`steadycart-sw.js`): serve it from
 * your origin and pass its URL as `serviceWorker`. It learns its
 * configuration from the pages.
 */
import { installSteadyCart } from './index';

installSteadyCart(self as unknown as ServiceWorkerGlobalScope);
