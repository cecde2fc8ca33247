// Shared helpers for the browser tests: a Postern server of the test's own (free port,
// fresh temp database), Debian's Chromium through playwright-core, the dev inbox, and a
// watcher that records console errors, uncaught page errors and CSP violations.

import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..', '..');

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The server binary: $POSTERN_BIN, else $CARGO_TARGET_DIR/debug/postern, else target/debug/postern. */
export function serverBinary() {
  if (process.env.POSTERN_BIN) return process.env.POSTERN_BIN;
  const targetDir = process.env.CARGO_TARGET_DIR
    ? path.resolve(repoRoot, process.env.CARGO_TARGET_DIR)
    : path.join(repoRoot, 'target');
  return path.join(targetDir, 'debug', 'postern');
}

/** A port nobody listens on now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const running = new Set();
process.on('exit', () => {
  // Never leave a server behind, even when a test run is torn down abruptly.
  for (const child of running) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

/** This process's environment without its POSTERN_* variables (Postern refuses unknown ones). */
export function envWithoutPostern() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('POSTERN_')));
}

/**
 * Starts `postern serve` on a free port with a fresh temp database and waits until it
 * answers /healthz. `env` adds settings (e.g. POSTERN_RATE_LIMITS__...).
 */
export async function startServer(env = {}) {
  const bin = serverBinary();
  if (!existsSync(bin)) {
    throw new Error(`server binary not found at ${bin}: run cargo build first (or set POSTERN_BIN)`);
  }
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(bin, env);
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}

async function startOnce(bin, extraEnv) {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'postern-browser-'));
  const baseURL = `http://127.0.0.1:${port}`;
  // Only the settings this test chooses: inherited POSTERN_* variables must not leak in.
  const env = envWithoutPostern();
  Object.assign(env, {
    POSTERN_LISTEN: `127.0.0.1:${port}`,
    POSTERN_DATABASE_URL: `sqlite://${path.join(dir, 'x.db')}`,
    POSTERN_LOG__LEVEL: 'warn',
    ...extraEnv,
  });
  const child = spawn(bin, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  let exited = null;
  const exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      resolve(exited);
    });
  });

  const server = {
    baseURL,
    port,
    dir,
    output: () => output,
    url: (p) => new URL(p, baseURL).toString(),
    /** Messages the dev provider delivered to `to`, newest first. */
    async inbox(to) {
      const res = await get(`${baseURL}/dev/inbox.json?to=${encodeURIComponent(to)}`);
      assert.equal(res.status, 200, `dev inbox answered ${res.status}: ${res.body}`);
      return JSON.parse(res.body).messages;
    },
    /** Waits for the newest sign-in message to `to` (at least `count` of them) and returns its code and link. */
    async signInMessage(to, { count = 1, timeout = 10_000 } = {}) {
      const deadline = Date.now() + timeout;
      for (;;) {
        const messages = await server.inbox(to);
        if (messages.length >= count) return parseMessage(messages[0].text);
        if (Date.now() > deadline) throw new Error(`no sign-in message for ${to} after ${timeout} ms`);
        await sleep(100);
      }
    },
    async stop() {
      if (exited === null) {
        child.kill('SIGTERM');
        const killed = await Promise.race([exit, sleep(5_000, null, { ref: false })]);
        if (killed === null) {
          child.kill('SIGKILL');
          await exit;
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exited !== null) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`postern exited early (${JSON.stringify(exited)}):\n${output}`);
    }
    try {
      const res = await get(`${baseURL}/healthz`);
      if (res.status === 200) return server;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`postern did not answer /healthz on ${baseURL} within 15 s:\n${output}`);
    }
    await sleep(50);
  }
}

/**
 * A GET without keep-alive: pooled connections (as fetch keeps them) would hold the test
 * process open for seconds after its last test.
 */
