import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";

import { PosternError, buildPath, buildQuery, createPosternClient } from "../dist/admin.js";
import { API_KEY, json, startFake } from "./helpers.mjs";

let fake;
let client;
const ACCOUNT = {
  id: "usr_1",
  email: "alice@example.com",
  phone: null,
  email_verified: true,
  phone_verified: false,
  name: "Alice",
  preferred_channel: "email",
  locale: null,
  has_password: false,
  disabled: false,
  created_at: "2026-01-01T00:00:00Z",
};

before(async () => {
  fake = await startFake();
  client = createPosternClient({ baseUrl: `${fake.url}/`, apiKey: API_KEY });
});
after(() => fake.close());
beforeEach(() => {
  fake.reset();
  fake.handler = (rec, res) => json(res, 200, ACCOUNT);
});

test("request builds the URL from path params and query, with the key", async () => {
  fake.handler = (rec, res) => json(res, 200, { items: [ACCOUNT], next_cursor: "c2" });
  const page = await client.request("get", "/admin/v1/users", { params: { query: { query: "ali ce", limit: 10, cursor: undefined } } });
  assert.deepEqual(page, { items: [ACCOUNT], next_cursor: "c2" });
  const r = fake.requests[0];
  assert.equal(r.method, "GET");
  assert.equal(r.url, "/admin/v1/users?query=ali+ce&limit=10");
  assert.equal(r.headers.authorization, `Bearer ${API_KEY}`);
  assert.equal(r.headers.accept, "application/json");
  assert.equal(r.headers["content-type"], undefined);
  assert.equal(r.body, "");

  fake.reset();
  fake.handler = (rec, res) => json(res, 200, ACCOUNT);
  await client.request("get", "/admin/v1/users/{id}", { params: { path: { id: "alice@example.com/../x?y" } } });
  assert.equal(fake.requests[0].url, "/admin/v1/users/alice%40example.com%2F..%2Fx%3Fy");
});

test("request sends a JSON body", async () => {
  await client.request("patch", "/admin/v1/users/{id}", { params: { path: { id: "usr_1" } }, body: { name: "Bob", disabled: true } });
  const r = fake.requests[0];
  assert.equal(r.method, "PATCH");
  assert.equal(r.url, "/admin/v1/users/usr_1");
  assert.equal(r.headers["content-type"], "application/json");
  assert.deepEqual(r.json(), { name: "Bob", disabled: true });
});

test("request passes extra headers (the end user's, for a proxy key)", async () => {
  await client.request("post", "/admin/v1/passwordless/send", {
    body: { email: "a@example.com", channel: "email" },
    headers: { "x-postern-client-ip": "198.51.100.7", authorization: "Bearer not-this-one" },
  });
  assert.equal(fake.requests[0].headers["x-postern-client-ip"], "198.51.100.7");
  assert.equal(fake.requests[0].headers.authorization, `Bearer ${API_KEY}`);
});

test("the named helpers call the right operations", async () => {
  const calls = [
    [() => client.users.list({ query: "al", limit: 5 }), "GET", "/admin/v1/users?query=al&limit=5"],
    [() => client.users.list(), "GET", "/admin/v1/users"],
    [() => client.users.get("usr_1"), "GET", "/admin/v1/users/usr_1"],
    [() => client.users.create({ email: "n@example.com" }), "POST", "/admin/v1/users", { email: "n@example.com" }],
    [() => client.users.update("usr_1", { name: "X" }), "PATCH", "/admin/v1/users/usr_1", { name: "X" }],
    [() => client.users.delete("usr_1"), "DELETE", "/admin/v1/users/usr_1"],
    [() => client.users.disable("usr_1"), "POST", "/admin/v1/users/usr_1/disable"],
    [() => client.users.enable("usr_1"), "POST", "/admin/v1/users/usr_1/enable"],
    [() => client.users.sessions("usr_1"), "GET", "/admin/v1/users/usr_1/sessions"],
    [() => client.users.revokeSessions("usr_1"), "DELETE", "/admin/v1/users/usr_1/sessions"],
    [() => client.users.revokeSession("usr_1", "ses 2"), "DELETE", "/admin/v1/users/usr_1/sessions/ses%202"],
    [() => client.passwordless.send({ email: "a@example.com" }), "POST", "/admin/v1/passwordless/send", { email: "a@example.com" }],
    [() => client.passwordless.verify({ auth_request_id: "r", code: "123456" }), "POST", "/admin/v1/passwordless/verify", { auth_request_id: "r", code: "123456" }],
    [() => client.passwordless.resend({ auth_request_id: "r" }), "POST", "/admin/v1/passwordless/resend", { auth_request_id: "r" }],
    [() => client.messages.list({ to: "a@example.com", status: "failed" }), "GET", "/admin/v1/messages?to=a%40example.com&status=failed"],
    [() => client.audit.list({ user_id: "usr_1", type: "sign_in.succeeded" }), "GET", "/admin/v1/audit?user_id=usr_1&type=sign_in.succeeded"],
  ];
  for (const [run, method, url, body] of calls) {
    fake.reset();
    fake.handler = (rec, res) => json(res, 200, ACCOUNT);
    await run();
    assert.equal(fake.requests.length, 1, url);
    assert.equal(fake.requests[0].method, method, url);
    assert.equal(fake.requests[0].url, url);
    if (body) assert.deepEqual(fake.requests[0].json(), body, url);
  }
});

