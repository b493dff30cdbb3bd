// Builds the package in the current directory twice from one tsconfig.json:
// ESM into dist/esm and CommonJS into dist/cjs (with a package.json marking it
// as CommonJS), each with its own .d.ts so `types` conditions match the format.
// The output is built in a temporary folder and swapped in at the end, so a
// build never leaves a half-empty dist/ for a process reading it meanwhile.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const tsc = require.resolve("typescript/bin/tsc");
const cwd = process.cwd();
const tmp = join(cwd, `.dist-${process.pid}`);
const dist = join(cwd, "dist");

rmSync(tmp, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.json", "--outDir", join(tmp, "esm")], { stdio: "inherit" });
  execFileSync(
    process.execPath,
    [tsc, "-p", "tsconfig.json", "--outDir", join(tmp, "cjs"), "--module", "CommonJS", "--moduleResolution", "Node10"],
    { stdio: "inherit" },
  );
  mkdirSync(join(tmp, "cjs"), { recursive: true });
  writeFileSync(join(tmp, "cjs/package.json"), JSON.stringify({ type: "commonjs" }) + "\n");
  const old = join(cwd, `.dist-old-${process.pid}`);
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(tmp, dist);
  rmSync(old, { recursive: true, force: true });
} catch (err) {
  rmSync(tmp, { recursive: true, force: true });
  process.exitCode = 1;
  if (!(err && err.status)) throw err;
}
