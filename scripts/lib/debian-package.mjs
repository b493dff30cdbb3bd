// Finding an executable, and installing the Debian package that provides it
// when it is missing and we may (root with apt-get, as in CI). Shared by
// scripts/ensure-nats-server.mjs and scripts/ensure-chromium.mjs.
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";

/** apt-get update + install; chromium alone pulls in ~100 packages. */
const APT_TIMEOUT_MS = 10 * 60_000;

export function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on $PATH, or undefined. */
export function onPath(name) {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** apt-get's path if we may install packages with it (root, apt-get on $PATH), else undefined. */
export function aptGetIfRoot() {
  return process.getuid?.() === 0 ? onPath("apt-get") : undefined;
}

/**
 * `apt-get update`, then `apt-get install -y --no-install-recommends <pkg>`,
 * non-interactive. apt's output goes to ours, or with `quiet` is held back and
 * its last 4000 characters end the error. Throws "`apt-get …` failed (why).
 * <advice>" if a step fails.
 */
export function aptInstall(aptGet, pkg, { quiet = false, advice = "" } = {}) {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const output = quiet ? { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 } : { stdio: "inherit" };
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", pkg]]) {
    const r = spawnSync(aptGet, args, { ...output, env, timeout: APT_TIMEOUT_MS });
    if (r.status !== 0) {
      const tail = quiet ? `\n${`${r.stdout ?? ""}${r.stderr ?? ""}`.slice(-4000)}` : "";
      throw new Error(`\`apt-get ${args.join(" ")}\` failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}). ${advice}${tail}`);
    }
  }
}
