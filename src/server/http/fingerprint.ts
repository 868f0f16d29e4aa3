import { createHash } from 'node:crypto';

/** Hex SHA-256 of method, path and raw body: what makes two requests "the same" for one key. */
export function fingerprint(method: string, path: string, body: Uint8Array): string {
  return createHash('sha256').update(`${method.toUpperCase()}\n${path}\n`).update(body).digest('hex');
}
