import { startServer, launchBrowser, startSignIn } from './lib/harness.js';
const s = await startServer();
const b = await launchBrowser();
const log = (...a) => console.log(...a);
async function mk(opts={}) { const c = await b.newContext({ baseURL: s.baseURL, ...opts }); const p = await c.newPage();
  p.on('console', m => log('  [console]', m.type(), m.text())); return p; }
// 15: waiting browser without JS, approved elsewhere
{
  const a = await mk({ javaScriptEnabled: false }); const bb = await mk();
  const shown = await startSignIn(a, 'nojs-wait@example.com');
  const { link } = await s.signInMessage('nojs-wait@example.com');
  await bb.goto(link);
  await bb.getByRole('button', { name: shown, exact: true }).click();
  log('B:', await bb.locator('h1').textContent());
  log('A status text:', await a.locator('[data-poll-status]').textContent());
  const r = await a.reload();
  log('A reload:', r.status(), a.url(), await a.locator('h1').textContent(), '|', await a.locator('main p').nth(1).textContent());
  await a.goto('/account'); log('A /account ->', a.url());
}
// 17: back after sign out everywhere
{
  const a = await mk();
  await startSignIn(a, 'back@example.com');
  const { code } = await s.signInMessage('back@example.com');
  await a.getByLabel('6-digit code').fill(code);
  await a.getByRole('button', { name: 'Sign in' }).click();
  await a.waitForURL('**/account');
  await a.getByRole('button', { name: 'Sign out everywhere' }).click();
  await a.waitForURL(/login$/);
  await a.goBack(); await a.waitForLoadState();
  log('back after sign out:', a.url(), await a.locator('h1').textContent());
}
// 23: resend immediately
{
  const a = await mk();
  const n1 = await startSignIn(a, 'resend@example.com');
  await a.getByRole('button', { name: 'Send a new code' }).click();
  await a.waitForLoadState();
  log('resend:', a.url(), await a.locator('h1').textContent(), '|', await a.locator('.error, .notice').allTextContents(), 'aria-invalid', await a.locator('#code').getAttribute('aria-invalid'));
}
// phone
{
  const a = await mk();
  await a.goto('/login');
  await a.getByLabel('Email address or phone number').fill('+44 20 7946 0958');
  await a.getByRole('button', { name: 'Continue' }).click();
  await a.waitForLoadState();
  log('phone:', a.url(), await a.locator('h1').textContent(), await a.locator('main p').nth(1).textContent());
  const res = await fetch(s.url('/dev/inbox.json?to=' + encodeURIComponent('+442079460958')));
  log('sms', JSON.stringify((await res.json()).messages[0]?.text));
}
await b.close(); await s.stop();
