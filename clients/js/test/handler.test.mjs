import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { gzipSync } from "node:zlib";

import { DEFAULT_ALLOW, createPosternHandler, isAllowed } from "../dist/handler.js";
import { createPostern } from "../dist/index.js";
import { API_KEY, TOKEN, json, startFake } from "./helpers.mjs";

const APP = "http://localhost:3000";
let fake;
let postern;
let handler;

before(async () => {
  fake = await startFake();
  postern = createPostern({ baseUrl: fake.url, publicUrl: `${APP}/api/postern`, apiKey: API_KEY });
  handler = createPosternHandler(postern);
});
after(() => fake.close());
beforeEach(() => {
  fake.reset();
  fake.handler = (rec, res) => json(res, 200, { ok: true, path: rec.path });
});

/** Calls the handler as Next would for `path` (after the mount path). */
function call(method, path, { headers = {}, body, params } = {}) {
  const init = { method, headers };
  if (body !== undefined) {
    init.body = body;
    init.duplex = "half";
  }
  const request = new Request(`${APP}/api/postern/${path}`, init);
  const segments = params ?? new URL(request.url).pathname.slice("/api/postern/".length).split("/").map(decodeURIComponent);
  return handler[method](request, { params: Promise.resolve({ path: segments }) });
}

test("the allowlist forwards Postern's public surface", async () => {
  for (const path of [
    "v1/session",
    "v1/passwordless/start",
    "login",
    "login/link",
    "login/code",
    "signup",
    "forgot-password",
    "reset-password",
    "account",
    "account/sessions/revoke",
    "assets/app.css",
    ".well-known/jwks.json",
  ]) {
    fake.requests.length = 0;
    const res = await call("GET", path);
    assert.equal(res.status, 200, path);
    assert.equal(fake.requests.length, 1, path);
    assert.equal(fake.requests[0].path, `/${path}`, path);
  }
});

test("everything else is a 404 that never reaches Postern", async () => {
  for (const path of [
    "admin/v1/users",
    "admin",
    "metrics",
    "dev/inbox.json",
    "dev/inbox",
    "openapi.json",
    "docs",
    "docs.css",
    "healthz",
    "v1",
    "login/../admin/v1/users",
    ".well-known/other.json",
    "signup/extra",
  ]) {
    const res = await call("GET", path);
    assert.equal(res.status, 404, path);
    assert.deepEqual(await res.json(), { error: "not_found", message: "not found" });
  }
  assert.equal(fake.requests.length, 0);
});

test("encoded separators and dot segments are refused, whatever the params say", async () => {
  const cases = [
    // [raw path after the mount, the params Next would give]
    ["v1%2f..%2fadmin/v1/users", ["v1/../admin", "v1", "users"]],
    ["v1%2F..%2Fadmin", ["v1/../admin"]],
    ["v1/%2e%2e/admin/v1/users", ["v1", "..", "admin", "v1", "users"]],
    ["v1/session%5c..", ["v1", "session\\.."]],
    ["v1/./session", ["v1", ".", "session"]],
    ["v1//session", ["v1", "", "session"]],
    ["v1/%252f", ["v1", "%2f"]],
    ["admin%2fv1/users", ["admin/v1", "users"]],
  ];
  for (const [raw, params] of cases) {
    const res = await handler.GET(new Request(`${APP}/api/postern/${raw}`), { params: Promise.resolve({ path: params }) });
    assert.equal(res.status, 404, raw);
  }
  // and from the URL alone (no params)
  for (const raw of ["admin/v1/users", "v1/%2e%2e/metrics", "v1%2fsession"]) {
    const res = await handler.GET(new Request(`${APP}/api/postern/${raw}`), undefined);
    assert.equal(res.status, 404, raw);
  }
  assert.equal(fake.requests.length, 0);
  const ok = await handler.GET(new Request(`${APP}/api/postern/v1/session`), undefined);
  assert.equal(ok.status, 200);
});

test("admin is never forwarded, even when the app allows it", async () => {
  const open = createPosternHandler(postern, { allow: ["admin/**", "metrics"] });
  const res = await open.GET(new Request(`${APP}/api/postern/admin/v1/users`), {
    params: Promise.resolve({ path: ["admin", "v1", "users"] }),
  });
  assert.equal(res.status, 404);
  const m = await open.GET(new Request(`${APP}/api/postern/metrics`), { params: Promise.resolve({ path: ["metrics"] }) });
  assert.equal(m.status, 200);
  assert.equal(fake.requests.map((r) => r.path).join(), "/metrics");
  assert.ok(!isAllowed(["v1", "session"], ["login"]));
  assert.ok(isAllowed(["v1", "session"], DEFAULT_ALLOW));
});

