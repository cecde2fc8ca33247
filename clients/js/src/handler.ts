// The route handler that serves Postern's public surface under the app's own origin
// (`app/api/postern/[...path]/route.ts`), so Postern's cookies are first-party. Exported
// from `@postern/next/server`; it imports nothing from Next (plain Request/Response).

import type { Postern } from "./index.js";
import { discard, parseCookieHeader, posternCookieHeader, proxyHeaders } from "./http.js";

/** The second argument Next passes to a `[...path]` route handler. */
export interface RouteContext {
  params: Promise<{ path: string[] }>;
}

export type RouteHandler = (request: Request, context: RouteContext) => Promise<Response>;

/** `export const { GET, POST, PUT, PATCH, DELETE } = createPosternHandler(postern)`. */
export interface PosternHandler {
  GET: RouteHandler;
  HEAD: RouteHandler;
  POST: RouteHandler;
  PUT: RouteHandler;
  PATCH: RouteHandler;
  DELETE: RouteHandler;
}

export interface PosternHandlerOptions {
  /**
   * The paths (relative to the mount path) forwarded to Postern; anything else is a 404.
   * A pattern is exact (`"signup"`) or ends with `/**` (one or more further segments:
   * `"v1/**"`). Default {@link DEFAULT_ALLOW}. `admin/**` is never forwarded, whatever
   * this says: the handler adds the app's API key to what it forwards.
   */
  allow?: readonly string[];
}

/** Postern's public surface: its JSON API, hosted pages, their assets and the JWKS. */
export const DEFAULT_ALLOW: readonly string[] = Object.freeze([
  "v1/**",
  "login",
  "login/**",
  "signup",
  "forgot-password",
  "reset-password",
  "account",
  "account/**",
  "assets/**",
  ".well-known/jwks.json",
]);

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

// Hop-by-hop headers (RFC 9110 §7.6.1) and what the handler sets itself.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"]);
const REQUEST_DROP = new Set([
  ...HOP_BY_HOP,
  "host",
  "content-length",
  "cookie",
  "authorization",
  // fetch decodes what it asked for; a browser's `zstd` it might not.
  "accept-encoding",
  "forwarded",
  "x-real-ip",
  "expect",
]);
const RESPONSE_DROP = new Set([...HOP_BY_HOP, "content-length", "content-encoding", "set-cookie"]);

function json(status: number, error: string, message: string): Response {
  return new Response(JSON.stringify({ error, message }), {
    status,
    headers: { "content-type": "application/json", "cache-control": "private, no-store" },
  });
}

const notFound = () => json(404, "not_found", "not found");

/** Whether `segments` is allowed by `patterns`. */
export function isAllowed(segments: readonly string[], patterns: readonly string[]): boolean {
  if (segments.length === 0 || segments[0] === "admin") return false;
  const path = segments.join("/");
  return patterns.some((pattern) => {
    if (pattern.endsWith("/**")) {
      const prefix = pattern.slice(0, -3);
      return path.startsWith(`${prefix}/`) && path.length > prefix.length + 1;
    }
    return path === pattern;
  });
}

/** A decoded path segment that may be forwarded. */
function saneSegment(s: string): boolean {
  return (
    s.length > 0 &&
    s.length <= 256 &&
    s !== "." &&
    s !== ".." &&
    // after decoding: an encoded slash, backslash or percent (double encoding) is refused
    !/[/\\%\u0000-\u001f\u007f]/.test(s)
  );
}

