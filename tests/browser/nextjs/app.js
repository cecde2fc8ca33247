// The Next.js example app (examples/nextjs, built with `next build`) served by `next start`
// on a free port, in front of a Postern of its own whose public_url is the app's origin +
// /api/postern, with an API key of the `proxy` scope made by the CLI.

import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, after } from 'node:test';
import { startServer, serverBinary, repoRoot, freePort, envWithoutPostern, launchBrowser } from '../lib/harness.js';

// NEXTJS_APP_DIR: another build of the app (scripts/nextjs-test.sh builds it on Next 15 too).
export const exampleDir = process.env.NEXTJS_APP_DIR || path.join(repoRoot, 'examples', 'nextjs');

/** `postern api-keys create` on the server's database; returns the key. */
function createProxyKey(server) {
  const env = envWithoutPostern();
  env.POSTERN_DATABASE_URL = `sqlite://${path.join(server.dir, 'x.db')}`;
  const out = spawnSync(serverBinary(), ['api-keys', 'create', '--name', 'nextjs', '--scopes', 'proxy'], { env, encoding: 'utf8' });
  const key = /pst_[A-Za-z0-9_-]+/.exec(out.stdout)?.[0];
  if (out.status !== 0 || !key) throw new Error(`api-keys create failed: ${out.stdout}\n${out.stderr}`);
  return key;
}

/**
 * Postern + the example app. `posternEnv` adds Postern settings. Returns
 * `{ postern, appURL, stop() }`.
 */
export async function startApp(posternEnv = {}) {
  const appPort = await freePort();
  // NEXTJS_APP_HOST=localhost for Next 15, whose middleware rewrites a 127.0.0.1 in a
  // redirect's Location to `localhost` (NextURL), moving the browser to another origin.
  const appURL = `http://${process.env.NEXTJS_APP_HOST || '127.0.0.1'}:${appPort}`;
  const postern = await startServer({ POSTERN_PUBLIC_URL: `${appURL}/api/postern`, ...posternEnv });
  const apiKey = createProxyKey(postern);
  const env = {
    ...envWithoutPostern(),
    NEXT_TELEMETRY_DISABLED: '1',
    NODE_ENV: 'production',
    POSTERN_URL: postern.baseURL,
    POSTERN_PUBLIC_URL: `${appURL}/api/postern`,
    POSTERN_API_KEY: apiKey,
  };
  const next = spawn(process.execPath, [path.join(exampleDir, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-H', '127.0.0.1', '-p', String(appPort)], {
    cwd: exampleDir, env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  next.stdout.on('data', (d) => { output += d; });
  next.stderr.on('data', (d) => { output += d; });
  let exited = null;
  const exit = new Promise((resolve) => next.on('exit', (code, signal) => { exited = { code, signal }; resolve(exited); }));
  process.on('exit', () => { try { next.kill('SIGKILL'); } catch { /* gone */ } });
  const stop = async () => {
    if (exited === null) {
      next.kill('SIGTERM');
      if (await Promise.race([exit, sleep(5_000, null, { ref: false })]) === null) {
        next.kill('SIGKILL');
        await exit;
      }
    }
    await postern.stop();
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited !== null) {
      await postern.stop();
      throw new Error(`next start exited (${JSON.stringify(exited)}):\n${output}`);
    }
    try {
      const res = await fetch(`${appURL}/`, { redirect: 'manual' });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`next start did not answer on ${appURL} within 30 s:\n${output}`);
    }
    await sleep(100);
  }
  return { postern, appURL, apiKey, output: () => output, stop };
}

/**
 * The hooks of a describe block that runs the app (Postern settings `posternEnv`) and a
 * Chromium: the returned object has `app` and `browser` once its tests run.
 */
export function useAppAndBrowser(posternEnv = {}) {
  const ctx = {};
  before(async () => {
    ctx.app = await startApp(posternEnv);
    ctx.browser = await launchBrowser();
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.app?.stop();
  });
  return ctx;
}
