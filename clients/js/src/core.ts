// Internal: the logic of `@postern/next/server`, written against an injected request
// context instead of `next/headers` and `next/navigation`, so it runs (and is tested)
// without a Next server. `server.ts` binds it to Next. Not a public entry point.

import {
  PosternError,
  safeRedirectPath,
  type ActionState,
  type Postern,
  type SessionInfo,
} from "./index.js";
import {
  discard,
  errorOf,
  isRemoval,
  parseSetCookie,
  posternCookieHeader,
  proxyHeaders,
  unreachable,
  type ParsedCookie,
} from "./http.js";

/** What the core needs from the request being served. */
export interface RequestContext {
  /** The headers of the request the app received (the browser's). */
  headers: Headers;
  /** A cookie of that request. */
  getCookie(name: string): string | undefined;
  /** Sets a cookie on the answer. */
  setCookie(cookie: ParsedCookie): void;
  /** Removes a cookie (the parsed removal, with its Path/Secure/SameSite). */
  deleteCookie(cookie: ParsedCookie): void;
  /** Ends the action with a redirect (Next's `redirect` throws). */
  redirect(url: string): never;
}

/** A server action in the shape of React's `useActionState`. */
export type FormAction = (prev: ActionState, form: FormData) => Promise<ActionState>;

/** The sign-in server actions. */
export interface PosternActions {
  /** Passwordless: sends a link and a code, then redirects to `codePath`. */
  startSignIn: FormAction;
  /** Passwordless or sign-up verification: signs in with the code, then redirects. */
  verifyCode: FormAction;
  /** Sends a new link and code for the same request. */
  resendCode: FormAction;
  /** Sign-up with a password; the code page completes the verification. */
  signUp: FormAction;
  /** Password login, then redirects. */
  logIn: FormAction;
  /** Sends a password reset, then redirects to `resetPath`. */
  forgotPassword: FormAction;
  /** Sets the new password with the reset code, then redirects. */
  resetPassword: FormAction;
  /**
   * Signs out (`scope`: `current` by default, `others`, `all`). `current` and `all`
   * redirect to `signInPath`; `others` returns a state with a message. Takes
   * `(prev, form)` (useActionState) or `(form)` (a plain `<form action>`).
   */
  signOut: SignOutAction;
}

/**
 * `signOut`'s two shapes: a plain form action (`<form action={signOut}>`, or `signOut()`
 * from an event handler), and the `useActionState` one.
 */
export interface SignOutAction {
  (form?: FormData): Promise<void>;
  (prev: ActionState, form: FormData): Promise<ActionState>;
}

type Json = Record<string, unknown>;

/** One request to Postern on behalf of the browser of `ctx`. */
export async function callPostern(
  postern: Postern,
  ctx: Pick<RequestContext, "headers" | "getCookie">,
  method: "GET" | "POST",
  path: string,
  body?: Json,
): Promise<Response> {
  const headers = proxyHeaders(postern, ctx.headers);
  headers.set("accept", "application/json");
  const language = ctx.headers.get("accept-language");
  if (language) headers.set("accept-language", language.slice(0, 256));
  const names = postern.cookies;
  const cookie = posternCookieHeader([
    [names.session, ctx.getCookie(names.session)],
    [names.device, ctx.getCookie(names.device)],
  ]);
  if (cookie) headers.set("cookie", cookie);
  const init: RequestInit = { method, headers, redirect: "manual", cache: "no-store" };
  if (body !== undefined) {
    headers.set("content-type", "application/json");
    init.body = JSON.stringify(body);
  }
  try {
    return await postern.fetch(postern.baseUrl + path, init);
  } catch (e) {
    throw unreachable(e);
  }
}

/** Copies Postern's `Set-Cookie` answers (its own cookies only) to the browser. */
export function applyCookies(ctx: Pick<RequestContext, "setCookie" | "deleteCookie">, res: Response): void {
  for (const line of res.headers.getSetCookie()) {
    const cookie = parseSetCookie(line);
    if (!cookie) continue;
    if (!cookie.name.startsWith("postern_") && !cookie.name.startsWith("__Host-postern_")) continue;
    if (isRemoval(cookie)) ctx.deleteCookie(cookie);
    else ctx.setCookie(cookie);
  }
}

async function readJson(res: Response): Promise<Json> {
  try {
    const body: unknown = await res.json();
    if (body && typeof body === "object") return body as Json;
  } catch {
    // fall through
  }
  throw new PosternError("invalid_response", `Postern answered ${res.status} with a body that is not JSON`, 502);
}