/** The decoded segments after the mount path in the URL, or `undefined` when they are not sane. */
function segmentsOfUrl(pathname: string, mountPath: string): string[] | undefined {
  if (pathname !== mountPath && !pathname.startsWith(`${mountPath}/`)) return undefined;
  const rest = pathname.slice(mountPath.length + 1);
  if (rest === "") return [];
  const out: string[] = [];
  for (const raw of rest.split("/")) {
    let s: string;
    try {
      s = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    out.push(s);
  }
  return out;
}

/** Serves Postern's public surface under the app's origin. */
export function createPosternHandler(postern: Postern, options: PosternHandlerOptions = {}): PosternHandler {
  const allow = Object.freeze([...(options.allow ?? DEFAULT_ALLOW)]);

  async function handle(request: Request, context: RouteContext | undefined): Promise<Response> {
    const url = new URL(request.url);
    // Encoded slashes, backslashes and NULs in the raw path are refused before any
    // decoding can turn them into separators.
    if (/%2f|%5c|%00|\\/i.test(url.pathname)) return notFound();
    let segments: string[] | undefined;
    const params = context?.params ? await context.params : undefined;
    if (params && Array.isArray(params.path)) {
      segments = params.path.map(String);
    } else {
      segments = segmentsOfUrl(url.pathname, postern.mountPath);
    }
    if (!segments || !segments.every(saneSegment) || !isAllowed(segments, allow)) return notFound();

    const method = request.method.toUpperCase();
    if (UNSAFE.has(method)) {
      const site = request.headers.get("sec-fetch-site");
      if (site === "cross-site" || site === "same-site") {
        return json(403, "forbidden", "cross-site requests are not accepted");
      }
      // `Origin: null` passes: Postern's link page is `Referrer-Policy: no-referrer`, so
      // browsers post it with a null Origin; Postern checks its CSRF token then.
      const origin = request.headers.get("origin");
      if (origin !== null && origin !== "null" && origin !== postern.publicOrigin) {
        return json(403, "forbidden", "cross-origin requests are not accepted");
      }
    }

    const headers = new Headers();
    const named = (request.headers.get("connection") ?? "")
      .split(",")
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean);
    for (const [name, value] of request.headers) {
      if (
        REQUEST_DROP.has(name) ||
        named.includes(name) ||
        name.startsWith("proxy-") ||
        name.startsWith("x-forwarded-") ||
        name.startsWith("x-postern-client-") ||
        name.startsWith("x-middleware-")
      ) {
        continue;
      }
      headers.append(name, value);
    }
    const cookie = posternCookieHeader(parseCookieHeader(request.headers.get("cookie")));
    if (cookie) headers.set("cookie", cookie);
    for (const [name, value] of proxyHeaders(postern, request.headers)) headers.set(name, value);

    const target = `${postern.baseUrl}/${segments.map(encodeURIComponent).join("/")}${url.search}`;
    const init: RequestInit & { duplex?: "half" } = {
      method,
      headers,
      redirect: "manual",
      cache: "no-store",
      signal: request.signal,
    };
    if (method !== "GET" && method !== "HEAD" && request.body) {
      init.body = request.body;
      init.duplex = "half";
    }

    let upstream: Response;
    try {
      upstream = await postern.fetch(target, init);
    } catch {
      return json(502, "unavailable", "Postern could not be reached");
    }

    if (upstream.status < 200 || upstream.status > 599) {
      await discard(upstream);
      return json(502, "unavailable", "Postern gave an answer that cannot be forwarded");
    }
    const out = new Headers();
    for (const [name, value] of upstream.headers) {
      if (RESPONSE_DROP.has(name) || name.startsWith("proxy-")) continue;
      out.append(name, value);
    }
    for (const line of upstream.headers.getSetCookie()) out.append("set-cookie", line);
    if (segments[0] !== "assets") out.set("cache-control", "private, no-store");

    const bodyless = method === "HEAD" || [204, 205, 304].includes(upstream.status);
    if (bodyless) await discard(upstream);
    return new Response(bodyless ? null : upstream.body, {
      status: upstream.status,
      statusText: upstream.statusText,
      headers: out,
    });
  }

  const handler: RouteHandler = (request, context) => handle(request, context);
  return Object.freeze({ GET: handler, HEAD: handler, POST: handler, PUT: handler, PATCH: handler, DELETE: handler });
}

