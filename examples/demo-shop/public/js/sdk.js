/**
 * The page's one steadycart instance. The SDK comes from the script tag
 * (`window.SteadyCart`, loaded with its integrity value); the checkout
 * endpoints come from the server's configuration.
 */
import { config } from './config.js';

/** Default lifetime of a Demo Pay token; the lab can shorten it to try `needs-payment`. */
export const TOKEN_LIFETIME_KEY = 'demo:token-lifetime-ms';
export const tokenLifetimeMs = () => Number(localStorage.getItem(TOKEN_LIFETIME_KEY)) || 15 * 60_000;

function fail(message) {
  const banner = document.getElementById('order-banner');
  if (banner) {
    const p = document.createElement('p');
    p.className = 'notice notice-bad wrap';
    p.setAttribute('role', 'alert');
    p.textContent = message;
    banner.append(p);
  }
  throw new Error(message);
}

if (!window.SteadyCart) fail('The cart could not load (the steadycart script was blocked or failed its integrity check). Please reload the page.');

/** @type {import('../../../../dist/steadycart').SteadyCart} */
export const sc = await window.SteadyCart.createSteadyCart({
  endpoints: config.endpoints.map(({ url, domain }) => ({ url, domain })),
  // Served from the site root, so its scope covers every page of the shop;
  // with the offline shell a reload without a network still shows the shop and its cart.
  serviceWorker: { url: '/steadycart-sw.js', offlineShell: true },
}).catch((err) => fail(`The shop could not start its cart (${err?.message ?? err}). Please reload the page.`));

/**
 * Whether what waits survives this page: when this browser cannot keep data (IndexedDB refused: the disk
 * full, storage blocked), steadycart keeps the cart and orders in the page's memory only, and the service
 * worker, which reads the database alone, cannot place them: the shopper must keep the page open.
 */
export const savedOnDevice = () => sc.health().storage == 'indexeddb';

// For the curious (and the end-to-end tests): the instance, from the console.
window.sc = sc;
