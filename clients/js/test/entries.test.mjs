// The package's entry points: what each resolves to, what each may import.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

function resolveWith(conditions, specifier) {
  const args = [...conditions.map((c) => `--conditions=${c}`), "--input-type=module", "-e", `console.log(import.meta.resolve(${JSON.stringify(specifier)}))`];
  return execFileSync(process.execPath, args, { cwd: root, encoding: "utf8" }).trim();
}

/** Bare (package) imports of a built file and, recursively, of the files it imports. */
function bareImports(file, seen = new Set()) {
  if (seen.has(file)) return [];
  seen.add(file);
  const text = readFileSync(file, "utf8");
  const out = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)|(?:^|\n)\s*import\s+"([^"]+)"/g)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec.startsWith(".")) out.push(...bareImports(resolve(dirname(file), spec), seen));
    else out.push(spec);
  }
  return [...new Set(out)];
}

test("package.json: name, module type, exports and dependencies as promised", () => {
  assert.equal(pkg.name, "@postern/next");
  assert.equal(pkg.type, "module");
  assert.equal(pkg.sideEffects, false);
  assert.deepEqual(pkg.files, ["dist", "README.md"]);
  assert.deepEqual(pkg.dependencies, { jose: "6.2.19" });
  assert.deepEqual(pkg.peerDependencies, { next: ">=15.0.0", react: ">=19.0.0" });
  assert.deepEqual(pkg.exports["./server"], {
    types: "./dist/server.d.ts",
    "react-server": "./dist/server.js",
    default: "./dist/server-only.js",
  });
});

test("@postern/next/server is the real module only under the react-server condition", () => {
  assert.equal(resolveWith(["react-server"], "@postern/next/server"), `file://${dist}/server.js`);
  assert.equal(resolveWith([], "@postern/next/server"), `file://${dist}/server-only.js`);
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", 'await import("@postern/next/server")'], {
    cwd: root,
    encoding: "utf8",
  });
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /@postern\/next\/server can only be used in server code: Server Components, server actions, route handlers/);
  for (const [entry, file] of [
    ["@postern/next", "index.js"],
    ["@postern/next/proxy", "proxy.js"],
    ["@postern/next/client", "client.js"],
    ["@postern/next/admin", "admin.js"],
  ]) {
    assert.equal(resolveWith([], entry), `file://${dist}/${file}`, entry);
  }
});

test("the internal modules are not reachable through the package name", () => {
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", 'await import("@postern/next/dist/core.js")'], {
    cwd: root,
    encoding: "utf8",
  });
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /ERR_PACKAGE_PATH_NOT_EXPORTED/);
});

test("the pure entries import nothing from Next", () => {
  assert.deepEqual(bareImports(join(dist, "index.js")), []);
  assert.deepEqual(bareImports(join(dist, "proxy.js")).sort(), ["jose/jwks/remote", "jose/jwt/verify"]);
  assert.deepEqual(bareImports(join(dist, "admin.js")), []);
  assert.deepEqual(bareImports(join(dist, "client.js")), ["react"]);
  assert.deepEqual(bareImports(join(dist, "handler.js")), []);
  // The Next binding is the only place that imports next/*, with full specifiers so
  // that Node's ESM loader can load them too.
  assert.deepEqual(bareImports(join(dist, "server.js")).sort(), ["jose/jwks/remote", "jose/jwt/verify", "next/headers.js", "next/navigation.js", "react"]);
});

test("the client entry starts with the 'use client' directive", () => {
  const text = readFileSync(join(dist, "client.js"), "utf8");
  assert.match(text, /^"use client";\n/);
});

test("every entry loads and exports the promised names", async () => {
  const index = await import("../dist/index.js");
  for (const name of ["createPostern", "PosternError", "POSTERN_COOKIES", "cookieName", "cookieNames", "isPosternCookie", "defaultClientIp", "safeRedirectPath"]) {
    assert.equal(typeof index[name] === "function" || typeof index[name] === "object", true, name);
  }
  const server = await import("../dist/server.js");
  for (const name of ["getSession", "requireSession", "getAccessToken", "verifyAccessToken", "posternActions", "createPosternHandler"]) {
    assert.equal(typeof server[name], "function", name);
  }
  const proxy = await import("../dist/proxy.js");
  assert.equal(typeof proxy.posternProxy, "function");
  const admin = await import("../dist/admin.js");
  assert.equal(typeof admin.createPosternClient, "function");
  assert.equal(typeof admin.PosternError, "function");
  const client = await import("../dist/client.js");
  assert.equal(typeof client.useSession, "function");
  assert.equal(typeof client.useSignOut, "function");
  const actions = server.posternActions(index.createPostern({ baseUrl: "http://127.0.0.1:8080" }));
  assert.deepEqual(Object.keys(actions).sort(), [
    "forgotPassword",
    "logIn",
    "resendCode",
    "resetPassword",
    "signOut",
    "signUp",
    "startSignIn",
    "verifyCode",
  ]);
  const handler = server.createPosternHandler(index.createPostern({ baseUrl: "http://127.0.0.1:8080" }));
  assert.deepEqual(Object.keys(handler).sort(), ["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"]);
});

test("the public types compile as an app uses them", () => {
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const run = spawnSync(process.execPath, [tsc, "-p", join(root, "test", "types")], { cwd: root, encoding: "utf8" });
  assert.equal(run.status, 0, run.stdout + run.stderr);
});