test("cross-site and foreign-origin unsafe requests are refused", async () => {
  for (const headers of [
    { "sec-fetch-site": "cross-site" },
    { "sec-fetch-site": "same-site" },
    { origin: "https://evil.example" },
    { origin: "http://localhost:3001" },
    { origin: "https://localhost:3000" },
  ]) {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const res = await call(method, "v1/logout", { headers, body: "{}" });
      assert.equal(res.status, 403, `${method} ${JSON.stringify(headers)}`);
      assert.equal((await res.json()).error, "forbidden");
    }
  }
  assert.equal(fake.requests.length, 0);
});

test("Origin: null, the app's origin and no Origin pass; safe methods are not checked", async () => {
  for (const headers of [
    { origin: "null", "sec-fetch-site": "same-origin" },
    { origin: APP, "sec-fetch-site": "same-origin" },
    { "sec-fetch-site": "none" },
    {},
  ]) {
    const res = await call("POST", "login/link", {
      headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
      body: "token=t&csrf=c",
    });
    assert.equal(res.status, 200, JSON.stringify(headers));
  }
  assert.equal(fake.requests.length, 4);
  assert.equal(fake.requests[0].headers.origin, "null");
  assert.equal(fake.requests[0].body, "token=t&csrf=c");
  const get = await call("GET", "v1/session", { headers: { "sec-fetch-site": "cross-site", origin: "https://evil.example" } });
  assert.equal(get.status, 200);
});

test("request headers: hop-by-hop, app cookies and forged client headers are stripped; the key is the app's", async () => {
  const res = await call("POST", "v1/logout", {
    headers: {
      connection: "keep-alive, x-hop",
      "keep-alive": "timeout=5",
      "x-hop": "1",
      te: "trailers",
      trailer: "x-t",
      upgrade: "websocket",
      "proxy-authorization": "Basic eA==",
      authorization: "Bearer stolen-or-forged",
      cookie: `app_session=app-secret; postern_session=${TOKEN}; theme=dark; postern_csrf=c1`,
      "x-postern-client-ip": "6.6.6.6",
      "x-postern-client-user-agent": "forged",
      "x-forwarded-for": "6.6.6.6, 198.51.100.7",
      "x-forwarded-host": "evil.example",
      "x-real-ip": "6.6.6.6",
      forwarded: "for=6.6.6.6",
      "x-middleware-subrequest": "middleware",
      "accept-encoding": "zstd",
      origin: APP,
      "sec-fetch-site": "same-origin",
      "sec-fetch-mode": "cors",
      accept: "application/json",
      "accept-language": "de",
      "content-type": "application/json",
      "user-agent": "Browser/2.0",
      referer: `${APP}/dashboard`,
      "x-csrf-token": "tok",
    },
    body: JSON.stringify({ scope: "all" }),
  });
  assert.equal(res.status, 200);
  const h = fake.requests[0].headers;
  for (const gone of ["keep-alive", "x-hop", "te", "trailer", "upgrade", "proxy-authorization", "x-forwarded-host", "x-real-ip", "forwarded", "x-middleware-subrequest"]) {
    assert.equal(h[gone], undefined, gone);
  }
  assert.notEqual(h.connection, "keep-alive, x-hop");
  assert.equal(h.cookie, `postern_session=${TOKEN}; postern_csrf=c1`);
  assert.equal(h.authorization, `Bearer ${API_KEY}`);
  assert.equal(h["x-postern-client-ip"], "198.51.100.7");
  assert.equal(h["x-postern-client-user-agent"], "Browser/2.0");
  assert.equal(h["x-forwarded-for"], undefined);
  assert.notEqual(h["accept-encoding"], "zstd");
  assert.equal(h.host, new URL(fake.url).host);
  assert.equal(h.origin, APP);
  assert.equal(h["sec-fetch-site"], "same-origin");
  assert.equal(h["sec-fetch-mode"], "cors");
  assert.equal(h.accept, "application/json");
  assert.equal(h["accept-language"], "de");
  assert.equal(h["content-type"], "application/json");
  assert.equal(h["user-agent"], "Browser/2.0");
  assert.equal(h.referer, `${APP}/dashboard`);
  assert.equal(h["x-csrf-token"], "tok");
  assert.deepEqual(fake.requests[0].json(), { scope: "all" });
});

test("without an API key the browser's Authorization is still dropped", async () => {
  const keyless = createPosternHandler(createPostern({ baseUrl: fake.url, publicUrl: `${APP}/api/postern` }));
  await keyless.GET(new Request(`${APP}/api/postern/v1/session`, { headers: { authorization: "Bearer x", "x-postern-client-ip": "6.6.6.6" } }), {
    params: Promise.resolve({ path: ["v1", "session"] }),
  });
  assert.equal(fake.requests[0].headers.authorization, undefined);
  assert.equal(fake.requests[0].headers["x-postern-client-ip"], undefined);
});

