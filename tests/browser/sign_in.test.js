// Signing in within one browser: the link, the typed code, and the link without JavaScript.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, newWatchedContext, startSignIn, assertHeading, assertOnAccount, uniqueAddress,
  assertAllControlsLabelled,
} from './lib/harness.js';

describe('signing in in the same browser', { timeout: 60_000 }, () => {
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

  it('the link signs in with one click in the browser that asked', async () => {
    const address = uniqueAddress('link');
    const device = await newWatchedContext(browser, server);
    try {
      const page = await device.newPage();
      await startSignIn(page, address);
      const { link } = await server.signInMessage(address);
      // Opening the link is the click: the page posts its form by itself.
      await page.goto(link);
      await page.waitForURL('**/account');
      await assertOnAccount(page, address);
      await assert.doesNotReject(page.getByText('this device', { exact: true }).waitFor());
      device.assertClean();
    } finally {
      await device.context.close();
    }
  });

  it('typing the code from the inbox signs in', async () => {
    const address = uniqueAddress('code');
    const device = await newWatchedContext(browser, server);
    try {
      const page = await device.newPage();
      await startSignIn(page, address);
      const { code } = await server.signInMessage(address);
      // Pasted with a space, as some mail clients show it; the field keeps the digits.
      await page.getByLabel('6-digit code').fill(`${code.slice(0, 3)} ${code.slice(3)}`);
      assert.equal(await page.getByLabel('6-digit code').inputValue(), code);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL('**/account');
      await assertOnAccount(page, address);
      device.assertClean();
    } finally {
      await device.context.close();
    }
  });

  it('a wrong code is refused with a message tied to the field', async () => {
    const address = uniqueAddress('wrong-code');
    const device = await newWatchedContext(browser, server);
    device.expectStatus(400, '/login/code');
    try {
      const page = await device.newPage();
      await startSignIn(page, address);
      const { code } = await server.signInMessage(address);
      const wrong = code === '000000' ? '111111' : '000000';
      await page.getByLabel('6-digit code').fill(wrong);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
      assert.equal(new URL(page.url()).pathname, '/login/code');
      const field = page.getByLabel('6-digit code');
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
      assert.equal(await field.getAttribute('aria-describedby'), 'code-error');
      // The right code still works afterwards.
      await field.fill(code);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL('**/account');
      await assertOnAccount(page, address);
      device.assertClean();
    } finally {
      await device.context.close();
    }
  });

  it('without JavaScript the link page shows a Continue button that signs in', async () => {
    const address = uniqueAddress('nojs');
    const device = await newWatchedContext(browser, server, { javaScriptEnabled: false });
    try {
      const page = await device.newPage();
      await startSignIn(page, address);
      const { link } = await server.signInMessage(address);
      await page.goto(link);
      await assertHeading(page, 'Signing you in');
      // Nothing submits by itself without JavaScript: the page waits for the person.
      assert.equal(new URL(page.url()).pathname, '/login/link');
      await page.getByRole('button', { name: 'Continue to Postern' }).click();
      await page.waitForURL('**/account');
      await assertOnAccount(page, address);
      device.assertClean();
    } finally {
      await device.context.close();
    }
  });

  it('the form controls have accessible labels', async () => {
    const address = uniqueAddress('labels');
    const asking = await newWatchedContext(browser, server);
    const other = await newWatchedContext(browser, server);
    try {
      const page = await asking.newPage();
      await page.goto('/login');
      const identifier = page.getByLabel('Email address or phone number');
      assert.equal(await identifier.getAttribute('name'), 'identifier');
      await assertAllControlsLabelled(page);

      await startSignIn(page, address);
      assert.equal(await page.getByLabel('6-digit code').getAttribute('id'), 'code');
      const shown = (await page.locator('.match-number').textContent()).replace(/\D/g, '');
      assert.equal(await page.getByText(`Number to pick: ${shown}`).count(), 1, 'the number is announced with its purpose');
      await assertAllControlsLabelled(page);

      // The approval page on another device: the three numbers form a named group.
      const { link } = await server.signInMessage(address);
      const approver = await other.newPage();
      await approver.goto(link);
      await assertHeading(approver, 'Sign-in request');
      const group = approver.getByRole('group', { name: 'To approve the device that asked, pick the number it shows' });
      assert.equal(await group.getByRole('button').count(), 3);
      for (const name of await group.getByRole('button').allTextContents()) {
        assert.match(name.trim(), /^\d{2}$/);
      }
      await assertAllControlsLabelled(approver);
      asking.assertClean();
      other.assertClean();
    } finally {
      await asking.context.close();
      await other.context.close();
    }
  });
});
