/**
 * `@postern/next`: the configuration, types and helpers every other entry point shares.
 *
 * This module is pure (no `next/*`, no Node built-ins): it is safe in Server Components,
 * client components, route handlers, server actions and `proxy.ts` / `middleware.ts` on
 * any runtime.
 *
 * @module
 */

import type { components } from "./generated/openapi.js";

/** How an app reaches and uses its Postern server. */
export interface PosternOptions {
  /** Where the app's SERVER reaches Postern, e.g. `"http://127.0.0.1:8080"`. */
  baseUrl: string;
  /**
   * Postern's configured `public_url`: the token issuer and the origin CSRF checks expect.
   * In the Next setup it is the app's origin plus the mount path of the route handler,
   * e.g. `"http://localhost:3000/api/postern"`. Default: `baseUrl`.
   */
  publicUrl?: string;
  /**
   * A `pst_…` API key with the `proxy` scope. Server-side only: it lets Postern count the
   * browser's address (not the app server's) for rate limits and the audit trail.
   */
  apiKey?: string;
  /** Where `createPosternHandler` is mounted in the app. Default `"/api/postern"`. */
  mountPath?: string;
  /** The app's sign-in page. Default `"/sign-in"`. */
  signInPath?: string;
  /** The app's "enter the code" page. Default `"/sign-in/code"`. */
  codePath?: string;
  /** The app's "enter the reset code and a new password" page. Default `"/reset-password"`. */
  resetPath?: string;
  /** Where a sign-in lands when no `redirect_to` was given. Default `"/dashboard"`. */
  afterSignInPath?: string;
  /** The expected `aud` of access tokens. Default: `publicUrl` (Postern's own default). */
  audience?: string;
  /**
   * The browser's IP address, from the headers of the request the app received. The
   * default, {@link defaultClientIp}, takes the right-most `X-Forwarded-For` entry (the
   * address the nearest proxy saw), else `X-Real-IP`. An app behind more than one proxy,
   * or reachable directly (where a client can write `X-Forwarded-For` itself), passes its
   * own function.
   */
  clientIp?: (headers: Headers) => string | undefined;
  /** The `fetch` used to talk to Postern (for tests). Default: the global `fetch`. */
  fetch?: typeof fetch;
}

/** The resolved, frozen configuration that `createPostern` returns. */
export interface Postern {
  /** Postern's base URL for the app's server, without a trailing slash. */
  readonly baseUrl: string;
  /** Postern's public URL, without a trailing slash. */
  readonly publicUrl: string;
  /** The origin of `publicUrl`: the only origin whose unsafe requests the handler forwards. */
  readonly publicOrigin: string;
  /** The API key (not enumerable, so it stays out of logs and `JSON.stringify`). */
  readonly apiKey: string | undefined;
  readonly mountPath: string;
  readonly signInPath: string;
  readonly codePath: string;
  readonly resetPath: string;
  readonly afterSignInPath: string;
  readonly audience: string;
  /** `publicUrl` is https: Postern's cookies carry the `__Host-` prefix and `Secure`. */
  readonly secure: boolean;
  /** The names Postern's cookies have on this deployment. */
  readonly cookies: PosternCookieNames;
  readonly clientIp: (headers: Headers) => string | undefined;
  readonly fetch: typeof fetch;
}

/** The user of a session (`UserView` in Postern's OpenAPI document). */
export type PosternUser = components["schemas"]["UserView"];
/** A session as Postern describes it (`SessionView`). */
export type PosternSessionView = components["schemas"]["SessionView"];
/** Who is signed in: `GET /v1/session`'s answer. */
export interface SessionInfo {
  user: PosternUser;
  session: PosternSessionView;
}

/**
 * What a sign-in form shows after its server action ran (the state of React's
 * `useActionState`). Never holds a code or a password.
 */
