import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";

import { createActions } from "../dist/core.js";
import { createPostern } from "../dist/index.js";
import { API_KEY, SESSION, TOKEN, USER, fakeContext, form, json, redirectOf, startFake } from "./helpers.mjs";

let fake;
let postern;
let current;
let actions;

before(async () => {
  fake = await startFake();
  postern = createPostern({ baseUrl: fake.url, publicUrl: "http://localhost:3000/api/postern", apiKey: API_KEY });
  actions = createActions(postern, async () => current.ctx);
});
after(() => fake.close());
beforeEach(() => {
  fake.reset();
  current = fakeContext({
    cookies: { postern_device: "dev123", app_session: "app-secret" },
    headers: { "user-agent": "Browser/1.0", "x-forwarded-for": "198.51.100.7" },
  });
});

const STARTED = {
  auth_request_id: "req_abc-123",
  expires_at: "2026-01-01T00:10:00Z",
  channel: "email",
  resend_after: 60,
  match_number: 42,
};
const DEVICE_COOKIE = "postern_device=newdev; HttpOnly; SameSite=Lax; Path=/; Max-Age=2592000";
const SESSION_COOKIE = `postern_session=${TOKEN}; HttpOnly; SameSite=Lax; Path=/; Max-Age=2592000`;
const CSRF_REMOVAL = "postern_csrf=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0";

function answer(status, body, extra) {
  fake.handler = (rec, res) => json(res, status, body, extra);
}

test("startSignIn posts the address and redirects to the code page", async () => {
  answer(200, STARTED, { cookies: [DEVICE_COOKIE] });
  const url = await redirectOf(
    actions.startSignIn({}, form({ email: " alice@example.com ", channel: "email", redirect_to: "/inbox?x=1", locale: "fr" })),
  );
  assert.equal(url, "/sign-in/code?id=req_abc-123&match=42&redirect_to=%2Finbox%3Fx%3D1");
  const r = fake.requests[0];
  assert.equal(r.method, "POST");
  assert.equal(r.url, "/v1/passwordless/start");
  assert.equal(r.headers["content-type"], "application/json");
  assert.deepEqual(r.json(), { email: "alice@example.com", channel: "email", redirect_to: "/inbox?x=1", locale: "fr" });
  assert.equal(r.headers.cookie, "postern_device=dev123");
  assert.equal(r.headers.authorization, `Bearer ${API_KEY}`);
  assert.equal(r.headers["x-postern-client-ip"], "198.51.100.7");
  assert.equal(r.headers["x-postern-client-user-agent"], "Browser/1.0");
  assert.equal(current.set.length, 1);
  assert.equal(current.set[0].name, "postern_device");
  assert.equal(current.set[0].value, "newdev");
  assert.equal(current.set[0].httpOnly, true);
  assert.equal(current.set[0].maxAge, 2592000);
});

test("startSignIn sends a phone number as phone, and the default redirect_to", async () => {
  answer(200, { ...STARTED, match_number: null });
  const url = await redirectOf(actions.startSignIn({}, form({ email: "+447700900123" })));
  assert.equal(url, "/sign-in/code?id=req_abc-123");
  assert.deepEqual(fake.requests[0].json(), { phone: "+447700900123", redirect_to: "/dashboard" });
});

test("startSignIn ignores an unsafe redirect_to", async () => {
  for (const bad of ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"]) {
    fake.reset();
    answer(200, STARTED);
    const url = await redirectOf(actions.startSignIn({}, form({ email: "a@example.com", redirect_to: bad })));
    assert.equal(url, "/sign-in/code?id=req_abc-123&match=42", bad);
    assert.equal(fake.requests[0].json().redirect_to, "/dashboard", bad);
  }
});

test("startSignIn validates before calling", async () => {
  const s = await actions.startSignIn({}, form({ email: "   " }));
  assert.equal(s.error, "invalid_request");
  assert.equal(s.code, "invalid_request");
  assert.ok(s.fields.email);
  const c = await actions.startSignIn({}, form({ email: "a@example.com", channel: "pigeon" }));
  assert.equal(c.error, "invalid_request");
  assert.ok(c.fields.channel);
  assert.equal(c.values.email, "a@example.com");
  assert.equal(fake.requests.length, 0);
});

test("startSignIn maps rate_limited with its Retry-After", async () => {
  answer(429, { error: "rate_limited", message: "Too many requests. Wait 1 minute." }, { headers: { "retry-after": "60" } });
  const s = await actions.startSignIn({}, form({ email: "a@example.com" }));
  assert.equal(s.error, "rate_limited");
  assert.equal(s.message, "Too many requests. Wait 1 minute.");
  assert.equal(s.retryAfter, 60);
  assert.equal(s.values.email, "a@example.com");
  assert.equal(current.set.length, 0);
});

