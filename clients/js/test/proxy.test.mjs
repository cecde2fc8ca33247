import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { SignJWT, exportJWK, generateKeyPair } from "jose";

import { createPostern } from "../dist/index.js";
import { isWellFormedSessionToken, matchesProtected, posternProxy } from "../dist/proxy.js";
import { verifyAccessToken } from "../dist/jwt.js";
import { TOKEN, json, startFake } from "./helpers.mjs";

const APP = "http://localhost:3000";
const ISSUER = `${APP}/api/postern`;
let fake;
let postern;
let key;
let otherKey;
let jwksFetches = 0;

before(async () => {
  fake = await startFake();
  key = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  otherKey = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const jwk = { ...(await exportJWK(key.publicKey)), kid: "k1", alg: "EdDSA", use: "sig" };
  fake.handler = (rec, res) => {
    if (rec.path === "/.well-known/jwks.json") {
      jwksFetches++;
      return json(res, 200, { keys: [jwk] }, { headers: { "content-type": "application/jwk-set+json" } });
    }
    return json(res, 404, { error: "not_found", message: "not found" });
  };
  postern = createPostern({ baseUrl: fake.url, publicUrl: ISSUER });
});
after(() => fake.close());

function token({ kid = "k1", signWith = key.privateKey, iss = ISSUER, aud = ISSUER, exp = "5m", alg = "EdDSA" } = {}) {
  return new SignJWT({ sid: "ses_1", email: "alice@example.com" })
    .setProtectedHeader({ alg, kid, typ: "JWT" })
    .setIssuer(iss)
    .setAudience(aud)
    .setSubject("usr_1")
    .setIssuedAt()
    .setJti("jti-1")
    .setExpirationTime(exp)
    .sign(signWith);
}

function request(path, headers = {}) {
  return new Request(`${APP}${path}`, { headers });
}

test("protected paths match by whole segments, or by RegExp", () => {
  const protect = ["/dashboard", "/settings/", /^\/admin(\/|$)/, /\.secret$/g];
  assert.ok(matchesProtected(protect, "/dashboard"));
  assert.ok(matchesProtected(protect, "/dashboard/x/y"));
  assert.ok(!matchesProtected(protect, "/dashboards"));
  assert.ok(!matchesProtected(protect, "/dash"));
  assert.ok(matchesProtected(protect, "/settings"));
  assert.ok(matchesProtected(protect, "/settings/profile"));
  assert.ok(matchesProtected(protect, "/admin"));
  assert.ok(matchesProtected(protect, "/admin/users"));
  assert.ok(!matchesProtected(protect, "/administrator"));
  // a global RegExp does not flip between calls
  assert.ok(matchesProtected(protect, "/a.secret"));
  assert.ok(matchesProtected(protect, "/a.secret"));
  assert.ok(!matchesProtected(protect, "/"));
  assert.ok(matchesProtected(["/"], "/anything"));
  assert.throws(() => posternProxy({ protect: ["dashboard"] }), /must start with/);
  assert.throws(() => posternProxy({ protect: "/dashboard" }), /must be an array/);
});

test("an unprotected path passes without looking at anything", async () => {
  const proxy = posternProxy({ protect: ["/dashboard"] });
  assert.equal(await proxy(request("/")), undefined);
  assert.equal(await proxy(request("/dashboards")), undefined);
  assert.equal(await proxy(request("/sign-in")), undefined);
});

test("a protected path without a session redirects to sign in with the path and query", async () => {
  const proxy = posternProxy({ protect: ["/dashboard"] });
  const res = await proxy(request("/dashboard/reports?year=2026&q=a b&x=%2F"));
  assert.ok(res instanceof Response);
  assert.equal(res.status, 307);
  const location = new URL(res.headers.get("location"));
  assert.equal(location.origin, APP);
  assert.equal(location.pathname, "/sign-in");
  assert.equal(location.searchParams.get("redirect_to"), "/dashboard/reports?year=2026&q=a%20b&x=%2F");
  assert.equal(
    res.headers.get("location"),
    `${APP}/sign-in?redirect_to=%2Fdashboard%2Freports%3Fyear%3D2026%26q%3Da%2520b%26x%3D%252F`,
  );
  assert.equal(res.headers.get("cache-control"), "private, no-store");
});

test("nextUrl is preferred when Next gives it", async () => {
  const proxy = posternProxy({ protect: ["/dashboard"], signInPath: "/login" });
  const req = request("/base/dashboard");
  req.nextUrl = new URL(`${APP}/dashboard?tab=1`);
  const res = await proxy(req);
  assert.equal(new URL(res.headers.get("location")).searchParams.get("redirect_to"), "/dashboard?tab=1");
  assert.equal(new URL(res.headers.get("location")).pathname, "/login");
});

