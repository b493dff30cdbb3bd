// Installs the repository's dependencies (npm ci) when they are missing, so
// `npm run demo` and `npm test` work on a fresh clone. Quick when installed.
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const marker = join(root, "node_modules", ".package-lock.json");
const lock = join(root, "package-lock.json");

function installed() {
  if (!existsSync(marker) || !existsSync(join(root, "node_modules", "typescript"))) return false;
  // a lock file newer than the install means dependencies changed since
  return statSync(marker).mtimeMs >= statSync(lock).mtimeMs;
}

if (!installed()) {
  console.log("installing dependencies (npm ci)...");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  execFileSync(npm, ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
}
