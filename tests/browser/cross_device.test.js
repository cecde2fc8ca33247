// Cross-device approval: the browser that asked waits on /login/code while another
// device opens the link and picks the number it shows.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, newWatchedContext, startSignIn, assertHeading, assertOnAccount, uniqueAddress,
} from './lib/harness.js';

const LEGEND = 'To approve the device that asked, pick the number it shows';

describe('approving a sign-in from another device', { timeout: 60_000 }, () => {
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

  it('picking the number the waiting browser shows signs that browser in by itself', async () => {
    const address = uniqueAddress('approve');
    const a = await newWatchedContext(browser, server);
    const b = await newWatchedContext(browser, server);
    try {
      const waiting = await a.newPage();
      const shown = await startSignIn(waiting, address);
      const { link } = await server.signInMessage(address);

      const approver = await b.newPage();
      await approver.goto(link);
      await assertHeading(approver, 'Sign-in request');
      const details = await approver.locator('dl.details').innerText();
      assert.match(details, /Browser/);
      assert.match(details, /IP address\s+127\.0\.0\.1/);
      assert.match(details, /Time/);
      await approver.getByText('Only approve a sign-in you started yourself.').waitFor();
      await approver.getByRole('button', { name: 'Sign in on this device instead' }).waitFor();
      const numbers = approver.getByRole('group', { name: LEGEND }).locator('button.number');
      const choices = (await numbers.allTextContents()).map((t) => t.trim());
      assert.equal(choices.length, 3);
      assert.equal(new Set(choices).size, 3, `three different numbers, got ${choices}`);
      assert.ok(choices.includes(shown), `the waiting browser's ${shown} is among ${choices}`);

      await numbers.filter({ hasText: shown }).click();
      await assertHeading(approver, 'Sign-in approved');

      // The waiting page polls every 2 s and moves on by itself.
      await waiting.waitForURL('**/account', { timeout: 15_000 });
      await assertOnAccount(waiting, address);

      // The approving device is not signed in by approving.
      await approver.goto('/account');
      await approver.waitForURL(/\/login/);
      assert.equal(new URL(approver.url()).pathname, '/login');

      a.assertClean();
      b.assertClean();
    } finally {
      await a.context.close();
      await b.context.close();
    }
  });

  it('a wrong number cancels the sign-in', async () => {
    const address = uniqueAddress('wrong-number');
    const a = await newWatchedContext(browser, server);
    const b = await newWatchedContext(browser, server);
    // The refusals below are meant: 403 for the cancellation, 400 for the dead link, 410
    // ("This sign-in has ended") for the code of the cancelled request.
    b.expectStatus(403, '/login/link');
    b.expectStatus(400, '/login/link');
    a.expectStatus(410, '/login/code');
    try {
      const waiting = await a.newPage();
      const shown = await startSignIn(waiting, address);
      const { link, code } = await server.signInMessage(address);

      const approver = await b.newPage();
      await approver.goto(link);
      await assertHeading(approver, 'Sign-in request');
      const numbers = approver.getByRole('group', { name: LEGEND }).locator('button.number');
      const wrong = (await numbers.allTextContents()).map((t) => t.trim()).find((n) => n !== shown);
      assert.ok(wrong, 'a decoy number to pick');
      await numbers.filter({ hasText: wrong }).click();
      await assertHeading(approver, 'Sign-in cancelled');
      await approver.getByRole('link', { name: 'Back to sign in' }).waitFor();

      // The waiting page learns that the request is over and stays where it is.
      await waiting.locator('[data-poll-status]').filter({ hasText: /has ended/ }).waitFor({ timeout: 15_000 });
      assert.equal(new URL(waiting.url()).pathname, '/login/code');

      // The link no longer works on the other device, for either choice.
      await approver.goto(link);
      await assertHeading(approver, "This link can't be used");

      // Nor does the code in the browser that asked.
      await waiting.getByLabel('6-digit code').fill(code);
      await waiting.getByRole('button', { name: 'Sign in' }).click();
      await waiting.waitForLoadState();
      assert.notEqual(new URL(waiting.url()).pathname, '/account');
      await assertHeading(waiting, 'This sign-in has ended');

      // Neither browser is signed in.
      for (const page of [waiting, approver]) {
        await page.goto('/account');
        await page.waitForURL(/\/login/);
        assert.equal(new URL(page.url()).pathname, '/login');
      }
      a.assertClean();
      b.assertClean();
    } finally {
      await a.context.close();
      await b.context.close();
    }
  });

  it('without JavaScript the waiting browser finishes an approved sign-in with "I approved it on my other device"', async () => {
    const address = uniqueAddress('nojs-waiting');
    const a = await newWatchedContext(browser, server, { javaScriptEnabled: false });
    const b = await newWatchedContext(browser, server);
    try {
      const waiting = await a.newPage();
      const shown = await startSignIn(waiting, address);
      const done = waiting.getByRole('button', { name: 'I approved it on my other device' });

      // Too early: the page says so and keeps waiting.
      await done.click();
      await waiting.getByRole('status').filter({ hasText: 'Not approved yet' }).waitFor();
      assert.equal(new URL(waiting.url()).pathname, '/login/approved');
      assert.equal((await waiting.locator('.match-number').textContent()).replace(/\D/g, ''), shown);

      const { link } = await server.signInMessage(address);
      const approver = await b.newPage();
      await approver.goto(link);
      await approver.getByRole('group', { name: LEGEND }).getByRole('button', { name: shown, exact: true }).click();
      await assertHeading(approver, 'Sign-in approved');

      await done.click();
      await waiting.waitForURL('**/account');
      await assertOnAccount(waiting, address);
      a.assertClean();
      b.assertClean();
    } finally {
      await a.context.close();
      await b.context.close();
    }
  });

  it('signing in on the approving device instead leaves the waiting browser signed out', async () => {
    const address = uniqueAddress('instead');
    const a = await newWatchedContext(browser, server);
    const b = await newWatchedContext(browser, server);
    try {
      const waiting = await a.newPage();
      await startSignIn(waiting, address);
      const { link } = await server.signInMessage(address);
      const other = await b.newPage();
      await other.goto(link);
      await other.getByRole('button', { name: 'Sign in on this device instead' }).click();
      await other.waitForURL('**/account');
      await assertOnAccount(other, address);
      await waiting.locator('[data-poll-status]').filter({ hasText: /has ended/ }).waitFor({ timeout: 15_000 });
      assert.equal(new URL(waiting.url()).pathname, '/login/code');
      a.assertClean();
      b.assertClean();
    } finally {
      await a.context.close();
      await b.context.close();
    }
  });
});