export interface ActionState {
  /** Postern's error code (`invalid_code`, `rate_limited`, `weak_password`, …). */
  error?: string;
  /** The same code as `error`, for forms that switch on `state.code`. */
  code?: string;
  /** A sentence for the person (Postern's `message`, in English). */
  message?: string;
  /** Per-field messages, by form field name (`email`, `code`, `new_password`, …). */
  fields?: Record<string, string>;
  /** The non-secret values the person typed, to put back in the form (`email`, `name`, …). */
  values?: Record<string, string>;
  /** With `invalid_code`: how many wrong codes the request still accepts. */
  attemptsRemaining?: number;
  /** With `rate_limited` / `too_many_attempts`: seconds before trying again. */
  retryAfter?: number;
}

/** A failure Postern reported (or the failure to reach it). */
export class PosternError extends Error {
  /** Postern's `error` field: `unauthorized`, `invalid_code`, `unavailable`, … */
  readonly code: string;
  /** The HTTP status (502 when Postern could not be reached). */
  readonly status: number;
  /** Seconds, from `Retry-After`. */
  readonly retryAfter?: number;
  /** With `invalid_code`. */
  readonly attemptsRemaining?: number;

  constructor(
    code: string,
    message: string,
    status: number,
    extra: { retryAfter?: number; attemptsRemaining?: number; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = "PosternError";
    this.code = code;
    this.status = status;
    if (extra.retryAfter !== undefined) this.retryAfter = extra.retryAfter;
    if (extra.attemptsRemaining !== undefined) this.attemptsRemaining = extra.attemptsRemaining;
  }
}

/** The base names of Postern's cookies (over https each carries the `__Host-` prefix). */
export const POSTERN_COOKIES = Object.freeze({
  session: "postern_session",
  device: "postern_device",
  csrf: "postern_csrf",
} as const);

export interface PosternCookieNames {
  readonly session: string;
  readonly device: string;
  readonly csrf: string;
}

/** The name a Postern cookie has when Postern's `public_url` is (or is not) https. */
export function cookieName(base: string, secure: boolean): string {
  return secure ? `__Host-${base}` : base;
}

/** The names of Postern's cookies for a deployment. */
export function cookieNames(secure: boolean): PosternCookieNames {
  return Object.freeze({
    session: cookieName(POSTERN_COOKIES.session, secure),
    device: cookieName(POSTERN_COOKIES.device, secure),
    csrf: cookieName(POSTERN_COOKIES.csrf, secure),
  });
}

/** Whether a cookie is one of Postern's (`postern_*` or `__Host-postern_*`). */
export function isPosternCookie(name: string): boolean {
  return name.startsWith("postern_") || name.startsWith("__Host-postern_");
}

const IP_LIKE = /^[0-9A-Fa-f:.]{2,45}$/;

function ipOf(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  let v = value.trim();
  // `[2001:db8::1]` and `[2001:db8::1]:443`
  if (v.startsWith("[")) {
    const end = v.indexOf("]");
    if (end < 0) return undefined;
    v = v.slice(1, end);
  } else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(v)) {
    v = v.slice(0, v.lastIndexOf(":"));
  }
  return IP_LIKE.test(v) ? v : undefined;
}

/**
 * The default `clientIp`: the RIGHT-MOST `X-Forwarded-For` entry, else `X-Real-IP`.
 *
 * `next start` sets `X-Forwarded-For` only when the request has none, so a client that
 * talks to it directly can write the header itself. The right-most entry is the address
 * that the nearest proxy saw, which a client cannot choose when there is exactly one
 * proxy in front of the app. Behind more than one proxy, or with the app exposed
 * directly, pass your own `clientIp`.
 */
export function defaultClientIp(headers: Headers): string | undefined {
  const xff = headers.get("x-forwarded-for");
  if (xff) {
    const hops = xff.split(",").map((h) => h.trim()).filter(Boolean);
    const last = ipOf(hops[hops.length - 1]);
    if (last) return last;
  }
  return ipOf(headers.get("x-real-ip"));
}

