// @ts-check
/**
 * The shop's security headers. The Content-Security-Policy is the strict one
 * a real storefront should be able to run steadycart under: scripts from the
 * site only (no inline script, no eval), connections to the site and the
 * checkout endpoints only, and Trusted Types enforced with exactly one
 * policy allowed, `steadycart` (the SDK's own, for its service worker URL).
 */

/**
 * @param {string[]} endpointOrigins  e.g. ['http://127.0.0.1:8081', ...]
 * @returns {string}
 */
export function contentSecurityPolicy(endpointOrigins) {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self' ${endpointOrigins.join(' ')}`,
    "worker-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    'trusted-types steadycart',
  ].join('; ');
}

/**
 * Headers for every answer of the shop's server.
 * @param {string} csp
 * @returns {Record<string, string>}
 */
export function securityHeaders(csp) {
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    // payment=(): Demo Pay needs no Payment Request API. A real checkout allows its PSP's
    // (`payment=(self "https://js.psp.example")`), or Apple Pay and Google Pay stop working.
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  };
}
