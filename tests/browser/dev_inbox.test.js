// The dev inbox as a mail catcher, in a real Chromium: the list shows a new message by
// itself, a message opens on its own page with its HTML part rendered in a sandboxed
// frame (no script runs there), its text with clickable links, and an SMS as a phone
// shows it. Screenshots go to tests/browser/artifacts/.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { useServerAndBrowser, newWatchedContext, assertHeading, assertAllControlsLabelled, uniqueAddress } from './lib/harness.js';

const artifacts = path.join(path.dirname(fileURLToPath(import.meta.url)), 'artifacts');

async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

describe('the dev inbox', { timeout: 90_000 }, () => {
  const ctx = useServerAndBrowser();

  it('shows a new message without a reload and opens it with its parts', async () => {
    const device = await newWatchedContext(ctx.browser, ctx.server);
    try {
      const page = await device.newPage();
      await page.goto('/dev/inbox');
      await assertHeading(page, 'Dev inbox');
      await assertAllControlsLabelled(page);
      const address = uniqueAddress('inbox');
      // Another device starts a sign-in: the open inbox shows it by itself.
      const api = await ctx.browser.newContext({ baseURL: ctx.server.baseURL });
      const started = await api.request.post('/v1/passwordless/start', { data: { email: address } });
      assert.equal(started.status(), 200);
      await api.close();
      const row = page.locator('table.inbox tbody tr', { hasText: address });
      await row.waitFor({ state: 'visible', timeout: 15_000 });
      await screenshot(page, 'dev-inbox-list');

      await row.getByRole('link', { name: address }).click();
      await page.waitForURL(/\/dev\/inbox\/\d+$/);
      const headers = page.locator('table.headers');
      assert.match(await headers.innerText(), new RegExp(`To\\s+${address.replace(/[.+]/g, '\\$&')}`));
      // The HTML part is rendered inside the sandboxed frame, with its links.
      const frameElement = page.locator('iframe.email-html');
      assert.equal(await frameElement.getAttribute('sandbox'), 'allow-popups allow-popups-to-escape-sandbox');
      const frame = page.frameLocator('iframe.email-html');
      const button = frame.locator('a[href*="/login/link?token="]').first();
      await button.waitFor({ state: 'visible' });
      // The text part's link is an anchor too.
      const textLink = page.locator('pre.email-text a[href*="/login/link?token="]');
      assert.equal(await textLink.count(), 1);
      assert.equal(await textLink.getAttribute('target'), '_blank');
      // No script can run in the frame: the sandbox and its CSP both forbid it.
      const scriptRan = await page.evaluate(() => {
        const doc = document.querySelector('iframe.email-html').contentDocument;
        return doc === null ? 'opaque' : 'readable';
      });
      assert.equal(scriptRan, 'opaque', 'the frame is an opaque origin: the page cannot reach into it, nor it out');
      await screenshot(page, 'dev-inbox-email');
      device.assertClean();
    } finally {
      await device.context.close();
    }
  });

  it('shows a text message as a phone would', async () => {
    const device = await newWatchedContext(ctx.browser, ctx.server);
    try {
      const page = await device.newPage();
      const phone = `+1415555${String(1000 + (process.pid % 9000)).padStart(4, '0')}`;
      const started = await page.request.post('/v1/passwordless/start', { data: { phone } });
      assert.equal(started.status(), 200);
      const inbox = await (await page.request.get(`/dev/inbox.json?to=${encodeURIComponent(phone)}&wait=10`)).json();
      const message = inbox.messages[0];
      await page.goto(`/dev/inbox/${message.id}`);
      const bubble = page.locator('.phone .bubble');
      await bubble.waitFor({ state: 'visible' });
      assert.match(await bubble.innerText(), /\d{6}/);
      assert.equal(await page.locator('iframe').count(), 0);
      await screenshot(page, 'dev-inbox-sms');
      device.assertClean();
    } finally {
      await device.context.close();
    }
  });
});
