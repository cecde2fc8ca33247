import assert from "node:assert/strict";
import { test } from "node:test";

import { isRemoval, parseCookieHeader, parseSetCookie, posternCookieHeader, retryAfterOf } from "../dist/http.js";

test("parseSetCookie reads Postern's session cookie", () => {
  const c = parseSetCookie(
    "postern_session=abc.def; HttpOnly; SameSite=Lax; Path=/; Max-Age=2592000; Expires=Mon, 04 Jan 2027 00:27:23 GMT",
  );
  assert.equal(c.name, "postern_session");
  assert.equal(c.value, "abc.def");
  assert.equal(c.path, "/");
  assert.equal(c.maxAge, 2592000);
  assert.equal(c.expires.toISOString(), "2027-01-04T00:27:23.000Z");
  assert.equal(c.httpOnly, true);
  assert.equal(c.secure, false);
  assert.equal(c.sameSite, "lax");
  assert.equal(isRemoval(c), false);
});

test("parseSetCookie keeps the __Host- prefix, Secure and SameSite variants", () => {
  const c = parseSetCookie("__Host-postern_device=v4lue; Secure; HttpOnly; SameSite=Strict; Path=/");
  assert.equal(c.name, "__Host-postern_device");
  assert.equal(c.value, "v4lue");
  assert.equal(c.secure, true);
  assert.equal(c.sameSite, "strict");
  assert.equal(parseSetCookie("a=b; SameSite=None; Secure").sameSite, "none");
  assert.equal(parseSetCookie("a=b; SameSite=weird").sameSite, undefined);
  assert.equal(parseSetCookie('a="quoted"').value, "quoted");
  assert.equal(parseSetCookie("a=b=c; Domain=.example.com").value, "b=c");
  assert.equal(parseSetCookie("a=b; Domain=.example.com").domain, "example.com");
  assert.equal(parseSetCookie("a=b; Path=relative").path, undefined);
  assert.equal(parseSetCookie("novalue"), undefined);
  assert.equal(parseSetCookie("=x"), undefined);
});

test("a Max-Age=0 or past Expires cookie is a removal", () => {
  assert.equal(isRemoval(parseSetCookie("postern_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0")), true);
  assert.equal(isRemoval(parseSetCookie("postern_csrf=; Path=/; Max-Age=-1")), true);
  assert.equal(isRemoval(parseSetCookie("postern_csrf=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT")), true);
  // Max-Age wins over Expires (RFC 6265 §5.3 step 3)
  assert.equal(isRemoval(parseSetCookie("x=1; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT")), false);
  assert.equal(isRemoval(parseSetCookie("x=1")), false);
});

test("only Postern's cookies are forwarded", () => {
  const pairs = parseCookieHeader(
    "app_session=secret; postern_session=abc.def; theme=dark; __Host-postern_device=dev; postern_x=1 2",
  );
  assert.deepEqual(pairs[0], ["app_session", "secret"]);
  assert.equal(posternCookieHeader(pairs), "postern_session=abc.def; __Host-postern_device=dev");
  assert.equal(posternCookieHeader(parseCookieHeader("a=1; b=2")), undefined);
  assert.equal(posternCookieHeader([["postern_session", "x;y"]]), undefined);
  assert.equal(posternCookieHeader([["postern_session", undefined]]), undefined);
  assert.deepEqual(parseCookieHeader(null), []);
});

test("Retry-After in seconds or as a date", () => {
  assert.equal(retryAfterOf(new Headers({ "retry-after": "42" })), 42);
  const later = new Date(Date.now() + 30_000).toUTCString();
  const s = retryAfterOf(new Headers({ "retry-after": later }));
  assert.ok(s >= 28 && s <= 31, String(s));
  assert.equal(retryAfterOf(new Headers()), undefined);
});
