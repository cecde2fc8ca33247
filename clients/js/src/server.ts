/**
 * `@postern/next/server`: sessions, access tokens, the sign-in server actions and the
 * route handler, for server code only (Server Components, server actions, route
 * handlers). Imported from a client component it resolves to a module that throws.
 *
 * @module
 */

import { cookies, headers } from "next/headers.js";
import { redirect } from "next/navigation.js";
import { cache } from "react";

import * as core from "./core.js";
import type { ParsedCookie } from "./http.js";
import type { Postern, SessionInfo } from "./index.js";

export type { PosternActions, FormAction, SignOutAction } from "./core.js";
export { createPosternHandler } from "./handler.js";
export type { PosternHandler, PosternHandlerOptions, RouteContext } from "./handler.js";
export { verifyAccessToken } from "./jwt.js";
export type { AccessTokenClaims } from "./jwt.js";

const READ_ONLY =
  "Postern's sign-in actions set cookies, so they must run as server actions or in route handlers, " +
  "not during a Server Component render";

type CookieStore = Awaited<ReturnType<typeof cookies>>;

function writeCookie(store: CookieStore, cookie: ParsedCookie, remove: boolean): void {
  const options = {
    name: cookie.name,
    path: cookie.path ?? "/",
    httpOnly: cookie.httpOnly,
    secure: cookie.secure,
    ...(cookie.domain ? { domain: cookie.domain } : {}),
    ...(cookie.sameSite ? { sameSite: cookie.sameSite } : {}),
    ...(cookie.partitioned ? { partitioned: true } : {}),
  };
  try {
    if (remove) {
      // With the cookie's own attributes: a `__Host-` removal without Secure and Path=/
      // is refused by browsers.
      store.set({ ...options, value: "", maxAge: 0, expires: new Date(0) });
    } else {
      store.set({
        ...options,
        value: cookie.value,
        ...(cookie.maxAge !== undefined ? { maxAge: cookie.maxAge } : {}),
        ...(cookie.expires ? { expires: cookie.expires } : {}),
      });
    }
  } catch (e) {
    throw new Error(READ_ONLY, { cause: e });
  }
}

/** The request context of `core.ts`, from Next's `cookies()`, `headers()` and `redirect()`. */
async function nextContext(): Promise<core.RequestContext> {
  const store = await cookies();
  const incoming = (await headers()) as unknown as Headers;
  return {
    headers: incoming,
    getCookie: (name) => store.get(name)?.value,
    setCookie: (cookie) => writeCookie(store, cookie, false),
    deleteCookie: (cookie) => writeCookie(store, cookie, true),
    redirect: (url) => redirect(url),
  };
}

// Memoised per request (React `cache`, keyed on the postern object): a layout and a page
// that both ask cost one request to Postern.
const sessionOf = cache(async (postern: Postern): Promise<SessionInfo | null> => {
  return core.getSession(postern, await nextContext());
});

const tokenOf = cache(async (postern: Postern): Promise<string | null> => {
  return core.getAccessToken(postern, await nextContext());
});

/**
 * Who is signed in: `GET /v1/session` with the browser's session cookie. `null` when
 * there is no cookie (no request is made) or Postern answers 401; any other failure
 * throws a `PosternError`. Never sets a cookie, so it is safe in Server Components.
 * Memoised per request.
 */
export function getSession(postern: Postern): Promise<SessionInfo | null> {
  return sessionOf(postern);
}

/**
 * THE authorisation check: call it in the data-access layer, the page, the server action
 * or the route handler that reads or changes the user's data. Returns the session, or
 * redirects to `signInPath?redirect_to=…` (back to `redirectTo`, default
 * `afterSignInPath`). `posternProxy` is only an optimistic early redirect and can be
 * skipped (CVE-2025-29927); this check cannot.
 */
export async function requireSession(postern: Postern, options: { redirectTo?: string } = {}): Promise<SessionInfo> {
  const session = await sessionOf(postern);
  if (session) return session;
  const back = options.redirectTo ?? postern.afterSignInPath;
  return redirect(`${postern.signInPath}?redirect_to=${encodeURIComponent(back)}`);
}

/**
 * A short-lived access token (JWT, EdDSA) for the signed-in session, to call the app's
 * own APIs; `null` when signed out. Memoised per request.
 */
export function getAccessToken(postern: Postern): Promise<string | null> {
  return tokenOf(postern);
}

/**
 * The sign-in server actions, `(prev: ActionState, form: FormData) => Promise<ActionState>`
 * each. Re-export them from the app's own `'use server'` file:
 *
 * ```ts
 * "use server";
 * import { posternActions } from "@postern/next/server";
 * import { postern } from "@/lib/postern";
 * export const { startSignIn, verifyCode, resendCode, signUp, logIn,
 *   forgotPassword, resetPassword, signOut } = posternActions(postern);
 * ```
 */
export function posternActions(postern: Postern): core.PosternActions {
  return core.createActions(postern, nextContext);
}