function get(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** The code and the link from a sign-in message's text. */
export function parseMessage(text) {
  const code = /Your code: (\d{6})/.exec(text)?.[1];
  const link = /^(https?:\/\/\S+\/login\/link\?token=\S+)$/m.exec(text)?.[1];
  assert.ok(code, `no code in the message:\n${text}`);
  assert.ok(link, `no link in the message:\n${text}`);
  return { code, link };
}

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/**
 * A browser context (a separate "device": its own cookies) whose pages are watched for
 * console errors, uncaught exceptions and CSP violations. `problems` collects them;
 * `assertClean()` fails the test when there is any.
 */
export async function newWatchedContext(browser, server, options = {}) {
  const context = await browser.newContext({ baseURL: server.baseURL, ...options });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(10_000);
  const problems = [];
  const knownIssues = [];
  // Expected HTTP error answers (e.g. the 403 of a cancelled sign-in): Chromium reports
  // the main document's 4xx as a console error "Failed to load resource", which is not a
  // page problem when the test meant to get that status.
  const expectedStatuses = [];

  // CSP violations seen by the page itself (securitypolicyviolation events), on top of
  // the console errors Chromium prints for them. The binding and init script are
  // injected through DevTools, so the page's own CSP does not block them.
  if (options.javaScriptEnabled !== false) {
    await context.exposeBinding('__posternReportCsp', (source, v) => {
      problems.push(`CSP violation on ${source.page?.url()}: ${v.directive} blocked ${v.blocked} (${v.sample})`);
    });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__posternReportCsp({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
      });
    });
  }

  const watch = (page) => {
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const text = msg.text();
      const where = msg.location()?.url || page.url();
      const m = /^Failed to load resource: the server responded with a status of (\d{3})/.exec(text);
      if (m && expectedStatuses.some((e) => e.status === Number(m[1]) && where.includes(e.path))) return;
      problems.push(`console error on ${where}: ${text}`);
    });
    page.on('pageerror', (err) => problems.push(`uncaught error on ${page.url()}: ${err.message}`));
  };
  context.on('page', watch);

  return {
    context,
    problems,
    knownIssues,
    /** Declares that a navigation to a URL containing `path` is meant to answer `status`. */
    expectStatus(status, path) {
      expectedStatuses.push({ status, path });
    },
    async newPage() {
      return context.newPage();
    },
    assertClean() {
      assert.deepEqual(problems, [], `console errors, page errors or CSP violations:\n${problems.join('\n')}`);
    },
  };
}

/**
 * The hooks of a describe block that runs a server of its own (with the settings `env`)
 * and a Chromium: the returned object has `server` and `browser` once its tests run.
 */
export function useServerAndBrowser(env = {}) {
  const ctx = {};
  before(async () => {
    ctx.server = await startServer(env);
    ctx.browser = await launchBrowser();
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.server?.stop();
  });
  return ctx;
}

/** Fills the login form and waits for the code page. Returns the match number shown. */
export async function startSignIn(page, address, { from = '/login' } = {}) {
  await page.goto(from);
  await page.getByLabel('Email address or phone number').fill(address);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(/\/login\/code\?id=/);
  await assertHeading(page, 'Check your inbox');
  const shown = (await page.locator('.match-number').textContent()).replace(/\D/g, '');
  assert.match(shown, /^\d{2}$/, `the match number is two digits, got ${JSON.stringify(shown)}`);
  return shown;
}

export async function assertHeading(page, text) {
  const heading = page.getByRole('heading', { level: 1 });
  await heading.filter({ hasText: text }).waitFor({ state: 'visible' }).catch(async () => {
    throw new Error(`expected the heading ${JSON.stringify(text)} on ${page.url()}, the page has ${JSON.stringify(await heading.allTextContents())}`);
  });
}

/** The page is /account signed in as `address`. */
export async function assertOnAccount(page, address) {
  assert.equal(new URL(page.url()).pathname, '/account', `expected /account, at ${page.url()}`);
  await assertHeading(page, 'Your account');
  const body = await page.locator('main').innerText();
  assert.match(body, new RegExp(`Signed in as\\s+${address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
}

let counter = 0;
/** A fresh address per use, so per-address rate limits never meet across tests. */
export function uniqueAddress(label) {
  counter += 1;
  return `${label}-${process.pid}-${counter}@example.com`;
}

/** Every visible input has a label (or aria-label) and every button a name. */
export async function assertAllControlsLabelled(page) {
  const unlabelled = await page.evaluate(() => {
    const bad = [];
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden') continue;
      const labelled = (el.labels && el.labels.length > 0 && [...el.labels].some((l) => l.textContent.trim()))
        || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (!labelled) bad.push(el.outerHTML);
    }
    for (const el of document.querySelectorAll('button')) {
      if (!(el.textContent.trim() || el.getAttribute('aria-label'))) bad.push(el.outerHTML);
    }
    return bad;
  });
  assert.deepEqual(unlabelled, [], `controls without an accessible name on ${page.url()}`);
}
