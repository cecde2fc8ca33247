// Test helpers: a fake Postern on a real port, and a fake request context for the core.
import { createServer } from "node:http";

/** A user and a session as Postern's `SignedInView` gives them. */
export const USER = Object.freeze({
  id: "usr_0000000000000000000001",
  email: "alice@example.com",
  phone: null,
  created_at: "2026-01-02T03:04:05Z",
});
export const SESSION = Object.freeze({
  id: "ses_0000000000000000000001",
  created_at: "2026-01-02T03:04:05Z",
  last_seen_at: "2026-01-02T03:04:05Z",
  expires_at: "2026-02-01T03:04:05Z",
  idle_expires_at: "2026-01-09T03:04:05Z",
  ip: "203.0.113.7",
  user_agent: "Firefox",
  device: "Firefox on Linux",
  current: true,
});
/** A well-formed session cookie value: `<22-char id>.<43-char secret>`. */
export const TOKEN = "-P82aICwKERHdaXFi6P2T-.y_n41s6F5y6p6Q7SLQ6cdJxh3RyhYjhhhkgTFzCLdS8";
export const API_KEY = "pst_c6fa2e50ee9e_jF7a0QROxYsYTuVa7F6l70KgtSgfrFyOpPjGdRszoPc";

/**
 * A fake Postern: records every request (method, path, url, headers, body text) and
 * answers with `fake.handler(record, res)`, which a test replaces. The default answers
 * 404 in Postern's error shape.
 */
export async function startFake() {
  const fake = {
    requests: [],
    handler: (_rec, res) => json(res, 404, { error: "not_found", message: "not found" }),
    url: "",
    close: () => new Promise((resolve) => server.close(resolve)),
    reset() {
      this.requests.length = 0;
      this.handler = (_rec, res) => json(res, 404, { error: "not_found", message: "not found" });
    },
  };
  const server = createServer(async (req, res) => {
    const chunks = [];
    const arrivals = [];
    for await (const chunk of req) {
      chunks.push(chunk);
      arrivals.push(Date.now());
    }
    const url = new URL(req.url, "http://fake");
    const rec = {
      method: req.method,
      path: url.pathname,
      url: req.url,
      search: url.search,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body: Buffer.concat(chunks).toString("utf8"),
      chunks: chunks.length,
      arrivals,
    };
    rec.json = () => JSON.parse(rec.body);
    fake.requests.push(rec);
    try {
      await fake.handler(rec, res);
    } catch (e) {
      res.statusCode = 500;
      res.end(String(e));
    }
  });
  server.keepAliveTimeout = 1;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${server.address().port}`;
  fake.server = server;
  return fake;
}

/** Answers JSON. `cookies`: Set-Cookie lines. */
export function json(res, status, body, { headers = {}, cookies = [] } = {}) {
  res.statusCode = status;
  res.setHeader("content-type", "application/json");
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (cookies.length) res.setHeader("set-cookie", cookies);
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

/** What Next's `redirect()` does: throws. */
export class RedirectSignal extends Error {
  constructor(url) {
    super(`redirect ${url}`);
    this.url = url;
  }
}

/** A request context for `dist/core.js`, recording the cookies set and removed. */
export function fakeContext({ cookies = {}, headers = {} } = {}) {
  const set = [];
  const deleted = [];
  const ctx = {
    headers: new Headers(headers),
    getCookie: (name) => cookies[name],
    setCookie: (c) => set.push(c),
    deleteCookie: (c) => deleted.push(c),
    redirect: (url) => {
      throw new RedirectSignal(url);
    },
  };
  return { ctx, set, deleted };
}

/** A FormData from an object. */
export function form(fields) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  return fd;
}

/** Rejects with the redirect URL, or fails. */
export async function redirectOf(promise) {
  try {
    const value = await promise;
    throw new Error(`expected a redirect, got ${JSON.stringify(value)}`);
  } catch (e) {
    if (e instanceof RedirectSignal) return e.url;
    throw e;
  }
}
