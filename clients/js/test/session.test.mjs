import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";

import { getAccessToken, getSession } from "../dist/core.js";
import { PosternError, createPostern } from "../dist/index.js";
import { API_KEY, SESSION, TOKEN, USER, fakeContext, json, startFake } from "./helpers.mjs";

let fake;
let postern;
before(async () => {
  fake = await startFake();
  postern = createPostern({ baseUrl: fake.url, publicUrl: "http://localhost:3000/api/postern", apiKey: API_KEY });
});
after(() => fake.close());
beforeEach(() => fake.reset());

const browser = {
  "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
  "x-forwarded-for": "6.6.6.6, 198.51.100.7",
  "accept-language": "fr-FR,fr;q=0.9",
  cookie: "should-not-matter=1",
};

test("getSession without a session cookie makes no request", async () => {
  const { ctx } = fakeContext({ cookies: { app: "x" }, headers: browser });
  assert.equal(await getSession(postern, ctx), null);
  assert.equal(fake.requests.length, 0);
});

test("getSession returns the user and session, sending only Postern's cookies and the proxy headers", async () => {
  fake.handler = (rec, res) => json(res, 200, { user: USER, session: SESSION });
  const { ctx, set } = fakeContext({
    cookies: { postern_session: TOKEN, postern_device: "dev123", app_session: "app-secret", postern_csrf: "c" },
    headers: browser,
  });
  const info = await getSession(postern, ctx);
  assert.deepEqual(info, { user: USER, session: SESSION });
  assert.equal(fake.requests.length, 1);
  const r = fake.requests[0];
  assert.equal(r.method, "GET");
  assert.equal(r.url, "/v1/session");
  assert.equal(r.headers.cookie, `postern_session=${TOKEN}; postern_device=dev123`);
  assert.equal(r.headers.authorization, `Bearer ${API_KEY}`);
  assert.equal(r.headers["x-postern-client-ip"], "198.51.100.7");
  assert.equal(r.headers["x-postern-client-user-agent"], browser["user-agent"]);
  assert.equal(r.headers["accept-language"], "fr-FR,fr;q=0.9");
  assert.equal(r.headers["x-forwarded-for"], undefined);
  assert.equal(set.length, 0, "getSession never sets cookies");
});

test("getSession is null on 401 and throws PosternError on other failures", async () => {
  const { ctx } = fakeContext({ cookies: { postern_session: TOKEN } });
  fake.handler = (rec, res) => json(res, 401, { error: "unauthorized", message: "You are not signed in." });
  assert.equal(await getSession(postern, ctx), null);

  fake.handler = (rec, res) =>
    json(res, 503, { error: "unavailable", message: "try later" }, { headers: { "retry-after": "5" } });
  await assert.rejects(getSession(postern, ctx), (e) => {
    assert.ok(e instanceof PosternError);
    assert.equal(e.code, "unavailable");
    assert.equal(e.status, 503);
    assert.equal(e.retryAfter, 5);
    return true;
  });

  fake.handler = (rec, res) => {
    res.statusCode = 502;
    res.end("<html>bad gateway</html>");
  };
  await assert.rejects(getSession(postern, ctx), (e) => e instanceof PosternError && e.status === 502);
});

test("getSession reports an unreachable Postern as a PosternError", async () => {
  const down = createPostern({ baseUrl: "http://127.0.0.1:9" });
  const { ctx } = fakeContext({ cookies: { postern_session: TOKEN } });
  await assert.rejects(getSession(down, ctx), (e) => e instanceof PosternError && e.code === "unavailable");
});

test("without an API key no proxy headers are sent", async () => {
  fake.handler = (rec, res) => json(res, 200, { user: USER, session: SESSION });
  const plain = createPostern({ baseUrl: fake.url });
  const { ctx } = fakeContext({ cookies: { postern_session: TOKEN }, headers: browser });
  await getSession(plain, ctx);
  const r = fake.requests[0];
  assert.equal(r.headers.authorization, undefined);
  assert.equal(r.headers["x-postern-client-ip"], undefined);
  assert.equal(r.headers["x-postern-client-user-agent"], undefined);
});

test("an https public URL reads the __Host- cookie", async () => {
  fake.handler = (rec, res) => json(res, 200, { user: USER, session: SESSION });
  const secure = createPostern({ baseUrl: fake.url, publicUrl: "https://app.example.com/api/postern" });
  const { ctx } = fakeContext({ cookies: { postern_session: "plain.cookie", "__Host-postern_session": TOKEN } });
  await getSession(secure, ctx);
  assert.equal(fake.requests[0].headers.cookie, `__Host-postern_session=${TOKEN}`);
});

test("a custom clientIp is used", async () => {
  fake.handler = (rec, res) => json(res, 200, { user: USER, session: SESSION });
  const custom = createPostern({ baseUrl: fake.url, apiKey: API_KEY, clientIp: (h) => h.get("cf-connecting-ip") ?? undefined });
  const { ctx } = fakeContext({ cookies: { postern_session: TOKEN }, headers: { "cf-connecting-ip": "192.0.2.44" } });
  await getSession(custom, ctx);
  assert.equal(fake.requests[0].headers["x-postern-client-ip"], "192.0.2.44");
});

test("getAccessToken posts to /v1/session/token", async () => {
  fake.handler = (rec, res) => json(res, 200, { access_token: "eyJ.x.y", token_type: "Bearer", expires_in: 300 });
  const { ctx } = fakeContext({ cookies: { postern_session: TOKEN }, headers: browser });
  assert.equal(await getAccessToken(postern, ctx), "eyJ.x.y");
  assert.equal(fake.requests[0].method, "POST");
  assert.equal(fake.requests[0].url, "/v1/session/token");
  assert.equal(fake.requests[0].headers.cookie, `postern_session=${TOKEN}`);

  fake.handler = (rec, res) => json(res, 401, { error: "unauthorized", message: "no" });
  assert.equal(await getAccessToken(postern, ctx), null);

  const { ctx: none } = fakeContext();
  fake.reset();
  assert.equal(await getAccessToken(postern, none), null);
  assert.equal(fake.requests.length, 0);
});

test("a 401 answer whose body is one branch of a tee (as Next's fetch cache makes it) does not hang", async () => {
  // Next.js tees fetch answers for its data cache; cancelling one branch of a tee waits
  // for the other, which nobody reads: getSession hung on every signed-out request.
  const teeing = createPostern({
    baseUrl: fake.url,
    publicUrl: "http://localhost:3000/api/postern",
    apiKey: API_KEY,
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      const [mine] = res.body.tee();
      return new Response(mine, { status: res.status, headers: res.headers });
    },
  });
  fake.handler = (rec, res) => json(res, 401, { error: "unauthorized", message: "You are not signed in." });
  const { ctx } = fakeContext({ cookies: { postern_session: TOKEN } });
  const answer = await Promise.race([
    getSession(teeing, ctx),
    new Promise((resolve) => setTimeout(() => resolve("hung"), 3_000)),
  ]);
  assert.equal(answer, null);
});