test("an unreachable Postern is a state, not a throw", async () => {
  const down = createActions(createPostern({ baseUrl: "http://127.0.0.1:9" }), async () => current.ctx);
  const s = await down.startSignIn({}, form({ email: "a@example.com" }));
  assert.equal(s.error, "unavailable");
  assert.match(s.message, /cannot be reached/);
});

test("verifyCode signs in, copies the cookies and redirects", async () => {
  answer(200, { user: USER, session: SESSION }, { cookies: [SESSION_COOKIE, CSRF_REMOVAL] });
  const url = await redirectOf(
    actions.verifyCode({}, form({ auth_request_id: "req_abc-123", code: "123 456", redirect_to: "/settings" })),
  );
  assert.equal(url, "/settings");
  const r = fake.requests[0];
  assert.equal(r.url, "/v1/passwordless/verify");
  assert.deepEqual(r.json(), { auth_request_id: "req_abc-123", code: "123 456" });
  assert.equal(r.headers.cookie, "postern_device=dev123", "the device cookie goes along: same-browser binding");
  assert.deepEqual(
    current.set.map((c) => [c.name, c.value]),
    [["postern_session", TOKEN]],
  );
  assert.deepEqual(
    current.deleted.map((c) => [c.name, c.path, c.httpOnly, c.sameSite]),
    [["postern_csrf", "/", true, "lax"]],
  );
});

test("verifyCode goes to afterSignInPath without (or with an unsafe) redirect_to", async () => {
  answer(200, { user: USER, session: SESSION }, { cookies: [SESSION_COOKIE] });
  assert.equal(await redirectOf(actions.verifyCode({}, form({ auth_request_id: "r1", code: "123456" }))), "/dashboard");
  assert.equal(
    await redirectOf(actions.verifyCode({}, form({ auth_request_id: "r1", code: "123456", redirect_to: "//evil" }))),
    "/dashboard",
  );
});

test("verifyCode maps invalid_code with attempts remaining, and never echoes the code", async () => {
  answer(400, { error: "invalid_code", message: "That code is not right. 4 attempts left.", attempts_remaining: 4 });
  const s = await actions.verifyCode({}, form({ auth_request_id: "req_abc-123", code: "999111" }));
  assert.equal(s.error, "invalid_code");
  assert.equal(s.attemptsRemaining, 4);
  assert.equal(s.message, "That code is not right. 4 attempts left.");
  assert.ok(s.fields.code);
  assert.equal(JSON.stringify(s).includes("999111"), false);
  assert.equal(s.values.auth_request_id, "req_abc-123");
  assert.equal(current.set.length, 0);
});

test("verifyCode maps wrong_browser, expired and too_many_attempts", async () => {
  answer(403, { error: "wrong_browser", message: "This sign-in was started in another browser." });
  assert.equal((await actions.verifyCode({}, form({ auth_request_id: "r", code: "123456" }))).error, "wrong_browser");
  answer(410, { error: "expired", message: "This code or link has expired." });
  assert.equal((await actions.verifyCode({}, form({ auth_request_id: "r", code: "123456" }))).error, "expired");
  answer(429, { error: "too_many_attempts", message: "Too many wrong codes." }, { headers: { "retry-after": "900" } });
  const s = await actions.verifyCode({}, form({ auth_request_id: "r", code: "123456" }));
  assert.equal(s.error, "too_many_attempts");
  assert.equal(s.retryAfter, 900);
});

test("verifyCode requires the request id and the code", async () => {
  assert.ok((await actions.verifyCode({}, form({ code: "123456" }))).fields.auth_request_id);
  assert.ok((await actions.verifyCode({}, form({ auth_request_id: "r" }))).fields.code);
  assert.equal(fake.requests.length, 0);
});

test("resendCode posts the request id and returns a message", async () => {
  answer(200, STARTED);
  const s = await actions.resendCode({}, form({ auth_request_id: "req_abc-123" }));
  assert.equal(s.error, undefined);
  assert.match(s.message, /new code/);
  assert.deepEqual(fake.requests[0].json(), { auth_request_id: "req_abc-123" });
  assert.equal(fake.requests[0].url, "/v1/passwordless/resend");
  assert.equal((await actions.resendCode({}, form({}))).error, "invalid_request");
});

