// End to end through the Next.js example app (examples/nextjs, `next build` + `next
// start`) and a real Postern, in Debian's Chromium: sign in by code and by link, sign up
// → verify → dashboard, forgot → reset → log in, the dashboard refused after sign-out and
// to a forged, replayed or expired session cookie. Screenshots land in
// tests/browser/artifacts/nextjs-*.png.
//
// Run by scripts/nextjs-test.sh, which builds the package and the app first.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { uniqueAddress } from '../lib/harness.js';
import { useAppAndBrowser } from './app.js';

const artifacts = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');
const PASSWORD = 'quartz-lantern-orchard-5150';
const NEW_PASSWORD = 'harbour-violet-compass-8812';

async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `nextjs-${name}.png`), fullPage: true });
}

/** The newest message to `to` beyond the first `before`, whose subject matches. */
async function nextMessage(postern, to, before, subject = /./) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const messages = await postern.inbox(to);
    const fresh = messages.slice(0, messages.length - before).find((m) => subject.test(m.subject));
    if (fresh) {
      return {
        code: /\b(\d{6})\b/.exec(fresh.text)?.[1],
        link: /^(https?:\/\/\S+\?token=\S+)$/m.exec(fresh.text)?.[1],
        message: fresh,
      };
    }
    if (Date.now() > deadline) throw new Error(`no message for ${to} matching ${subject}`);
    await sleep(100);
  }
}

/** A browser context (its own cookies) on the app, failing on page errors. */
async function device(browser, app) {
  const context = await browser.newContext({ baseURL: app.appURL });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  const problems = [];
  context.on('page', (page) => {
    page.on('pageerror', (err) => problems.push(`uncaught error on ${page.url()}: ${err.message}`));
  });
  return { context, problems, page: await context.newPage() };
}

async function assertOnDashboard(page, address) {
  await page.waitForURL((u) => u.pathname === '/dashboard');
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  assert.match(await page.getByTestId('signed-in-as').innerText(), new RegExp(address.replace(/[.+]/g, '\\$&')));
  // The client hook sees the same session through the route handler.
  await page.locator('[data-testid="client-session"][data-status="authenticated"]').waitFor();
  assert.match(await page.getByTestId('client-session').innerText(), new RegExp(address.replace(/[.+]/g, '\\$&')));
}

async function assertSentToSignIn(page) {
  await page.goto('/dashboard');
  await page.waitForURL((u) => u.pathname === '/sign-in');
  assert.equal(new URL(page.url()).searchParams.get('redirect_to'), '/dashboard');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}

/** Starts a passwordless sign-in from the app's sign-in page; returns the inbox size before. */
async function startSignIn(page, postern, address) {
  const before = (await postern.inbox(address)).length;
  await assertSentToSignIn(page);
  await page.locator('#email').fill(address);
  await page.getByRole('button', { name: 'Email me a code' }).click();
  await page.waitForURL((u) => u.pathname === '/sign-in/code');
  return before;
}

async function sessionCookie(context) {
  return (await context.cookies()).find((c) => c.name === 'postern_session');
}

