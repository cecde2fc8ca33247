#!/usr/bin/env node
// Generates src/generated/openapi.ts from Postern's OpenAPI document.
//
//   npm run generate       write the file
//   npm run check-types    write nothing; exit 1 when the committed file is stale
//
// The document comes from $POSTERN_OPENAPI (a file path) when set, else from
// `${POSTERN_BIN:-<repo>/target/debug/postern} openapi`, which prints the OpenAPI JSON
// of a default configuration.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = resolve(here, "..");
const repoDir = resolve(packageDir, "..", "..");
const target = join(packageDir, "src", "generated", "openapi.ts");
const check = process.argv.includes("--check");

function loadDocument() {
  const file = process.env.POSTERN_OPENAPI;
  if (file) {
    return { text: readFileSync(file, "utf8"), source: `$POSTERN_OPENAPI (${file})` };
  }
  const bin = process.env.POSTERN_BIN || join(repoDir, "target", "debug", "postern");
  try {
    // Postern reads every POSTERN_* variable as configuration and refuses unknown ones
    // (POSTERN_BIN itself would be one): the document is that of a default configuration.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("POSTERN_")));
    const text = execFileSync(bin, ["openapi"], {
      encoding: "utf8",
      env,
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
    return { text, source: `${bin} openapi` };
  } catch (e) {
    console.error(
      `generate-types: could not run \`${bin} openapi\` (${e.code ?? e.message}).\n` +
        "Build Postern first (cargo build), or set POSTERN_BIN to the binary, " +
        "or POSTERN_OPENAPI to a file holding the OpenAPI document.",
    );
    process.exit(2);
  }
}

const { text, source } = loadDocument();
let document;
try {
  document = JSON.parse(text);
} catch (e) {
  console.error(`generate-types: the document from ${source} is not JSON: ${e.message}`);
  process.exit(2);
}
if (typeof document.openapi !== "string" || typeof document.paths !== "object") {
  console.error(`generate-types: the document from ${source} is not an OpenAPI document`);
  process.exit(2);
}

const ast = await openapiTS(document, { alphabetize: true });
const header = [
  "// This file is generated from Postern's OpenAPI document by scripts/generate-types.mjs.",
  "// Do not edit it by hand. To regenerate (from clients/js):",
  "//   npm run generate                                     # runs `target/debug/postern openapi`",
  "//   POSTERN_OPENAPI=path/to/openapi.json npm run generate # or from a saved document",
  "// `npm run check-types` fails when this file is out of date.",
  "",
  "",
].join("\n");
const output = header + astToString(ast);

const shown = relative(process.cwd(), target) || target;
if (check) {
  let current = "";
  try {
    current = readFileSync(target, "utf8");
  } catch {
    // missing: stale
  }
  if (current !== output) {
    console.error(
      `check-types: ${shown} is out of date with Postern's OpenAPI document (${source}).\n` +
        "Run `npm run generate` in clients/js and commit the result.",
    );
    process.exit(1);
  }
  console.log(`check-types: ${shown} is up to date (${source}).`);
} else {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, output);
  console.log(`generate-types: wrote ${shown} from ${source}.`);
}