test("a well-formed session cookie passes; a malformed one does not", async () => {
  const proxy = posternProxy({ protect: ["/dashboard"] });
  assert.equal(await proxy(request("/dashboard", { cookie: `theme=dark; postern_session=${TOKEN}` })), undefined);
  assert.equal(await proxy(request("/dashboard", { cookie: `__Host-postern_session=${TOKEN}` })), undefined);
  for (const bad of ["", "nodot", "a.b", `${TOKEN}.extra`, "<script>.x", `${"a".repeat(60)}.${"b".repeat(90)}`]) {
    const res = await proxy(request("/dashboard", { cookie: `postern_session=${bad}` }));
    assert.equal(res?.status, 307, JSON.stringify(bad));
  }
  const res = await proxy(request("/dashboard", { cookie: `app_session=${TOKEN}` }));
  assert.equal(res?.status, 307, "another cookie with the right shape is not Postern's");
  assert.ok(isWellFormedSessionToken(TOKEN));
  assert.ok(!isWellFormedSessionToken(undefined));
});

test("with postern given, the cookie name follows its public URL", async () => {
  const secure = createPostern({ baseUrl: fake.url, publicUrl: "https://app.example.com/api/postern" });
  const proxy = posternProxy({ protect: ["/dashboard"], postern: secure });
  assert.equal(await proxy(request("/dashboard", { cookie: `__Host-postern_session=${TOKEN}` })), undefined);
  assert.equal((await proxy(request("/dashboard", { cookie: `postern_session=${TOKEN}` })))?.status, 307);
});

test("the sign-in page itself is never redirected", async () => {
  const proxy = posternProxy({ protect: ["/"] });
  assert.equal(await proxy(request("/sign-in?redirect_to=%2Fx")), undefined);
  assert.equal((await proxy(request("/other")))?.status, 307);
});

test("a valid bearer access token passes; an invalid one is sent to sign in", async () => {
  const proxy = posternProxy({ protect: ["/api/private"], postern });
  const good = await token();
  assert.equal(await proxy(request("/api/private/data", { authorization: `Bearer ${good}` })), undefined);
  const bads = [
    await token({ iss: "https://evil.example" }),
    await token({ aud: "another-app" }),
    await token({ exp: Math.floor(Date.now() / 1000) - 60 }),
    await token({ signWith: otherKey.privateKey }),
    await token({ kid: "unknown" }),
    good.slice(0, -4) + (good.endsWith("AAAA") ? "BBBB" : "AAAA"),
    "not.a.jwt",
    "pst_c6fa2e50ee9e_secret",
  ];
  for (const bad of bads) {
    const res = await proxy(request("/api/private/data", { authorization: `Bearer ${bad}` }));
    assert.equal(res?.status, 307, bad.slice(0, 40));
  }
  // Without postern, bearer tokens are not considered.
  const noKeys = posternProxy({ protect: ["/api/private"] });
  assert.equal((await noKeys(request("/api/private/data", { authorization: `Bearer ${good}` })))?.status, 307);
});

test("verifyAccessToken returns the claims and refuses what is not Postern's", async () => {
  const claims = await verifyAccessToken(postern, await token());
  assert.equal(claims.sub, "usr_1");
  assert.equal(claims.sid, "ses_1");
  assert.equal(claims.email, "alice@example.com");
  assert.equal(claims.iss, ISSUER);
  await assert.rejects(verifyAccessToken(postern, await token({ aud: "x" })), /aud/);
  await assert.rejects(verifyAccessToken(postern, await token({ iss: "x" })), /iss/);
  await assert.rejects(verifyAccessToken(postern, ""), TypeError);
  // An HS256 token made with the public key as a secret (algorithm confusion) is refused.
  const hs = await new SignJWT({})
    .setProtectedHeader({ alg: "HS256", kid: "k1" })
    .setIssuer(ISSUER)
    .setAudience(ISSUER)
    .setSubject("usr_1")
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(new TextEncoder().encode("a-secret-of-at-least-32-bytes-long!!"));
  await assert.rejects(verifyAccessToken(postern, hs), /alg/i);
  // The audience can be configured.
  const custom = createPostern({ baseUrl: fake.url, publicUrl: ISSUER, audience: "my-app" });
  assert.equal((await verifyAccessToken(custom, await token({ aud: "my-app" }))).aud, "my-app");
  // The key set is fetched once per Postern, not per token.
  assert.equal(jwksFetches, 1);
});

test("with postern given, the redirect goes to its configured origin, not the host Next reports", async () => {
  // Next 15 gives middleware http://localhost:PORT/... for an app on 127.0.0.1:PORT.
  const postern = createPostern({ baseUrl: "http://127.0.0.1:8080", publicUrl: "http://127.0.0.1:3000/api/postern" });
  const proxy = posternProxy({ postern, protect: ["/dashboard"] });
  const res = await proxy(new Request("http://localhost:3000/dashboard"));
  assert.equal(res.headers.get("location"), "http://127.0.0.1:3000/sign-in?redirect_to=%2Fdashboard");
});
