#!/usr/bin/env node
// Runs every test file (packages/*/test/**/*.test.ts and test/**/*.test.ts) with
// node's test runner and tsx, each file in its own process.
//
//   node scripts/run-tests.mjs                                  all tests
//   node scripts/run-tests.mjs test/integration packages/core   only files under these paths
//   node scripts/run-tests.mjs --test-name-pattern=reconnect    options starting with -- go to node
//                                                                (use the --opt=value form)
//
// TEST_CONCURRENCY sets how many files run at once (default 2: CI has 2 cores and
// every integration file starts its own nats-server processes).
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TEST_TIMEOUT_MS = 60_000;
const MAX_DEPTH = 20; // bounds the walk should a symlink loop sneak in

/** Relative paths (with "/") of *.test.ts files under `dir`, skipping node_modules and dot dirs. */
function collect(dir, depth = 0) {
  if (depth > MAX_DEPTH) return [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const files = [];
  for (const e of entries) {
    if (e.name === "node_modules" || e.name.startsWith(".")) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) files.push(...collect(full, depth + 1));
    else if (e.isFile() && e.name.endsWith(".test.ts")) files.push(path.relative(root, full).split(path.sep).join("/"));
  }
  return files;
}

function allTestFiles() {
  const roots = [path.join(root, "test")];
  for (const pkg of readdirSync(path.join(root, "packages"), { withFileTypes: true })) {
    if (pkg.isDirectory()) roots.push(path.join(root, "packages", pkg.name, "test"));
  }
  return roots.flatMap((d) => collect(d)).sort();
}

function concurrency() {
  const raw = process.env.TEST_CONCURRENCY ?? "2";
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`run-tests: TEST_CONCURRENCY must be a positive integer, got "${raw}"`);
    process.exit(2);
  }
  return n;
}

const args = process.argv.slice(2);
const nodeOptions = args.filter((a) => a.startsWith("--"));
const filters = args.filter((a) => !a.startsWith("--"));

let files = allTestFiles();
if (filters.length > 0) {
  const wanted = filters.map((f) => {
    const abs = path.resolve(process.cwd(), f);
    const rel = path.relative(root, abs).split(path.sep).join("/");
    let isDir = false;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      console.error(`run-tests: no such file or directory: ${f}`);
      process.exit(2);
    }
    return { f, rel, isDir };
  });
  const unmatched = wanted.filter((w) => !files.some((file) => (w.isDir ? file.startsWith(`${w.rel}/`) || w.rel === "" : file === w.rel)));
  if (unmatched.length > 0) {
    console.error(`run-tests: no *.test.ts files match: ${unmatched.map((w) => w.f).join(", ")}`);
    process.exit(2);
  }
  files = files.filter((file) => wanted.some((w) => (w.isDir ? w.rel === "" || file.startsWith(`${w.rel}/`) : file === w.rel)));
}
if (files.length === 0) {
  console.error("run-tests: no test files found (packages/*/test/**/*.test.ts, test/**/*.test.ts)");
  process.exit(1);
}

const nodeArgs = [
  "--import",
  "tsx",
  "--test",
  `--test-concurrency=${concurrency()}`,
  `--test-timeout=${TEST_TIMEOUT_MS}`,
  ...nodeOptions,
  ...files,
];
const child = spawn(process.execPath, nodeArgs, { cwd: root, stdio: "inherit" });
// Pass on signals sent to this process alone (a CI timeout, say); the child's
// exit then ends us with its status.
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("error", (err) => {
  console.error(`run-tests: could not start node: ${err.message}`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  process.exit(code ?? 128 + (os.constants.signals[signal] ?? 0));
});
