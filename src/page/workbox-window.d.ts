/** workbox-window's ES2015+ production build, which the page loads: the package's own API. */
declare module 'workbox-window/build/workbox-window.prod.mjs' {
  export * from 'workbox-window';
}