test("signUp posts email, password and name and redirects to the code page", async () => {
  answer(200, STARTED, { cookies: [DEVICE_COOKIE] });
  const url = await redirectOf(
    actions.signUp({}, form({ email: "new@example.com", password: "  correct horse  ", name: "Ada" })),
  );
  assert.equal(url, "/sign-in/code?id=req_abc-123&match=42");
  assert.equal(fake.requests[0].url, "/v1/signup");
  assert.deepEqual(fake.requests[0].json(), {
    email: "new@example.com",
    password: "  correct horse  ",
    name: "Ada",
    redirect_to: "/dashboard",
  });
  assert.equal(current.set[0].name, "postern_device");
});

test("signUp maps weak_password to the password field and never echoes the password", async () => {
  answer(400, { error: "weak_password", message: "Add another word or two." });
  const s = await actions.signUp({}, form({ email: "new@example.com", password: "password1", name: "Ada" }));
  assert.equal(s.error, "weak_password");
  assert.equal(s.fields.password, "Add another word or two.");
  assert.deepEqual(s.values, { email: "new@example.com", name: "Ada" });
  assert.equal(JSON.stringify(s).includes("password1"), false);
  assert.equal((await actions.signUp({}, form({ email: "x@example.com" }))).fields.password !== undefined, true);
});

test("logIn posts the credentials, copies the cookie and redirects", async () => {
  answer(200, { user: USER, session: SESSION, redirect_to: "/account" }, { cookies: [SESSION_COOKIE, CSRF_REMOVAL] });
  const url = await redirectOf(actions.logIn({}, form({ email: "alice@example.com", password: "hunter2hunter2" })));
  assert.equal(url, "/dashboard", "Postern's own default (/account) is not the app's");
  assert.equal(fake.requests[0].url, "/v1/login");
  assert.deepEqual(fake.requests[0].json(), { email: "alice@example.com", password: "hunter2hunter2" });
  assert.equal(current.set[0].value, TOKEN);
  assert.equal(current.deleted[0].name, "postern_csrf");

  fake.reset();
  answer(200, { user: USER, session: SESSION, redirect_to: "/account" }, { cookies: [SESSION_COOKIE] });
  assert.equal(
    await redirectOf(actions.logIn({}, form({ phone: "+447700900123", password: "x", redirect_to: "/billing" }))),
    "/billing",
  );
  assert.deepEqual(fake.requests[0].json(), { phone: "+447700900123", password: "x" });
});

test("logIn maps invalid_credentials", async () => {
  answer(401, { error: "invalid_credentials", message: "The email, phone number or password is not right." });
  const s = await actions.logIn({}, form({ email: "alice@example.com", password: "nope-nope" }));
  assert.equal(s.error, "invalid_credentials");
  assert.ok(s.fields.password);
  assert.equal(JSON.stringify(s).includes("nope-nope"), false);
  assert.equal((await actions.logIn({}, form({ email: "a@example.com" }))).error, "invalid_request");
});

test("forgotPassword posts the address and redirects to the reset page", async () => {
  answer(200, { ...STARTED, auth_request_id: "rst_1" }, { cookies: [DEVICE_COOKIE] });
  const url = await redirectOf(actions.forgotPassword({}, form({ email: "alice@example.com", channel: "sms" })));
  assert.equal(url, "/reset-password?id=rst_1");
  assert.equal(fake.requests[0].url, "/v1/password/forgot");
  assert.deepEqual(fake.requests[0].json(), { email: "alice@example.com", channel: "sms" });
  assert.equal((await actions.forgotPassword({}, form({}))).error, "invalid_request");
});

test("resetPassword that signs in copies the cookie and goes to afterSignInPath", async () => {
  answer(200, { status: "reset", user: USER, session: SESSION, redirect_to: "/account" }, { cookies: [SESSION_COOKIE] });
  const url = await redirectOf(
    actions.resetPassword({}, form({ auth_request_id: "rst_1", code: "123456", new_password: "a new long passphrase" })),
  );
  assert.equal(url, "/dashboard");
  assert.equal(fake.requests[0].url, "/v1/password/reset");
  assert.deepEqual(fake.requests[0].json(), {
    auth_request_id: "rst_1",
    code: "123456",
    new_password: "a new long passphrase",
  });
  assert.equal(current.set[0].name, "postern_session");
});

test("resetPassword without a sign-in removes the cookies and goes to sign in", async () => {
  answer(200, { status: "reset" }, {
    cookies: ["postern_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0", CSRF_REMOVAL],
  });
  const url = await redirectOf(
    actions.resetPassword({}, form({ auth_request_id: "rst_1", code: "123456", new_password: "a new long passphrase" })),
  );
  assert.equal(url, "/sign-in?reset=1");
  assert.deepEqual(
    current.deleted.map((c) => c.name),
    ["postern_session", "postern_csrf"],
  );
});

