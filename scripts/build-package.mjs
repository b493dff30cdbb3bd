// Builds the package in the current directory twice from one tsconfig.json:
// ESM into dist/esm and CommonJS into dist/cjs (with a package.json marking it
// as CommonJS), each with its own .d.ts so `types` conditions match the format.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const tsc = require.resolve("typescript/bin/tsc");
const cwd = process.cwd();

rmSync(join(cwd, "dist"), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, "-p", "tsconfig.json"], { stdio: "inherit" });
execFileSync(
  process.execPath,
  [tsc, "-p", "tsconfig.json", "--outDir", "dist/cjs", "--module", "CommonJS", "--moduleResolution", "Node10"],
  { stdio: "inherit" },
);
mkdirSync(join(cwd, "dist/cjs"), { recursive: true });
writeFileSync(join(cwd, "dist/cjs/package.json"), JSON.stringify({ type: "commonjs" }) + "\n");
