/**
 * The offline shell as a script of its own (`steadycart-sw-shell.js`), so that
 * the standalone worker carries its Workbox strategy only when a page asks for
 * the shell: the worker loads it with `importScripts` from next to itself.
 * It defines `SteadyCartShell` in the worker's global scope.
 */
export { installShell } from './shell';
