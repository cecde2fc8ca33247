import assert from "node:assert/strict";
import { test } from "node:test";

import {
  POSTERN_COOKIES,
  PosternError,
  cookieName,
  cookieNames,
  createPostern,
  defaultClientIp,
  isPosternCookie,
  safeRedirectPath,
} from "../dist/index.js";
import { API_KEY } from "./helpers.mjs";

test("createPostern resolves the defaults and freezes the result", () => {
  const p = createPostern({ baseUrl: "http://127.0.0.1:8080/" });
  assert.equal(p.baseUrl, "http://127.0.0.1:8080");
  assert.equal(p.publicUrl, "http://127.0.0.1:8080");
  assert.equal(p.publicOrigin, "http://127.0.0.1:8080");
  assert.equal(p.audience, "http://127.0.0.1:8080");
  assert.equal(p.mountPath, "/api/postern");
  assert.equal(p.signInPath, "/sign-in");
  assert.equal(p.codePath, "/sign-in/code");
  assert.equal(p.resetPath, "/reset-password");
  assert.equal(p.afterSignInPath, "/dashboard");
  assert.equal(p.secure, false);
  assert.deepEqual({ ...p.cookies }, { session: "postern_session", device: "postern_device", csrf: "postern_csrf" });
  assert.equal(p.apiKey, undefined);
  assert.ok(Object.isFrozen(p));
  assert.throws(() => {
    "use strict";
    p.baseUrl = "http://evil";
  }, TypeError);
});

test("createPostern with an https public URL uses __Host- cookies and that issuer", () => {
  const p = createPostern({
    baseUrl: "http://127.0.0.1:8080",
    publicUrl: "https://app.example.com/api/postern/",
    apiKey: API_KEY,
    mountPath: "/auth/",
    audience: "my-app",
  });
  assert.equal(p.publicUrl, "https://app.example.com/api/postern");
  assert.equal(p.publicOrigin, "https://app.example.com");
  assert.equal(p.mountPath, "/auth");
  assert.equal(p.audience, "my-app");
  assert.equal(p.secure, true);
  assert.equal(p.cookies.session, "__Host-postern_session");
  assert.equal(p.cookies.device, "__Host-postern_device");
  assert.equal(p.apiKey, API_KEY);
});

test("the API key stays out of JSON and enumeration", () => {
  const p = createPostern({ baseUrl: "http://127.0.0.1:8080", apiKey: API_KEY });
  assert.equal(JSON.stringify(p).includes("pst_"), false);
  assert.equal(Object.keys(p).includes("apiKey"), false);
  assert.equal(p.apiKey, API_KEY);
});

test("createPostern refuses bad options", () => {
  const base = { baseUrl: "http://127.0.0.1:8080" };
  for (const [options, pattern] of [
    [{}, /baseUrl is required/],
    [{ baseUrl: "not a url" }, /baseUrl is not a valid URL/],
    [{ baseUrl: "ftp://h" }, /http or https/],
    [{ baseUrl: "http://h/?x=1" }, /query/],
    [{ ...base, publicUrl: "::" }, /publicUrl is not a valid URL/],
    [{ ...base, apiKey: "secret" }, /starts with "pst_"/],
    [{ ...base, mountPath: "api/postern" }, /mountPath must be a path/],
    [{ ...base, mountPath: "//evil" }, /mountPath must be a path/],
    [{ ...base, mountPath: "/" }, /mountPath must not be/],
    [{ ...base, signInPath: "https://evil.example/sign-in" }, /signInPath/],
    [{ ...base, codePath: "code" }, /codePath/],
    [{ ...base, resetPath: "/a b" }, /resetPath/],
    [{ ...base, afterSignInPath: "/\\evil" }, /afterSignInPath/],
    [{ ...base, clientIp: "x" }, /clientIp must be a function/],
    [{ ...base, fetch: 1 }, /fetch must be a function/],
    [{ ...base, audience: "" }, /audience/],
  ]) {
    assert.throws(() => createPostern(options), pattern, JSON.stringify(options));
  }
});

test("defaultClientIp takes the right-most X-Forwarded-For entry, else X-Real-IP", () => {
  const ip = (h) => defaultClientIp(new Headers(h));
  assert.equal(ip({ "x-forwarded-for": "6.6.6.6, 198.51.100.7" }), "198.51.100.7");
  assert.equal(ip({ "x-forwarded-for": "198.51.100.7" }), "198.51.100.7");
  assert.equal(ip({ "x-forwarded-for": "6.6.6.6,   2001:db8::1 " }), "2001:db8::1");
  assert.equal(ip({ "x-forwarded-for": "[2001:db8::2]:443" }), "2001:db8::2");
  assert.equal(ip({ "x-forwarded-for": "198.51.100.9:1234" }), "198.51.100.9");
  assert.equal(ip({ "x-real-ip": "192.0.2.1" }), "192.0.2.1");
  assert.equal(ip({ "x-forwarded-for": "garbage", "x-real-ip": "192.0.2.1" }), "192.0.2.1");
  assert.equal(ip({ "x-forwarded-for": "1.1.1.1, unknown" }), undefined);
  assert.equal(ip({}), undefined);
});

test("safeRedirectPath keeps same-origin paths only", () => {
  for (const ok of ["/", "/dashboard", "/a/b?x=1#y", "/a%2Fb"]) assert.equal(safeRedirectPath(ok), ok);
  for (const bad of [
    "",
    "dashboard",
    "//evil.example",
    "/\\evil.example",
    "https://evil.example/",
    "/a\\b",
    "/a b",
    "/\tx",
    "/\nx",
    "javascript:alert(1)",
    undefined,
    null,
    42,
    "/" + "a".repeat(3000),
  ]) {
    assert.equal(safeRedirectPath(bad), undefined, JSON.stringify(bad));
  }
});

test("cookie names and PosternError", () => {
  assert.equal(cookieName("postern_session", true), "__Host-postern_session");
  assert.equal(cookieName("postern_session", false), "postern_session");
  assert.equal(cookieNames(true).csrf, "__Host-postern_csrf");
  assert.equal(POSTERN_COOKIES.device, "postern_device");
  assert.ok(isPosternCookie("postern_session"));
  assert.ok(isPosternCookie("__Host-postern_device"));
  assert.ok(!isPosternCookie("session"));
  assert.ok(!isPosternCookie("__Host-app"));
  assert.ok(!isPosternCookie("xpostern_session"));

  const e = new PosternError("invalid_code", "That code is not right.", 400, { attemptsRemaining: 3, retryAfter: 7 });
  assert.ok(e instanceof Error);
  assert.equal(e.name, "PosternError");
  assert.equal(e.code, "invalid_code");
  assert.equal(e.status, 400);
  assert.equal(e.attemptsRemaining, 3);
  assert.equal(e.retryAfter, 7);
  assert.equal(e.message, "That code is not right.");
});
