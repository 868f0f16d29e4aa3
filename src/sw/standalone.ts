/**
 * The standalone steadycart service worker (`steadycart-sw.js`): serve it from
 * your origin and pass its URL as `serviceWorker`. It replays with the
 * configuration the pages stored, so it carries no option normalization.
 */
import { installWorker } from './install';

installWorker(self as unknown as ServiceWorkerGlobalScope);
