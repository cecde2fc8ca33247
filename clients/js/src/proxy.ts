/**
 * `@postern/next/proxy`: an OPTIMISTIC early redirect for `proxy.ts` (Next 16) or
 * `middleware.ts` (Next 15).
 *
 * It is never the only check. Middleware can be skipped (CVE-2025-29927 let a request
 * header bypass it entirely), and a cookie that looks right may name a revoked session.
 * The real check is `requireSession` from `@postern/next/server`, in the data-access
 * layer, the page or the action that touches the user's data.
 *
 * Imports nothing from Next: it returns plain `Response` objects (or `undefined` to let
 * the request through), so it runs on every runtime.
 *
 * @module
 */

import { parseCookieHeader } from "./http.js";
import { POSTERN_COOKIES, type Postern } from "./index.js";
import { verifyAccessToken } from "./jwt.js";

export interface PosternProxyOptions {
  /**
   * The protected paths: path prefixes, matched by whole segments (`"/dashboard"`
   * protects `/dashboard` and `/dashboard/x`, not `/dashboards`), or regular expressions
   * tested against the path.
   */
  protect: ReadonlyArray<string | RegExp>;
  /** The sign-in page. Default: `postern.signInPath`, else `"/sign-in"`. */
  signInPath?: string;
  /**
   * The app's Postern configuration. With it, the cookie name follows its `publicUrl`
   * (`__Host-` over https) and an `Authorization: Bearer` access token is verified
   * against Postern's JWKS; without it, either cookie name is accepted and bearer tokens
   * are not.
   */
  postern?: Postern;
}

/** What Next passes: a `NextRequest` is a `Request` with `nextUrl`. */
export type ProxyRequest = Request & { nextUrl?: URL };

export type PosternProxy = (request: ProxyRequest) => Promise<Response | undefined>;

// `<id>.<secret>`: a 22-character id and a 43-character secret today, base64url both.
const SESSION_TOKEN = /^[A-Za-z0-9_-]{8,64}\.[A-Za-z0-9_-]{16,100}$/;

/** Whether a session cookie value has the shape Postern gives them (it proves nothing more). */
export function isWellFormedSessionToken(value: string | undefined): boolean {
  return value !== undefined && value.length <= 128 && SESSION_TOKEN.test(value);
}

function compileProtect(protect: ReadonlyArray<string | RegExp>): (path: string) => boolean {
  if (!Array.isArray(protect)) throw new TypeError("posternProxy: protect must be an array of paths or RegExps");
  const tests = protect.map((p) => {
    if (p instanceof RegExp) {
      // A global or sticky RegExp keeps state between tests: use a fresh copy.
      const re = new RegExp(p.source, p.flags.replace(/[gy]/g, ""));
      return (path: string) => re.test(path);
    }
    if (typeof p !== "string" || !p.startsWith("/")) {
      throw new TypeError(`posternProxy: a protected path must start with "/" (got ${JSON.stringify(p)})`);
    }
    const prefix = p.length > 1 ? p.replace(/\/+$/, "") : p;
    if (prefix === "/") return () => true;
    return (path: string) => path === prefix || path.startsWith(`${prefix}/`);
  });
  return (path) => tests.some((t) => t(path));
}

/** Whether `path` is protected by `protect` (segment-aware prefixes, or RegExps). */
export function matchesProtected(protect: ReadonlyArray<string | RegExp>, path: string): boolean {
  return compileProtect(protect)(path);
}

/**
 * The proxy function: `export const proxy = posternProxy({ protect: ["/dashboard"], postern })`
 * in `proxy.ts` (Next 16), or `export const middleware = …` in `middleware.ts` (Next 15).
 *
 * For a protected path it lets the request through (`undefined`) when a well-formed
 * Postern session cookie is present, or (with `postern`) an `Authorization: Bearer`
 * access token verifies; otherwise it answers a 307 to
 * `signInPath?redirect_to=<path and query>`.
 *
 * OPTIMISTIC ONLY: it never replaces `requireSession` in the data-access layer
 * (CVE-2025-29927: middleware can be skipped).
 */
export function posternProxy(options: PosternProxyOptions): PosternProxy {
  if (!options || typeof options !== "object") throw new TypeError("posternProxy: options are required");
  const isProtected = compileProtect(options.protect);
  const postern = options.postern;
  const signInPath = options.signInPath ?? postern?.signInPath ?? "/sign-in";
  if (!signInPath.startsWith("/") || signInPath.startsWith("//")) {
    throw new TypeError(`posternProxy: signInPath must be a path that starts with "/" (got ${JSON.stringify(signInPath)})`);
  }
  const signInOnly = signInPath.split("?")[0];
  const cookieNames = postern
    ? [postern.cookies.session]
    : [POSTERN_COOKIES.session, `__Host-${POSTERN_COOKIES.session}`];

  return async (request) => {
    const url = request.nextUrl ?? new URL(request.url);
    const path = url.pathname;
    if (!isProtected(path) || path === signInOnly) return undefined;

    const cookies = parseCookieHeader(request.headers.get("cookie"));
    if (cookies.some(([name, value]) => cookieNames.includes(name) && isWellFormedSessionToken(value))) {
      return undefined;
    }

    const authorization = request.headers.get("authorization");
    if (postern && authorization && /^Bearer\s+/i.test(authorization)) {
      const token = authorization.replace(/^Bearer\s+/i, "").trim();
      if (token.split(".").length === 3) {
        try {
          await verifyAccessToken(postern, token);
          return undefined;
        } catch {
          // not valid: sign in
        }
      }
    }

    const target = `${signInPath}${signInPath.includes("?") ? "&" : "?"}redirect_to=${encodeURIComponent(path + url.search)}`;
    // The app's own origin when `postern` is given (its publicUrl's, configured, never a
    // request header): Next 15 hands middleware a `request.url` whose host is
    // `localhost` for an app listening on 127.0.0.1, and a redirect built from it moved
    // the browser to another origin, where it has none of its cookies. Next refuses a
    // relative Location here.
    const origin = postern?.publicOrigin ?? url.origin;
    return new Response(null, {
      status: 307,
      headers: { location: new URL(target, origin).toString(), "cache-control": "private, no-store" },
    });
  };
}
