// Accounts with a password, through the hosted pages only: sign-up verified with the
// code, sign out, forgot password, reset by code and by the emailed link, and logging in
// with the new password. Screenshots of each page land in tests/browser/artifacts/.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  useServerAndBrowser, newWatchedContext, assertHeading, assertOnAccount, uniqueAddress,
  assertAllControlsLabelled,
} from './lib/harness.js';

const artifacts = path.join(path.dirname(fileURLToPath(import.meta.url)), 'artifacts');

/**
 * Every control of the page has an accessible name; a full-page screenshot goes to
 * tests/browser/artifacts/<name>.png.
 */
async function screenshot(page, name) {
  await assertAllControlsLabelled(page);
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

/**
 * Waits for a message to `to` newer than the first `before` ones whose subject matches
 * `subject`; returns its code (the first six digits) and its link (if any).
 */
async function waitForMessage(server, to, before, subject, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const messages = await server.inbox(to);
    const fresh = messages.slice(0, messages.length - before).find((m) => subject.test(m.subject));
    if (fresh) {
      const code = /\b(\d{6})\b/.exec(fresh.text)?.[1];
      const link = /^(https?:\/\/\S+\?token=\S+)$/m.exec(fresh.text)?.[1];
      assert.ok(code, `no code in the message:\n${fresh.text}`);
      return { code, link };
    }
    if (Date.now() > deadline) throw new Error(`no message matching ${subject} for ${to} after ${timeout} ms`);
    await sleep(100);
  }
}

const RESET_SUBJECT = /Reset your|password reset code/;

