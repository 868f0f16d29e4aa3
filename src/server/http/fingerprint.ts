import { createHash } from 'node:crypto';

/**
 * Hex SHA-256 of the raw body: what makes two requests "the same" for one key.
 * The body alone, as the contract says (422: "used before with a different
 * body"): endpoints of one domain may serve the checkout on different paths,
 * and a retry that crosses from one to the other is the same order.
 */
export function fingerprint(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}