describe('the Next.js example app on Postern', { timeout: 180_000 }, () => {
  // One message per address per second instead of per minute: the reset test asks for a
  // reset right after the sign-up's verification message.
  const ctx = useAppAndBrowser({ POSTERN_RATE_LIMITS__PER_IDENTIFIER_INTERVAL: '1s' });

  it('signs in with the code from the inbox, and the proxy sends visitors to sign in first', async () => {
    const { context, page, problems } = await device(ctx.browser, ctx.app);
    try {
      const address = uniqueAddress('next-code');
      const before = await startSignIn(page, ctx.app.postern, address);
      const url = new URL(page.url());
      assert.match(url.searchParams.get('id'), /\S{8,}/);
      assert.match(url.searchParams.get('match') ?? '', /^\d{2}$/);
      await screenshot(page, 'code');
      const { code } = await nextMessage(ctx.app.postern, address, before);
      await page.getByLabel('Code').fill(code);
      await page.getByRole('button', { name: 'Continue' }).click();
      await assertOnDashboard(page, address);
      const cookie = await sessionCookie(context);
      assert.ok(cookie, 'a first-party session cookie');
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Lax');
      await screenshot(page, 'dashboard');
      // The session Postern made records the browser, not the app server: the app's
      // proxy key named the end user's user agent.
      const { status, listed } = await page.evaluate(async () => {
        const res = await fetch('/api/postern/v1/sessions');
        return { status: res.status, listed: await res.json() };
      });
      assert.equal(status, 200, JSON.stringify(listed));
      assert.match(JSON.stringify(listed), /HeadlessChrome|Chrome/);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it('a wrong code is told in place, and the right one still works', async () => {
    const { context, page } = await device(ctx.browser, ctx.app);
    try {
      const address = uniqueAddress('next-wrong');
      const before = await startSignIn(page, ctx.app.postern, address);
      const { code } = await nextMessage(ctx.app.postern, address, before);
      const wrong = code === '000000' ? '111111' : '000000';
      await page.getByLabel('Code').fill(wrong);
      await page.getByRole('button', { name: 'Continue' }).click();
      // (Next's route announcer is a role=alert too: the form's own error is [data-error].)
      const alert = page.locator('p[data-error]');
      await alert.waitFor();
      assert.equal(await alert.getAttribute('data-error'), 'invalid_code');
      assert.ok(!(await alert.innerText()).includes(code));
      await page.getByLabel('Code').fill(code);
      await page.getByRole('button', { name: 'Continue' }).click();
      await assertOnDashboard(page, address);
    } finally {
      await context.close();
    }
  });

  it('signs in with the magic link, which lands on the app and never signs in a scanner', async () => {
    const { context, page, problems } = await device(ctx.browser, ctx.app);
    try {
      const address = uniqueAddress('next-link');
      const before = await startSignIn(page, ctx.app.postern, address);
      const { link } = await nextMessage(ctx.app.postern, address, before);
      assert.ok(link.startsWith(`${ctx.app.appURL}/api/postern/login/link?token=`), link);
      // A mail scanner fetching the link gets a page and consumes nothing.
      const scanned = await fetch(link, { redirect: 'manual' });
      assert.equal(scanned.status, 200);
      assert.equal(scanned.headers.get('cache-control'), 'private, no-store');
      await page.goto(link);
      await assertOnDashboard(page, address);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it('signs up, verifies with the code and lands on the dashboard', async () => {
    const { context, page } = await device(ctx.browser, ctx.app);
    try {
      const address = uniqueAddress('next-signup');
      await page.goto('/sign-up');
      await page.getByLabel('Name').fill('Ada Lovelace');
      await page.getByLabel('Email').fill(address);
      await page.getByLabel('Password').fill(PASSWORD);
      await screenshot(page, 'sign-up');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL((u) => u.pathname === '/sign-in/code');
      const { code } = await nextMessage(ctx.app.postern, address, 0);
      await page.getByLabel('Code').fill(code);
      await page.getByRole('button', { name: 'Continue' }).click();
      await assertOnDashboard(page, address);
    } finally {
      await context.close();
    }
  });

  it('forgot → reset with the code → logs in with the new password', async () => {
    const address = uniqueAddress('next-reset');
    // An account with a password first.
    {
      const { context, page } = await device(ctx.browser, ctx.app);
      await page.goto('/sign-up');
      await page.getByLabel('Email').fill(address);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL((u) => u.pathname === '/sign-in/code');
      const { code } = await nextMessage(ctx.app.postern, address, 0);
      await page.getByLabel('Code').fill(code);
      await page.getByRole('button', { name: 'Continue' }).click();
      await assertOnDashboard(page, address);
      await context.close();
    }
    await sleep(1_100);
    const { context, page } = await device(ctx.browser, ctx.app);
    try {
      const before = (await ctx.app.postern.inbox(address)).length;
      await page.goto('/sign-in');
      await page.getByRole('link', { name: 'Forgot your password?' }).click();
      await page.waitForURL((u) => u.pathname === '/forgot-password');
      await page.getByLabel('Email').fill(address);
      await page.getByRole('button', { name: 'Send me a code' }).click();
      await page.waitForURL((u) => u.pathname === '/reset-password');
      const { code } = await nextMessage(ctx.app.postern, address, before, /reset/i);
      await page.getByLabel('Code').fill(code);
      await page.getByLabel('New password').fill(NEW_PASSWORD);
      await screenshot(page, 'reset');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.waitForURL((u) => u.pathname === '/sign-in' || u.pathname === '/dashboard');
      if (new URL(page.url()).pathname === '/dashboard') {
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.waitForURL((u) => u.pathname === '/sign-in');
      }
      // The old password no longer works; the new one does.
      await page.locator('#login-email').fill(address);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in with password' }).click();
      const alert = page.locator('p[data-error]');
      await alert.waitFor();
      assert.equal(await alert.getAttribute('data-error'), 'invalid_credentials');
      await page.locator('#login-email').fill(address);
      await page.getByLabel('Password').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Sign in with password' }).click();
      await assertOnDashboard(page, address);
    } finally {
      await context.close();
    }
  });

  it('after sign-out the dashboard is refused, even to the old cookie replayed', async () => {
    const { context, page } = await device(ctx.browser, ctx.app);
    try {
      const address = uniqueAddress('next-out');
      const before = await startSignIn(page, ctx.app.postern, address);
      const { code } = await nextMessage(ctx.app.postern, address, before);
      await page.getByLabel('Code').fill(code);
      await page.getByRole('button', { name: 'Continue' }).click();
      await assertOnDashboard(page, address);
      const old = await sessionCookie(context);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL((u) => u.pathname === '/sign-in');
      assert.equal(await sessionCookie(context), undefined, 'the cookie is gone');
      await assertSentToSignIn(page);
      // The proxy lets a well-formed cookie through; the data-access layer refuses it.
      await context.addCookies([{ ...old }]);
      await assertSentToSignIn(page);
    } finally {
      await context.close();
    }
  });

  it('a forged session cookie is refused by the data-access layer', async () => {
    const { context, page } = await device(ctx.browser, ctx.app);
    try {
      const url = new URL(ctx.app.appURL);
      await context.addCookies([{
        name: 'postern_session', value: 'AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB',
        domain: url.hostname, path: '/', httpOnly: true, sameSite: 'Lax',
      }]);
      await assertSentToSignIn(page);
      await screenshot(page, 'refused');
      // getSession (the home page) answers too: a signed-out answer from Postern once
      // hung every page that asked (a tee'd fetch body cancelled).
      const home = await page.goto('/');
      assert.equal(home.status(), 200);
      await page.getByRole('link', { name: 'Sign in' }).waitFor();
    } finally {
      await context.close();
    }
  });

  it('the route handler never serves the admin API, even with the app key behind it', async () => {
    for (const p of ['/api/postern/admin/v1/users', '/api/postern/admin%2Fv1/users', '/api/postern/metrics', '/api/postern/dev/inbox.json']) {
      const res = await fetch(`${ctx.app.appURL}${p}`);
      assert.equal(res.status, 404, p);
      assert.ok(!(await res.text()).includes('"items"'), p);
    }
    // A cross-site form post through the handler is refused before Postern sees it.
    const res = await fetch(`${ctx.app.appURL}/api/postern/v1/logout`, {
      method: 'POST', headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
    });
    assert.equal(res.status, 403);
  });
});

describe('an expired session on the Next.js example app', { timeout: 120_000 }, () => {
  // Sessions idle out after 4 s on this Postern.
  const ctx = useAppAndBrowser({ POSTERN_SESSIONS__IDLE_LIFETIME: '4s' });

  it('the browser still holds the cookie; the dashboard refuses it', async () => {
    const { context, page } = await device(ctx.browser, ctx.app);
    try {
      const address = uniqueAddress('next-expired');
      const before = await startSignIn(page, ctx.app.postern, address);
      const { code } = await nextMessage(ctx.app.postern, address, before);
      await page.getByLabel('Code').fill(code);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL((u) => u.pathname === '/dashboard');
      await sleep(5_000);
      assert.ok(await sessionCookie(context), 'the browser still sends its cookie');
      await assertSentToSignIn(page);
    } finally {
      await context.close();
    }
  });
});
