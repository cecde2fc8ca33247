// The account page: devices and signing out.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, newWatchedContext, startSignIn, assertOnAccount, uniqueAddress,
} from './lib/harness.js';

describe('the account page', { timeout: 60_000 }, () => {
  let server;
  let browser;
  before(async () => {
    // Two devices of one address sign in back to back: the once-a-minute limit per address
    // would refuse the second message.
    server = await startServer({ POSTERN_RATE_LIMITS__ENABLED: 'false' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Signs a new device in with the typed code; returns its watched context and page. */
  async function signedInDevice(address, nth) {
    const device = await newWatchedContext(browser, server);
    const page = await device.newPage();
    await startSignIn(page, address);
    const { code } = await server.signInMessage(address, { count: nth });
    await page.getByLabel('6-digit code').fill(code);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/account');
    await assertOnAccount(page, address);
    return { device, page };
  }

  async function assertSignedOut(page) {
    await page.goto('/account');
    await page.waitForURL(/\/login\?/);
    const url = new URL(page.url());
    assert.equal(url.pathname, '/login');
    assert.equal(url.searchParams.get('redirect_to'), '/account');
    await page.getByLabel('Email address or phone number').waitFor();
  }

  it('sign out everywhere returns to /login and /account then redirects to /login on every device', async () => {
    const address = uniqueAddress('everywhere');
    const first = await signedInDevice(address, 1);
    const second = await signedInDevice(address, 2);
    try {
      await first.page.reload();
      assert.equal(await first.page.locator('ul.sessions > li').count(), 2, 'both devices are listed');
      assert.equal(await first.page.getByText('this device', { exact: true }).count(), 1);

      await first.page.getByRole('button', { name: 'Sign out everywhere' }).click();
      await first.page.waitForURL(/\/login$/);
      assert.equal(new URL(first.page.url()).pathname, '/login');

      await assertSignedOut(first.page);
      await assertSignedOut(second.page);
      first.device.assertClean();
      second.device.assertClean();
    } finally {
      await first.device.context.close();
      await second.device.context.close();
    }
  });

  it('sign out other devices keeps this one signed in', async () => {
    const address = uniqueAddress('others');
    const first = await signedInDevice(address, 1);
    const second = await signedInDevice(address, 2);
    try {
      await second.page.getByRole('button', { name: 'Sign out other devices' }).click();
      await second.page.waitForURL('**/account');
      await assertOnAccount(second.page, address);
      assert.equal(await second.page.locator('ul.sessions > li').count(), 1);
      await assertSignedOut(first.page);

      await second.page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await second.page.waitForURL(/\/login$/);
      await assertSignedOut(second.page);
      first.device.assertClean();
      second.device.assertClean();
    } finally {
      await first.device.context.close();
      await second.device.context.close();
    }
  });

  it('signing in from /account comes back to /account', async () => {
    const address = uniqueAddress('return');
    const device = await newWatchedContext(browser, server);
    try {
      const page = await device.newPage();
      await page.goto('/account');
      await page.waitForURL(/\/login\?redirect_to=/);
      await startSignIn(page, address, { from: page.url() });
      const { link } = await server.signInMessage(address);
      await page.goto(link);
      await page.waitForURL('**/account');
      await assertOnAccount(page, address);
      device.assertClean();
    } finally {
      await device.context.close();
    }
  });
});
