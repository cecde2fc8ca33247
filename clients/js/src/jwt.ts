// Internal: verifying Postern's access tokens against its JWKS. Used by
// `@postern/next/server` (verifyAccessToken) and `@postern/next/proxy`.

// Subpath imports: the root of jose also brings JWE (and its CompressionStream), which
// edge bundlers warn about in middleware.
import { createRemoteJWKSet, customFetch } from "jose/jwks/remote";
import { jwtVerify } from "jose/jwt/verify";
import type { JWTPayload } from "jose";

import type { Postern } from "./index.js";

/** The claims of a Postern access token. `email` and `phone` only when verified. */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string | string[];
  /** The session the token was issued for. */
  sid: string;
  email?: string;
  phone?: string;
  iat: number;
  exp: number;
  jti: string;
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

// One key set per Postern (its base URL): jose caches the keys, and fetches them again
// when a token names a `kid` it does not have (a rotation).
const keySets = new Map<string, KeySet>();

function keySetOf(postern: Postern): KeySet {
  let set = keySets.get(postern.baseUrl);
  if (!set) {
    const fetchImpl = postern.fetch;
    set = createRemoteJWKSet(new URL(`${postern.baseUrl}/.well-known/jwks.json`), {
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
      [customFetch]: (url: string, init: RequestInit) => fetchImpl(url, init),
    });
    keySets.set(postern.baseUrl, set);
  }
  return set;
}

/**
 * Verifies an access token from `POST /v1/session/token` (EdDSA only, issuer
 * `publicUrl`, audience `audience`, not expired) and returns its claims. Throws when the
 * token is not valid.
 */
export async function verifyAccessToken(postern: Postern, token: string): Promise<AccessTokenClaims> {
  if (typeof token !== "string" || token.length === 0 || token.length > 8192) {
    throw new TypeError("verifyAccessToken: the token must be a non-empty string");
  }
  const { payload } = await jwtVerify(token, keySetOf(postern), {
    algorithms: ["EdDSA"],
    issuer: postern.publicUrl,
    audience: postern.audience,
    requiredClaims: ["sub", "exp", "iat"],
  });
  return payload as AccessTokenClaims;
}
