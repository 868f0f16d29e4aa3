// @ts-check
/**
 * A fault-injecting checkout backend implementing the wire contract, for tests and
 * benchmarks. Plain Node ESM, no dependencies. See README.md.
 */
export { startBackend } from './backend.mjs';
export { createControlHandler } from './control.mjs';
export { FAULT_KINDS, ROUTES, normalizeFault } from './faults.mjs';
export { countDuplicates } from './store.mjs';
export { isLoopbackHost, requestUrl } from './http-util.mjs';
