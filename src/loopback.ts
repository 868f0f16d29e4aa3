/** @internal The hosts an endpoint may be reached on over plain `http:` (the wire contract): the SDK's and `steadycart check`'s rule. */
export const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];
