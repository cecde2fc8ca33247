// Every hosted page under its strict CSP: no console errors, no uncaught errors, no CSP
// violations. (The other tests check the same on the pages they pass through.)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, newWatchedContext, startSignIn, assertHeading, assertOnAccount, uniqueAddress,
} from './lib/harness.js';

describe('the hosted pages under their content security policy', { timeout: 60_000 }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the watcher notices a CSP violation and a page error', async () => {
    // Guards the test below against passing vacuously.
    const device = await newWatchedContext(browser, server);
    try {
      const page = await device.newPage();
      await page.goto('/login');
      await page.evaluate(() => {
        const s = document.createElement('script');
        s.textContent = 'window.inlineRan = true;';
        document.body.append(s);
        setTimeout(() => { throw new Error('canary'); }, 0);
      });
      await page.waitForTimeout(300);
      assert.equal(await page.evaluate(() => window.inlineRan), undefined, 'the CSP blocked the inline script');
      assert.ok(device.problems.some((p) => /CSP violation.*script-src/.test(p)), device.problems.join('\n'));
      assert.ok(device.problems.some((p) => /console error.*Content Security Policy/i.test(p)), device.problems.join('\n'));
      assert.ok(device.problems.some((p) => /uncaught error.*canary/.test(p)), device.problems.join('\n'));
    } finally {
      await device.context.close();
    }
  });

  // Without a declared icon every browser asks for /favicon.ico, gets a 404 and
  // (Chromium) logs it as a console error.
  it('browsers find an icon instead of logging a failed /favicon.ico', async () => {
    const device = await newWatchedContext(browser, server);
    try {
      const page = await device.newPage();
      const res = await page.goto('/login');
      assert.equal(res.status(), 200);
      const declared = await page.locator('link[rel~="icon"]').count();
      const favicon = await page.request.get('/favicon.ico');
      assert.ok(declared > 0 || favicon.status() < 400,
        `no <link rel="icon"> on /login and GET /favicon.ico answers ${favicon.status()}: Chromium logs that 404 as a console error`);
    } finally {
      await device.context.close();
    }
  });

  it('no console errors or CSP violations on any of these pages', async () => {
    const address = uniqueAddress('pages');
    const asking = await newWatchedContext(browser, server);
    const other = await newWatchedContext(browser, server);
    const noJs = await newWatchedContext(browser, server, { javaScriptEnabled: false });
    // Pages that are meant to answer with an error status.
    asking.expectStatus(400, '/login');
    other.expectStatus(400, '/login/link');
    const visited = [];
    const withoutCsp = [];
    const record = (page) => page.on('response', (res) => {
      if (res.request().resourceType() !== 'document') return;
      visited.push(`${res.status()} ${new URL(res.url()).pathname}`);
      const csp = res.headers()['content-security-policy'] || '';
      if (res.status() < 300 && !(/script-src 'self'/.test(csp) && /default-src 'none'/.test(csp))) {
        withoutCsp.push(`${res.url()}: ${JSON.stringify(csp)}`);
      }
    });
    try {
      const page = await asking.newPage();
      record(page);
      // The login form, and its error for an address that is not one.
      await page.goto('/login');
      await page.getByLabel('Email address or phone number').fill('not an address');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('alert').waitFor();
      assert.equal(await page.getByLabel('Email address or phone number').getAttribute('aria-invalid'), 'true');

      // The code page, polling for a while.
      const shown = await startSignIn(page, address);
      await page.waitForResponse((r) => r.url().includes('/v1/passwordless/status'), { timeout: 5_000 });

      // The approval page on another device, and its answer.
      const { link } = await server.signInMessage(address);
      const approver = await other.newPage();
      record(approver);
      await approver.goto('/login/link?token=not-a-token');
      await assertHeading(approver, "This link can't be used");
      await approver.goto(link);
      await assertHeading(approver, 'Sign-in request');
      await approver.getByRole('button', { name: shown, exact: true }).click();
      await assertHeading(approver, 'Sign-in approved');

      // The waiting page signs in and shows the account.
      await page.waitForURL('**/account', { timeout: 15_000 });
      await assertOnAccount(page, address);

      // The same-browser link page (it submits itself) and the dev inbox.
      const again = uniqueAddress('pages-again');
      await startSignIn(page, again);
      const second = await server.signInMessage(again);
      await page.goto(second.link);
      await page.waitForURL('**/account');
      await page.goto('/dev/inbox');
      await assertHeading(page, 'Dev inbox');

      // The same pages without JavaScript.
      const plain = await noJs.newPage();
      record(plain);
      await plain.goto('/login');
      await plain.goto('/dev/inbox');

      assert.ok(visited.length >= 10, `pages seen: ${visited.join(', ')}`);
      assert.deepEqual(withoutCsp, [], 'every page carries the strict CSP');
      asking.assertClean();
      other.assertClean();
      noJs.assertClean();
    } finally {
      await asking.context.close();
      await other.context.close();
      await noJs.context.close();
    }
  });
});