/**
 * A request that needs the browser's session: `null` without a session cookie (no request
 * made) or on Postern's 401; the JSON of a 200; a `PosternError` otherwise.
 */
async function withSession(
  postern: Postern,
  ctx: Pick<RequestContext, "headers" | "getCookie">,
  method: "GET" | "POST",
  path: string,
): Promise<Json | null> {
  if (!ctx.getCookie(postern.cookies.session)) return null;
  const res = await callPostern(postern, ctx, method, path);
  if (res.status === 401) {
    await discard(res);
    return null;
  }
  if (res.status !== 200) throw await errorOf(res);
  return readJson(res);
}

/** Who is signed in, or `null`. Read-only: never sets a cookie. */
export async function getSession(postern: Postern, ctx: Pick<RequestContext, "headers" | "getCookie">): Promise<SessionInfo | null> {
  const body = await withSession(postern, ctx, "GET", "/v1/session");
  if (body === null) return null;
  if (!body.user || !body.session) {
    throw new PosternError("invalid_response", "Postern's session answer lacks user or session", 502);
  }
  return { user: body.user, session: body.session } as SessionInfo;
}

/** A short-lived access token (JWT) for the signed-in session, or `null`. */
export async function getAccessToken(postern: Postern, ctx: Pick<RequestContext, "headers" | "getCookie">): Promise<string | null> {
  const body = await withSession(postern, ctx, "POST", "/v1/session/token");
  if (body === null) return null;
  if (typeof body.access_token !== "string") {
    throw new PosternError("invalid_response", "Postern's token answer lacks access_token", 502);
  }
  return body.access_token;
}

// ---------------------------------------------------------------------------------------
// Server actions

/** A trimmed text field, `undefined` when absent, empty or a file. */
function text(form: FormData, name: string, max = 512): string | undefined {
  const v = form.get(name);
  if (typeof v !== "string") return undefined;
  const t = v.trim();
  return t ? t.slice(0, max) : undefined;
}

/** A secret field, as typed (not trimmed), `undefined` when absent, empty or a file. */
function secret(form: FormData, name: string): string | undefined {
  const v = form.get(name);
  return typeof v === "string" && v !== "" ? v : undefined;
}

const REQUIRED: Record<string, string> = {
  email: "Enter your email address or phone number.",
  code: "Enter the code from the message.",
  password: "Enter your password.",
  new_password: "Enter a new password.",
  auth_request_id: "This sign-in has no request id: start again.",
};

function missing(field: string, values: Record<string, string>): ActionState {
  const message = REQUIRED[field] ?? `${field} is required.`;
  return { error: "invalid_request", code: "invalid_request", message, fields: { [field]: message }, values };
}

function invalid(field: string, message: string, values: Record<string, string>): ActionState {
  return { error: "invalid_request", code: "invalid_request", message, fields: { [field]: message }, values };
}

/** The state a form shows for a Postern error. `fieldOf` names the field each code is about. */
function failure(e: unknown, values: Record<string, string>, fieldOf: Record<string, string> = {}): ActionState {
  const err =
    e instanceof PosternError ? e : new PosternError("internal_error", "Something went wrong. Try again.", 500, { cause: e });
  const message =
    err.code === "unavailable" ? "The sign-in service cannot be reached right now. Try again in a moment." : err.message;
  const state: ActionState = { error: err.code, code: err.code, message, values };
  const field = fieldOf[err.code];
  if (field) state.fields = { [field]: message };
  if (err.attemptsRemaining !== undefined) state.attemptsRemaining = err.attemptsRemaining;
  if (err.retryAfter !== undefined) state.retryAfter = err.retryAfter;
  return state;
}

/** `{email}` or `{phone}` of what the person typed: an address has an "@". */
function identifierOf(value: string): Json {
  return value.includes("@") ? { email: value } : { phone: value };
}

/** The address or number typed, and the form field it came from (`email` first). */
function typedIdentifier(form: FormData): { field: "email" | "phone"; value: string | undefined } {
  const email = text(form, "email", 320);
  if (email) return { field: "email", value: email };
  const phone = text(form, "phone", 64);
  return phone ? { field: "phone", value: phone } : { field: "email", value: undefined };
}

function channelOf(form: FormData): "email" | "sms" | undefined | false {
  const c = text(form, "channel");
  if (c === undefined) return undefined;
  return c === "email" || c === "sms" ? c : false;
}

function query(path: string, params: Array<[string, string | number | null | undefined]>): string {
  const q = params
    .filter((p): p is [string, string | number] => p[1] !== undefined && p[1] !== null && p[1] !== "")
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join("&");
  return q ? `${path}${path.includes("?") ? "&" : "?"}${q}` : path;
}

