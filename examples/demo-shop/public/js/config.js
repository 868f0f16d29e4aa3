/**
 * The demo's configuration, written into a <meta> tag by the server (this
 * page's CSP allows no inline script): the checkout endpoints and where the
 * backend's control API is.
 */
const meta = document.querySelector('meta[name="demo-config"]');

/** @type {{ endpoints: { name: string, domain: string, url: string, label: string }[], backend: string }} */
export const config = JSON.parse(meta?.getAttribute('content') || '{"endpoints":[],"backend":""}');

/** The endpoint's short name ("us", "eu", "backup") from its URL. */
export function endpointName(url) {
  const e = config.endpoints.find((x) => x.url.replace(/\/+$/, '') == String(url).replace(/\/+$/, ''));
  return e ? e.name : String(url);
}
