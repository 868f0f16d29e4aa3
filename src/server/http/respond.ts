/** Headers every answer carries (CORS, when the request's origin is allowed). */
export type BaseHeaders = Record<string, string>;

/** A JSON answer whose body text is sent exactly as given. */
export function rawJson(status: number, body: string, headers: BaseHeaders = {}): Response {
  // A 204 or 205 has no body on the wire (the Response constructor refuses one); the lookup still carries the stored `null`.
  return new Response(status == 204 || status == 205 ? null : body, {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/** A JSON answer of the handler's own: `{ error, ...detail }`. */
export function errorJson(status: number, error: string, headers: BaseHeaders = {}, detail: Record<string, unknown> = {}): Response {
  return rawJson(status, JSON.stringify({ error, ...detail }), headers);
}