test("204 answers resolve to undefined", async () => {
  fake.handler = (rec, res) => {
    res.statusCode = 204;
    res.end();
  };
  assert.equal(await client.users.delete("usr_1"), undefined);
  assert.equal(await client.request("delete", "/admin/v1/users/{id}/sessions", { params: { path: { id: "u" } } }), undefined);
});

test("errors are PosternErrors with code, status and Retry-After", async () => {
  fake.handler = (rec, res) => json(res, 404, { error: "not_found", message: "not found" });
  await assert.rejects(client.users.get("nobody"), (e) => {
    assert.ok(e instanceof PosternError);
    assert.equal(e.code, "not_found");
    assert.equal(e.status, 404);
    assert.equal(e.message, "not found");
    return true;
  });
  fake.handler = (rec, res) => json(res, 403, { error: "forbidden", message: "this API key lacks the scope users:write" });
  await assert.rejects(client.users.create({ email: "x@example.com" }), (e) => e.code === "forbidden" && e.status === 403);
  fake.handler = (rec, res) =>
    json(res, 429, { error: "rate_limited", message: "slow down" }, { headers: { "retry-after": "30" } });
  await assert.rejects(client.passwordless.send({ email: "a@example.com" }), (e) => e.code === "rate_limited" && e.retryAfter === 30);
  fake.handler = (rec, res) => json(res, 400, { error: "invalid_code", message: "no", attempts_remaining: 2 });
  await assert.rejects(client.passwordless.verify({ auth_request_id: "r", code: "1" }), (e) => e.attemptsRemaining === 2);
  fake.handler = (rec, res) => {
    res.statusCode = 200;
    res.end("not json");
  };
  await assert.rejects(client.users.get("u"), (e) => e instanceof PosternError && e.code === "invalid_response");
  const down = createPosternClient({ baseUrl: "http://127.0.0.1:9", apiKey: API_KEY });
  await assert.rejects(down.users.get("u"), (e) => e instanceof PosternError && e.code === "unavailable" && e.status === 502);
});

test("createPosternClient checks its options; a missing path parameter is an error", async () => {
  assert.throws(() => createPosternClient({ baseUrl: "nope", apiKey: API_KEY }), /baseUrl/);
  assert.throws(() => createPosternClient({ baseUrl: "http://h", apiKey: "secret" }), /pst_/);
  assert.throws(() => createPosternClient({ baseUrl: "file:///x", apiKey: API_KEY }), /http/);
  await assert.rejects(client.request("get", "/admin/v1/users/{id}", { params: { path: {} } }), /"id"/);
  assert.equal(buildPath("/a/{x}/b/{y}", { x: "1", y: "é" }), "/a/1/b/%C3%A9");
  assert.equal(buildQuery({ a: ["1", "2"], b: null, c: 0 }), "?a=1&a=2&c=0");
  assert.equal(buildQuery({}), "");
  assert.equal(fake.requests.length, 0);
});
