#!/usr/bin/env node
// Bundles the browser example (examples/browser/app.ts) with esbuild into
// examples/browser/dist/app.js: ESM, minified, for browsers, from the ESM
// build of @quicknats/core (run `npm run build` first). Fails if the bundle
// pulls in any Node built-in (`node:*`, or a bare `fs`/`net`/... left
// external). Prints the bundle's minified and gzipped sizes.
//
//   node scripts/build-browser-example.mjs
//
// Importable: `bundleForBrowser({ entryPoints, outfile })` bundles any entry
// the same way and returns { bytes, gzip, nodeImports, inputs }.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const EXAMPLE_DIR = path.join(root, "examples/browser");
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/**
 * Bundles `entryPoints` for the browser. `nodeImports` lists every Node
 * built-in the bundle reaches (inputs named node:*, or imports left external);
 * a module a package's `browser` field disables (e.g. tweetnacl's `crypto`)
 * becomes an empty stub and is listed in `disabled`, not there.
 */
export async function bundleForBrowser({ entryPoints, outfile, absWorkingDir = root, minify = true, sourcemap = true }) {
  const result = await build({
    entryPoints,
    outfile,
    absWorkingDir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    minify,
    sourcemap,
    metafile: true,
    logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile.inputs);
  const externals = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
  const nodeImports = [...inputs.filter((i) => i.startsWith("node:") || BUILTINS.has(i)), ...externals.filter((i) => BUILTINS.has(i))];
  const disabled = inputs.filter((i) => i.startsWith("(disabled)"));
  const code = readFileSync(outfile);
  return { bytes: code.length, gzip: gzipSync(code, { level: 9 }).length, nodeImports, disabled, inputs, warnings: result.warnings };
}

/** Builds examples/browser/dist/app.js; throws if it reaches a Node built-in. */
export async function buildBrowserExample() {
  const outfile = path.join(EXAMPLE_DIR, "dist/app.js");
  const r = await bundleForBrowser({ entryPoints: [path.join(EXAMPLE_DIR, "app.ts")], outfile });
  if (r.nodeImports.length > 0) {
    throw new Error(`the browser bundle reaches Node built-ins: ${r.nodeImports.join(", ")}`);
  }
  return { outfile, ...r };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const r = await buildBrowserExample();
    const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
    console.log(`${path.relative(root, r.outfile)}: ${kb(r.bytes)} minified, ${kb(r.gzip)} gzipped, ${r.inputs.length} modules, no Node built-ins`);
  } catch (err) {
    console.error(`build-browser-example: ${err.message}`);
    process.exit(1);
  }
}