describe('accounts with a password', { timeout: 90_000 }, () => {
  // One address gets a verification, two resets and their notices back to back: the
  // once-a-minute limit per address would refuse the later ones.
  const ctx = useServerAndBrowser({ POSTERN_RATE_LIMITS__ENABLED: 'false' });

  async function logInWithPassword(page, address, password) {
    await page.goto('/login');
    await page.getByLabel('Email or phone number', { exact: true }).fill(address);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in with password' }).click();
  }

  async function signOut(page) {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/\/login$/);
  }

  /** Forgot password from the login page; returns the inbox size before the message. */
  async function askForReset(page, address) {
    const before = (await ctx.server.inbox(address)).length;
    await page.goto('/login');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForURL('**/forgot-password');
    await assertHeading(page, 'Forgot your password?');
    await page.getByLabel('Your email address or phone number').fill(address);
    await page.getByRole('button', { name: 'Send a reset code' }).click();
    await page.waitForURL(/\/reset-password\?auth_request_id=/);
    await assertHeading(page, 'Choose a new password');
    return before;
  }

  async function assertResetDone(page) {
    await page.waitForURL(/\/login\?done=reset/);
    const notice = await page.getByRole('status').innerText();
    assert.match(notice, /Your password was changed/);
  }

  it('signs up, verifies with the code, resets the password by code and by link, and logs in', async () => {
    const address = uniqueAddress('accounts');
    const first = 'violet-harbour-trumpet-1987';
    const second = 'amber-glacier-pocket-2024';
    const third = 'silent-copper-meadow-4411';
    const device = await newWatchedContext(ctx.browser, ctx.server);
    // A weak password (400) and a wrong password (401) are refused on purpose.
    device.expectStatus(400, '/signup');
    device.expectStatus(401, '/login/password');
    try {
      const page = await device.newPage();

      // Sign-up, from the login page's link.
      await page.goto('/login');
      await screenshot(page, 'login');
      await page.getByRole('link', { name: 'Create an account' }).click();
      await page.waitForURL('**/signup');
      await assertHeading(page, 'Create an account');
      await screenshot(page, 'signup');
      await page.getByLabel('Email address').fill(address);
      await page.getByLabel('Password', { exact: true }).fill('password');
      await page.getByLabel('Name (optional)').fill('Ada');
      await page.getByRole('button', { name: 'Create account' }).click();
      // A weak password: the form again with the reason, the typed fields kept.
      await page.getByRole('alert').waitFor();
      assert.equal(await page.getByLabel('Email address').inputValue(), address);
      assert.equal(await page.getByLabel('Name (optional)').inputValue(), 'Ada');
      assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '', 'never sent back');
      await screenshot(page, 'signup-weak-password');
      await page.getByLabel('Password', { exact: true }).fill(first);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL(/\/login\/code\?id=/);
      await assertHeading(page, 'Check your inbox');
      const verification = await waitForMessage(ctx.server, address, 0, /Confirm your email address/);
      await page.getByLabel('6-digit code').fill(verification.code);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL('**/account');
      await assertOnAccount(page, address);
      await screenshot(page, 'account');
      await signOut(page);

      // Forgot password, reset by code.
      let before = await askForReset(page, address);
      await screenshot(page, 'reset-password-code');
      const byCode = await waitForMessage(ctx.server, address, before, RESET_SUBJECT);
      await page.getByLabel('6-digit code').fill(byCode.code);
      await page.getByLabel('New password').fill(second);
      await page.getByRole('button', { name: 'Change password' }).click();
      await assertResetDone(page);
      await screenshot(page, 'login-after-reset');

      // The old password no longer works; the new one does.
      await logInWithPassword(page, address, first);
      await page.getByRole('alert').filter({ hasText: 'password is not right' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/login/password');
      await screenshot(page, 'login-wrong-password');
      await logInWithPassword(page, address, second);
      await page.waitForURL('**/account');
      await assertOnAccount(page, address);
      await signOut(page);

      // Forgot password again, reset by the emailed link.
      before = await askForReset(page, address);
      const byLink = await waitForMessage(ctx.server, address, before, RESET_SUBJECT);
      assert.ok(byLink.link, 'an emailed reset carries a link');
      assert.match(byLink.link, /\/reset-password\?token=/);
      await page.goto(byLink.link);
      await assertHeading(page, 'Choose a new password');
      assert.equal(await page.getByLabel('6-digit code').count(), 0, 'the link needs no code');
      await screenshot(page, 'reset-password-link');
      await page.getByLabel('New password').fill(third);
      await page.getByRole('button', { name: 'Change password' }).click();
      await assertResetDone(page);

      // The link works once.
      await page.goto(byLink.link);
      await page.getByLabel('New password').fill('another-fresh-phrase-7781');
      device.expectStatus(400, '/reset-password');
      await page.getByRole('button', { name: 'Change password' }).click();
      await assertHeading(page, "This reset can't be used");
      await screenshot(page, 'reset-password-used');

      await logInWithPassword(page, address, third);
      await page.waitForURL('**/account');
      await assertOnAccount(page, address);
      device.assertClean();
    } finally {
      await device.context.close();
    }
  });

  it('changes the profile and the password, adds a phone number and deletes the account', async () => {
    const address = uniqueAddress('settings');
    const phone = '+447911123456';
    const password = 'quartz-lantern-orchard-5150';
    const device = await newWatchedContext(ctx.browser, ctx.server);
    try {
      const page = await device.newPage();
      await page.goto('/signup');
      await page.getByLabel('Email address').fill(address);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL(/\/login\/code\?id=/);
      const verification = await waitForMessage(ctx.server, address, 0, /Confirm your email address/);
      await page.getByLabel('6-digit code').fill(verification.code);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL('**/account');

      // Profile.
      await page.getByLabel('Name', { exact: true }).fill('Ada Lovelace');
      await page.getByLabel('Language').selectOption('de');
      await page.getByRole('button', { name: 'Save profile' }).click();
      await page.waitForURL(/\/account\?done=profile/);
      assert.match(await page.getByRole('status').innerText(), /Your profile was saved/);
      assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Ada Lovelace');
      assert.equal(await page.getByLabel('Language').inputValue(), 'de');

      // Password change (signed in just now: the current password may stay empty).
      await page.getByLabel('New password').fill('tangerine-compass-vessel-3030');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.waitForURL(/\/account\?done=password/);

      // A phone number, confirmed with the texted code.
      const before = (await ctx.server.inbox(phone)).length;
      await page.getByLabel('Add a phone number').fill(phone);
      await page.getByRole('button', { name: 'Send a code by SMS' }).click();
      await page.waitForURL(/\/account\/confirm\?id=/);
      await assertHeading(page, 'Confirm your new address');
      await screenshot(page, 'account-confirm-code');
      const sms = await waitForMessage(ctx.server, phone, before, /.*/);
      await page.getByLabel('6-digit code').fill(sms.code);
      await page.getByRole('button', { name: 'Confirm address' }).click();
      await page.waitForURL(/\/account\?done=identifier/);
      assert.match(await page.locator('main').innerText(), new RegExp(phone.replace('+', '\\+')));
      await screenshot(page, 'account-settings');

      // Deletion needs the box ticked (the refusal answers 400 on purpose).
      device.expectStatus(400, '/account/delete');
      await page.getByRole('button', { name: 'Delete my account' }).click();
      await page.getByRole('alert').filter({ hasText: 'Tick the box' }).waitFor();
      await page.getByLabel('I understand that my account will be deleted for good.').check();
      await page.getByRole('button', { name: 'Delete my account' }).click();
      await page.waitForURL(/\/login\?done=deleted/);
      assert.match(await page.getByRole('status').innerText(), /Your account was deleted/);
      await page.goto('/account');
      await page.waitForURL(/\/login\?redirect_to=/);
      device.assertClean();
    } finally {
      await device.context.close();
    }
  });
});
