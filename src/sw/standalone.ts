/**
 * The standalone steadycart service worker (`steadycart-sw.js`): serve it from
 * your origin and pass its URL as `serviceWorker`. It replays with the
 * configuration the pages stored, so it carries no option normalization.
 */
import { installWorker, type ShellInstaller } from './install';

type TrustedTypes = { createPolicy(name: string, rules: { createScriptURL(): string }): { createScriptURL(url: string): string } };
const worker = self as unknown as ServiceWorkerGlobalScope & { SteadyCartShell?: { installShell: ShellInstaller }; trustedTypes?: TrustedTypes };

// Only a worker whose pages asked for the offline shell loads it (and its Workbox
// strategy), at start, as `importScripts` must be; a missing file fails the install.
installWorker(worker, (...args) => {
  let url = new URL('steadycart-sw-shell.js', worker.location.href).href;
  // Served with `require-trusted-types-for 'script'`, the worker may load only a trusted
  // URL: the `steadycart` policy, which yields this one URL and no other. Where the browser
  // has no Trusted Types, or a CSP does not allow that name, the plain URL is used (and
  // refused only where trusted URLs are required).
  try {
    url = worker.trustedTypes!.createPolicy('steadycart', { createScriptURL: () => url }).createScriptURL(url);
  } catch {}
  importScripts(url);
  worker.SteadyCartShell!.installShell(...args);
});