test("resetPassword maps weak_password and invalid_code, and validates", async () => {
  answer(400, { error: "weak_password", message: "This is a top-10 common password." });
  let s = await actions.resetPassword({}, form({ auth_request_id: "r", code: "123456", new_password: "password" }));
  assert.equal(s.error, "weak_password");
  assert.ok(s.fields.new_password);
  assert.equal(JSON.stringify(s).includes('"password"'), false);
  answer(400, { error: "invalid_code", message: "That code is not right. 2 attempts left.", attempts_remaining: 2 });
  s = await actions.resetPassword({}, form({ auth_request_id: "r", code: "000000", new_password: "long enough pass" }));
  assert.equal(s.attemptsRemaining, 2);
  assert.ok(s.fields.code);
  fake.reset();
  assert.ok((await actions.resetPassword({}, form({ auth_request_id: "r", code: "123456" }))).fields.new_password);
  assert.ok((await actions.resetPassword({}, form({ code: "123456", new_password: "x" }))).fields.auth_request_id);
  assert.equal(fake.requests.length, 0);
});

test("signOut posts the scope with the session cookie, copies the removals and redirects", async () => {
  current = fakeContext({ cookies: { postern_session: TOKEN, app_session: "app" }, headers: { "user-agent": "B" } });
  fake.handler = (rec, res) => {
    res.statusCode = 204;
    res.setHeader("set-cookie", ["postern_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0", CSRF_REMOVAL]);
    res.end();
  };
  const url = await redirectOf(actions.signOut(form({ scope: "all" })));
  assert.equal(url, "/sign-in");
  const r = fake.requests[0];
  assert.equal(r.url, "/v1/logout");
  assert.deepEqual(r.json(), { scope: "all" });
  assert.equal(r.headers["content-type"], "application/json");
  assert.equal(r.headers.cookie, `postern_session=${TOKEN}`);
  assert.deepEqual(
    current.deleted.map((c) => c.name),
    ["postern_session", "postern_csrf"],
  );

  // useActionState shape, default scope
  fake.reset();
  fake.handler = (rec, res) => {
    res.statusCode = 204;
    res.end();
  };
  assert.equal(await redirectOf(actions.signOut({}, form({}))), "/sign-in");
  assert.deepEqual(fake.requests[0].json(), { scope: "current" });
  // no arguments at all
  fake.reset();
  fake.handler = (rec, res) => {
    res.statusCode = 204;
    res.end();
  };
  assert.equal(await redirectOf(actions.signOut()), "/sign-in");
  assert.deepEqual(fake.requests[0].json(), { scope: "current" });
});

test("signOut of others stays; a stale session is dropped; bad scopes are refused", async () => {
  current = fakeContext({ cookies: { postern_session: TOKEN } });
  fake.handler = (rec, res) => {
    res.statusCode = 204;
    res.end();
  };
  const s = await actions.signOut({}, form({ scope: "others" }));
  assert.match(s.message, /other devices/);

  answer(401, { error: "unauthorized", message: "You are not signed in." });
  assert.equal(await redirectOf(actions.signOut(form({}))), "/sign-in");
  assert.equal(current.deleted.at(-1).name, "postern_session");
  assert.equal(current.deleted.at(-1).maxAge, 0);

  fake.reset();
  assert.equal((await actions.signOut(form({ scope: "everything" }))).error, "invalid_request");
  assert.equal(fake.requests.length, 0);

  current = fakeContext();
  assert.equal(await redirectOf(actions.signOut(form({}))), "/sign-in");
  assert.equal(fake.requests.length, 0, "no session cookie: nothing to ask");
});

test("a cookie that cannot be set is thrown, not turned into a state", async () => {
  answer(200, { user: USER, session: SESSION }, { cookies: [SESSION_COOKIE] });
  current.ctx.setCookie = () => {
    throw new Error("read-only");
  };
  await assert.rejects(actions.verifyCode({}, form({ auth_request_id: "r", code: "123456" })), /read-only/);
});

test("a number typed in a phone field comes back under that field", async () => {
  answer(400, { error: "invalid_request", message: "phone: not a valid number" });
  const s = await actions.startSignIn({}, form({ phone: "+1 555" }));
  assert.deepEqual(s.values, { phone: "+1 555" });
  assert.equal(s.fields.phone, "phone: not a valid number");
  assert.deepEqual(fake.requests[0].json(), { phone: "+1 555", redirect_to: "/dashboard" });
  const missing = await actions.logIn({}, form({ password: "x" }));
  assert.ok(missing.fields.email);
});