/**
 * `value` when it is a same-origin relative path (`/…`, not `//…` or `/\…`, no control
 * characters or whitespace), else `undefined`. Use it for every `redirect_to` taken from
 * a URL or a form.
 */
export function safeRedirectPath(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  if (value.length === 0 || value.length > 2048) return undefined;
  if (!value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return undefined;
  // Whitespace, controls and backslashes: browsers strip or fold them into `//`.
  if (/[\s\\\u0000-\u001f\u007f]/.test(value)) return undefined;
  return value;
}

function parseHttpUrl(name: string, value: unknown): URL {
  if (typeof value !== "string" || value.length === 0) {
    throw new TypeError(`createPostern: ${name} is required (a URL such as "http://127.0.0.1:8080")`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`createPostern: ${name} is not a valid URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`createPostern: ${name} must be an http or https URL, not ${url.protocol}`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new TypeError(`createPostern: ${name} must not carry a query, a fragment or credentials`);
  }
  return url;
}

function withoutTrailingSlash(url: URL): string {
  return (url.origin + url.pathname).replace(/\/+$/, "");
}

function appPath(name: string, value: string | undefined, fallback: string): string {
  const v = value ?? fallback;
  if (typeof v !== "string" || !v.startsWith("/") || v.startsWith("//") || /[\s\\?#]/.test(v)) {
    throw new TypeError(`createPostern: ${name} must be a path that starts with "/" (got ${JSON.stringify(v)})`);
  }
  return v.length > 1 ? v.replace(/\/+$/, "") : v;
}

/**
 * Checks the options and returns the frozen configuration every other function takes.
 * Create it once, in a server-side module such as `lib/postern.ts`.
 */
export function createPostern(options: PosternOptions): Postern {
  if (!options || typeof options !== "object") {
    throw new TypeError("createPostern: options are required");
  }
  const base = parseHttpUrl("baseUrl", options.baseUrl);
  const pub = options.publicUrl === undefined ? base : parseHttpUrl("publicUrl", options.publicUrl);
  if (options.apiKey !== undefined && (typeof options.apiKey !== "string" || !/^pst_\S+$/.test(options.apiKey))) {
    throw new TypeError("createPostern: apiKey must be a Postern API key (it starts with \"pst_\")");
  }
  if (options.clientIp !== undefined && typeof options.clientIp !== "function") {
    throw new TypeError("createPostern: clientIp must be a function (headers) => string | undefined");
  }
  if (options.fetch !== undefined && typeof options.fetch !== "function") {
    throw new TypeError("createPostern: fetch must be a function");
  }
  if (options.audience !== undefined && (typeof options.audience !== "string" || options.audience === "")) {
    throw new TypeError("createPostern: audience must be a non-empty string");
  }
  const publicUrl = withoutTrailingSlash(pub);
  const secure = pub.protocol === "https:";
  const custom = options.fetch;
  const config = {
    baseUrl: withoutTrailingSlash(base),
    publicUrl,
    publicOrigin: pub.origin,
    mountPath: appPath("mountPath", options.mountPath, "/api/postern"),
    signInPath: appPath("signInPath", options.signInPath, "/sign-in"),
    codePath: appPath("codePath", options.codePath, "/sign-in/code"),
    resetPath: appPath("resetPath", options.resetPath, "/reset-password"),
    afterSignInPath: appPath("afterSignInPath", options.afterSignInPath, "/dashboard"),
    audience: options.audience ?? publicUrl,
    secure,
    cookies: cookieNames(secure),
    clientIp: options.clientIp ?? defaultClientIp,
    // Looked up at each call, so a fetch patched after start-up (as Next does) is used.
    fetch: custom ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init)),
  };
  if (config.mountPath === "/") {
    throw new TypeError("createPostern: mountPath must not be \"/\"");
  }
  Object.defineProperty(config, "apiKey", { value: options.apiKey, enumerable: false });
  return Object.freeze(config) as Postern;
}