const SCOPES = new Set(["current", "others", "all"]);

/** The sign-in server actions, bound to a request context obtained per call. */
export function createActions(postern: Postern, context: () => Promise<RequestContext>): PosternActions {
  /** POSTs `body`; a 2xx answer's JSON (and its cookies applied), or the error state. */
  async function post(
    ctx: RequestContext,
    path: string,
    body: Json,
    values: Record<string, string>,
    fieldOf?: Record<string, string>,
  ): Promise<{ ok: true; body: Json } | { ok: false; state: ActionState }> {
    let res: Response;
    try {
      res = await callPostern(postern, ctx, "POST", path, body);
    } catch (e) {
      return { ok: false, state: failure(e, values, fieldOf) };
    }
    if (!res.ok) return { ok: false, state: failure(await errorOf(res), values, fieldOf) };
    let json: Json = {};
    if (res.status !== 204) {
      try {
        json = await readJson(res);
      } catch (e) {
        return { ok: false, state: failure(e, values, fieldOf) };
      }
    }
    // Outside the try: a cookie that cannot be set (a Server Component render) is a
    // mistake of the app's, thrown, not a state for the person.
    applyCookies(ctx, res);
    return { ok: true, body: json };
  }

  function codePage(started: Json, redirectTo: string | undefined): string {
    const id = typeof started.auth_request_id === "string" ? started.auth_request_id : "";
    const match = typeof started.match_number === "number" ? started.match_number : undefined;
    return query(postern.codePath, [
      ["id", id],
      ["match", match],
      ["redirect_to", redirectTo],
    ]);
  }

  const startSignIn: FormAction = async (_prev, form) => {
    const ctx = await context();
    const { field, value: who } = typedIdentifier(form);
    const redirectTo = safeRedirectPath(text(form, "redirect_to", 4096));
    const values: Record<string, string> = {};
    if (who) values[field] = who;
    if (redirectTo) values.redirect_to = redirectTo;
    if (!who) return missing(field, values);
    const channel = channelOf(form);
    if (channel === false) return invalid("channel", "Choose email or SMS.", values);
    const body: Json = { ...identifierOf(who), redirect_to: redirectTo ?? postern.afterSignInPath };
    if (channel) body.channel = channel;
    const locale = text(form, "locale", 35);
    if (locale) body.locale = locale;
    const r = await post(ctx, "/v1/passwordless/start", body, values, { invalid_request: field, rate_limited: field });
    if (!r.ok) return r.state;
    return ctx.redirect(codePage(r.body, redirectTo));
  };

  const verifyCode: FormAction = async (_prev, form) => {
    const ctx = await context();
    const id = text(form, "auth_request_id", 64);
    const code = text(form, "code", 32);
    const redirectTo = safeRedirectPath(text(form, "redirect_to", 4096));
    const values: Record<string, string> = {};
    if (id) values.auth_request_id = id;
    if (redirectTo) values.redirect_to = redirectTo;
    if (!id) return missing("auth_request_id", values);
    if (!code) return missing("code", values);
    const r = await post(ctx, "/v1/passwordless/verify", { auth_request_id: id, code }, values, {
      invalid_code: "code",
      invalid_request: "code",
      expired: "code",
      too_many_attempts: "code",
    });
    if (!r.ok) return r.state;
    return ctx.redirect(redirectTo ?? postern.afterSignInPath);
  };

  const resendCode: FormAction = async (_prev, form) => {
    const ctx = await context();
    const id = text(form, "auth_request_id", 64);
    const values: Record<string, string> = {};
    if (id) values.auth_request_id = id;
    const redirectTo = safeRedirectPath(text(form, "redirect_to", 4096));
    if (redirectTo) values.redirect_to = redirectTo;
    if (!id) return missing("auth_request_id", values);
    const r = await post(ctx, "/v1/passwordless/resend", { auth_request_id: id }, values);
    if (!r.ok) return r.state;
    return { message: "We sent a new code. The previous code and link no longer work.", values };
  };

  const signUp: FormAction = async (_prev, form) => {
    const ctx = await context();
    const { field, value: who } = typedIdentifier(form);
    const password = secret(form, "password");
    const name = text(form, "name", 200);
    const redirectTo = safeRedirectPath(text(form, "redirect_to", 4096));
    const values: Record<string, string> = {};
    if (who) values[field] = who;
    if (name) values.name = name;
    if (redirectTo) values.redirect_to = redirectTo;
    if (!who) return missing(field, values);
    if (!password) return missing("password", values);
    const body: Json = { ...identifierOf(who), password, redirect_to: redirectTo ?? postern.afterSignInPath };
    if (name) body.name = name;
    const locale = text(form, "locale", 35);
    if (locale) body.locale = locale;
    const r = await post(ctx, "/v1/signup", body, values, { weak_password: "password", invalid_request: field });
    if (!r.ok) return r.state;
    return ctx.redirect(codePage(r.body, redirectTo));
  };

  const logIn: FormAction = async (_prev, form) => {
    const ctx = await context();
    const { field, value: who } = typedIdentifier(form);
    const password = secret(form, "password");
    const redirectTo = safeRedirectPath(text(form, "redirect_to", 4096));
    const values: Record<string, string> = {};
    if (who) values[field] = who;
    if (redirectTo) values.redirect_to = redirectTo;
    if (!who) return missing(field, values);
    if (!password) return missing("password", values);
    const r = await post(ctx, "/v1/login", { ...identifierOf(who), password }, values, {
      invalid_credentials: "password",
      invalid_request: field,
    });
    if (!r.ok) return r.state;
    return ctx.redirect(redirectTo ?? postern.afterSignInPath);
  };

  const forgotPassword: FormAction = async (_prev, form) => {
    const ctx = await context();
    const { field, value: who } = typedIdentifier(form);
    const values: Record<string, string> = {};
    if (who) values[field] = who;
    if (!who) return missing(field, values);
    const channel = channelOf(form);
    if (channel === false) return invalid("channel", "Choose email or SMS.", values);
    const body: Json = identifierOf(who);
    if (channel) body.channel = channel;
    const locale = text(form, "locale", 35);
    if (locale) body.locale = locale;
    const r = await post(ctx, "/v1/password/forgot", body, values, { invalid_request: field, rate_limited: field });
    if (!r.ok) return r.state;
    const id = typeof r.body.auth_request_id === "string" ? r.body.auth_request_id : "";
    return ctx.redirect(query(postern.resetPath, [["id", id]]));
  };

  const resetPassword: FormAction = async (_prev, form) => {
    const ctx = await context();
    const id = text(form, "auth_request_id", 64);
    const code = text(form, "code", 32);
    const password = secret(form, "new_password");
    const redirectTo = safeRedirectPath(text(form, "redirect_to", 4096));
    const values: Record<string, string> = {};
    if (id) values.auth_request_id = id;
    if (redirectTo) values.redirect_to = redirectTo;
    if (!id) return missing("auth_request_id", values);
    if (!code) return missing("code", values);
    if (!password) return missing("new_password", values);
    const r = await post(ctx, "/v1/password/reset", { auth_request_id: id, code, new_password: password }, values, {
      invalid_code: "code",
      expired: "code",
      too_many_attempts: "code",
      weak_password: "new_password",
    });
    if (!r.ok) return r.state;
    if (r.body.user && r.body.session) return ctx.redirect(redirectTo ?? postern.afterSignInPath);
    return ctx.redirect(query(postern.signInPath, [["reset", "1"]]));
  };

  const signOut = (async (prevOrForm?: ActionState | FormData, maybeForm?: FormData): Promise<ActionState> => {
    const form = prevOrForm instanceof FormData ? prevOrForm : maybeForm;
    const ctx = await context();
    const scope = (form && text(form, "scope", 16)) || "current";
    if (!SCOPES.has(scope)) return invalid("scope", "scope must be current, others or all.", {});
    if (!ctx.getCookie(postern.cookies.session)) return ctx.redirect(postern.signInPath);
    let res: Response;
    try {
      res = await callPostern(postern, ctx, "POST", "/v1/logout", { scope });
    } catch (e) {
      return failure(e, {});
    }
    if (res.status === 401) {
      // Already signed out on Postern's side: drop the stale cookie here too.
      await discard(res);
      ctx.deleteCookie(sessionRemoval(postern));
      return ctx.redirect(postern.signInPath);
    }
    if (!res.ok) return failure(await errorOf(res), {});
    await discard(res);
    applyCookies(ctx, res);
    if (scope === "others") return { message: "Your other devices are signed out." };
    return ctx.redirect(postern.signInPath);
  }) as SignOutAction;

  return { startSignIn, verifyCode, resendCode, signUp, logIn, forgotPassword, resetPassword, signOut };
}

/** The removal of the session cookie, as Postern would send it. */
export function sessionRemoval(postern: Postern): ParsedCookie {
  return {
    name: postern.cookies.session,
    value: "",
    path: "/",
    maxAge: 0,
    httpOnly: true,
    secure: postern.secure,
    sameSite: "lax",
  };
}
