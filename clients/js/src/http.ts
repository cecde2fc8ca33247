// Internal: how the package speaks HTTP with Postern. Not a public entry point.

import { isPosternCookie, PosternError, type Postern } from "./index.js";

/** A `Set-Cookie` line, parsed. */
export interface ParsedCookie {
  name: string;
  value: string;
  path?: string;
  domain?: string;
  /** Seconds. */
  maxAge?: number;
  expires?: Date;
  httpOnly: boolean;
  secure: boolean;
  sameSite?: "lax" | "strict" | "none";
  partitioned?: boolean;
}

/** Parses one `Set-Cookie` value (RFC 6265 §5.2); `undefined` when it has no name. */
export function parseSetCookie(line: string): ParsedCookie | undefined {
  const parts = line.split(";");
  const first = parts.shift() ?? "";
  const eq = first.indexOf("=");
  if (eq <= 0) return undefined;
  const name = first.slice(0, eq).trim();
  let value = first.slice(eq + 1).trim();
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  if (!name) return undefined;
  const cookie: ParsedCookie = { name, value, httpOnly: false, secure: false };
  for (const part of parts) {
    const i = part.indexOf("=");
    const key = (i < 0 ? part : part.slice(0, i)).trim().toLowerCase();
    const val = i < 0 ? "" : part.slice(i + 1).trim();
    switch (key) {
      case "path":
        if (val.startsWith("/")) cookie.path = val;
        break;
      case "domain":
        if (val) cookie.domain = val.replace(/^\./, "");
        break;
      case "max-age":
        if (/^-?\d+$/.test(val)) cookie.maxAge = Number(val);
        break;
      case "expires": {
        const t = Date.parse(val);
        if (!Number.isNaN(t)) cookie.expires = new Date(t);
        break;
      }
      case "httponly":
        cookie.httpOnly = true;
        break;
      case "secure":
        cookie.secure = true;
        break;
      case "samesite": {
        const s = val.toLowerCase();
        if (s === "lax" || s === "strict" || s === "none") cookie.sameSite = s;
        break;
      }
      case "partitioned":
        cookie.partitioned = true;
        break;
    }
  }
  return cookie;
}

/** Whether a parsed `Set-Cookie` removes the cookie (Max-Age ≤ 0, or Expires in the past). */
export function isRemoval(cookie: ParsedCookie, now: number = Date.now()): boolean {
  if (cookie.maxAge !== undefined) return cookie.maxAge <= 0;
  return cookie.expires !== undefined && cookie.expires.getTime() <= now;
}

/** The `name=value` pairs of a `Cookie` header. */
export function parseCookieHeader(header: string | null | undefined): Array<[string, string]> {
  if (!header) return [];
  const out: Array<[string, string]> = [];
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name) out.push([name, value]);
  }
  return out;
}

// RFC 6265 cookie-octet: what may stand in a Cookie header unquoted.
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;

/**
 * A `Cookie` header holding only Postern's cookies (`postern_*`, `__Host-postern_*`) of
 * `pairs`, or `undefined` when there are none. The app's other cookies never leave it.
 */
export function posternCookieHeader(pairs: Iterable<[string, string | undefined]>): string | undefined {
  const kept: string[] = [];
  for (const [name, value] of pairs) {
    if (value === undefined || value === "" || !isPosternCookie(name)) continue;
    if (!COOKIE_VALUE.test(value) || value.length > 4096) continue;
    kept.push(`${name}=${value}`);
  }
  return kept.length ? kept.join("; ") : undefined;
}

/**
 * The headers that say whom the app's server speaks for: the API key, the browser's
 * address and user agent (Postern believes the last two only for a key with the `proxy`
 * scope). Nothing is added without an API key.
 */
export function proxyHeaders(postern: Postern, incoming: Headers): Headers {
  const out = new Headers();
  if (!postern.apiKey) return out;
  out.set("authorization", `Bearer ${postern.apiKey}`);
  let ip: string | undefined;
  try {
    ip = postern.clientIp(incoming);
  } catch {
    ip = undefined;
  }
  if (ip) out.set("x-postern-client-ip", ip);
  const ua = incoming.get("user-agent");
  if (ua) out.set("x-postern-client-user-agent", ua.slice(0, 512));
  return out;
}

/** The seconds of a `Retry-After` header (delta-seconds or an HTTP date). */
export function retryAfterOf(headers: Headers): number | undefined {
  const v = headers.get("retry-after");
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, Math.ceil((t - Date.now()) / 1000));
}

/** The `PosternError` of a non-2xx answer, from its `{"error","message"}` body. */
export async function errorOf(res: Response): Promise<PosternError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const retryAfter = retryAfterOf(res.headers);
  if (body && typeof body === "object" && typeof (body as { error?: unknown }).error === "string") {
    const b = body as { error: string; message?: unknown; attempts_remaining?: unknown };
    const extra: { retryAfter?: number; attemptsRemaining?: number } = {};
    if (retryAfter !== undefined) extra.retryAfter = retryAfter;
    if (typeof b.attempts_remaining === "number") extra.attemptsRemaining = b.attempts_remaining;
    const message = typeof b.message === "string" && b.message ? b.message : `Postern answered ${res.status}`;
    return new PosternError(b.error, message, res.status, extra);
  }
  const code = res.status >= 500 ? "unavailable" : "invalid_response";
  return new PosternError(code, `Postern answered ${res.status} without an error body`, res.status, {
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
}

/** The error of a request that got no answer at all. */
export function unreachable(cause: unknown): PosternError {
  return new PosternError("unavailable", "Postern could not be reached", 502, { cause });
}

/**
 * Drops a response's body by reading it (Postern's bodies here are small). Not
 * `body.cancel()`: inside Next.js `fetch` answers may be tee'd for its cache, and
 * cancelling one branch of a tee waits for the other — the request hung forever.
 */
export async function discard(res: Response): Promise<void> {
  try {
    await res.arrayBuffer();
  } catch {
    // A body that fails to arrive is as good as dropped.
  }
}