test("the query string is forwarded", async () => {
  await call("GET", "login/link?token=abc.def&lang=fr");
  assert.equal(fake.requests[0].url, "/login/link?token=abc.def&lang=fr");
});

test("response: each Set-Cookie stays separate, redirects pass as they are, no-store", async () => {
  fake.handler = (rec, res) => {
    res.statusCode = 303;
    res.setHeader("location", "/dashboard?from=link");
    res.setHeader("set-cookie", [
      `postern_session=${TOKEN}; HttpOnly; SameSite=Lax; Path=/; Max-Age=2592000`,
      "postern_csrf=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0",
    ]);
    res.setHeader("cache-control", "public, max-age=600");
    res.setHeader("x-request-id", "rid-1");
    res.setHeader("keep-alive", "timeout=1");
    res.end();
  };
  const res = await call("POST", "login/link", { headers: { origin: "null" }, body: "token=x" });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), "/dashboard?from=link");
  assert.deepEqual(res.headers.getSetCookie(), [
    `postern_session=${TOKEN}; HttpOnly; SameSite=Lax; Path=/; Max-Age=2592000`,
    "postern_csrf=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0",
  ]);
  assert.equal(res.headers.get("cache-control"), "private, no-store");
  assert.equal(res.headers.get("x-request-id"), "rid-1");
  assert.equal(res.headers.get("keep-alive"), null);
});

test("assets keep Postern's caching", async () => {
  fake.handler = (rec, res) => {
    res.setHeader("content-type", "text/css");
    res.setHeader("cache-control", "public, max-age=3600");
    res.end("body{}");
  };
  const res = await call("GET", "assets/app.css");
  assert.equal(res.headers.get("cache-control"), "public, max-age=3600");
  assert.equal(await res.text(), "body{}");
});

test("a compressed answer reaches the browser decoded, without a stale encoding or length", async () => {
  const page = "<html>" + "x".repeat(5000) + "</html>";
  fake.handler = (rec, res) => {
    const gz = gzipSync(page);
    res.setHeader("content-type", "text/html");
    res.setHeader("content-encoding", "gzip");
    res.setHeader("content-length", String(gz.length));
    res.end(gz);
  };
  const res = await call("GET", "login");
  assert.equal(res.headers.get("content-encoding"), null);
  assert.equal(res.headers.get("content-length"), null);
  assert.equal(await res.text(), page);
});

test("the request body is streamed to Postern, not buffered first", async () => {
  const encoder = new TextEncoder();
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  const firstSeen = new Promise((resolve) => {
    fake.handler = async (rec, res) => json(res, 200, { got: rec.body.length });
    fake.server.once("request", (req) => req.once("data", () => resolve(Date.now())));
  });
  const body = new ReadableStream({
    async start(controller) {
      controller.enqueue(encoder.encode('{"part":"one",'));
      await gate;
      controller.enqueue(encoder.encode('"rest":"two"}'));
      controller.close();
    },
  });
  const pending = call("POST", "v1/passwordless/start", {
    headers: { origin: APP, "content-type": "application/json" },
    body,
  });
  // Postern sees the first chunk while the browser has not sent the rest.
  const seen = await Promise.race([firstSeen, new Promise((r) => setTimeout(() => r("timeout"), 3000))]);
  assert.notEqual(seen, "timeout", "the first chunk did not arrive before the body ended");
  release();
  const res = await pending;
  assert.equal(res.status, 200);
  assert.equal(fake.requests[0].body, '{"part":"one","rest":"two"}');
});

test("HEAD and 204 answers have no body", async () => {
  fake.handler = (rec, res) => {
    res.statusCode = 204;
    res.end();
  };
  const res = await call("DELETE", "v1/sessions/ses_1", { headers: { origin: APP } });
  assert.equal(res.status, 204);
  assert.equal(res.body, null);
  assert.equal(fake.requests[0].method, "DELETE");
  fake.handler = (rec, res) => json(res, 200, { a: 1 });
  const head = await call("HEAD", "v1/session");
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
  assert.equal(fake.requests[1].method, "HEAD");
});

test("an unreachable Postern is a 502 in Postern's error shape", async () => {
  const down = createPosternHandler(createPostern({ baseUrl: "http://127.0.0.1:9", publicUrl: `${APP}/api/postern` }));
  const res = await down.GET(new Request(`${APP}/api/postern/v1/session`), { params: Promise.resolve({ path: ["v1", "session"] }) });
  assert.equal(res.status, 502);
  assert.equal(res.headers.get("cache-control"), "private, no-store");
  const body = await res.json();
  assert.equal(body.error, "unavailable");
  assert.equal(typeof body.message, "string");
});
