#!/usr/bin/env node
// Makes sure a Chromium binary is available for the browser row of the runtime
// matrix (scripts/runtime-matrix.mjs drives it with playwright-core, which
// downloads no browser of its own). Looks at $CHROMIUM, else /usr/bin/chromium.
// If there is none and we are root with apt-get (CI), installs the Debian
// package `chromium`, as scripts/ensure-nats-server.mjs does for nats-server.
// Prints one line on success, exits 1 otherwise.
//
// Importable too: `ensureChromium()` returns the path or throws.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { aptGetIfRoot, aptInstall, isExecutable } from "./lib/debian-package.mjs";

export const DEFAULT_CHROMIUM = "/usr/bin/chromium";
const VERSION_TIMEOUT_MS = 30_000;

const HOW =
  "Install it with `sudo apt-get install chromium` (Debian/Ubuntu), or set CHROMIUM=/path/to/chromium " +
  "(any Chromium or Chrome build that playwright-core can drive).";

/** "Chromium 156.0.8078.108 built on Debian ..." or undefined if it does not run. */
function version(bin) {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: VERSION_TIMEOUT_MS });
  if (r.status !== 0) return undefined;
  return `${r.stdout}${r.stderr}`.trim().split("\n")[0] || "(unknown version)";
}

/** The Chromium binary to use; installs the Debian package when root and missing. Throws if there is none. */
export function ensureChromium({ quiet = false } = {}) {
  const say = (s) => {
    if (!quiet) console.log(s);
  };
  const fromEnv = process.env.CHROMIUM;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`CHROMIUM=${fromEnv} is not an executable file.`);
    const v = version(fromEnv);
    if (!v) throw new Error(`CHROMIUM=${fromEnv} does not run (\`${fromEnv} --version\` failed).`);
    say(`${v} at ${fromEnv}`);
    return fromEnv;
  }
  if (isExecutable(DEFAULT_CHROMIUM)) {
    const v = version(DEFAULT_CHROMIUM);
    if (!v) throw new Error(`${DEFAULT_CHROMIUM} does not run (\`${DEFAULT_CHROMIUM} --version\` failed). ${HOW}`);
    say(`${v} at ${DEFAULT_CHROMIUM}`);
    return DEFAULT_CHROMIUM;
  }
  const aptGet = aptGetIfRoot();
  if (!aptGet) {
    throw new Error(`chromium not found at ${DEFAULT_CHROMIUM}. ${HOW}`);
  }
  say("ensure-chromium: chromium not found; installing it with apt-get");
  // quiet apt output unless something fails: chromium pulls in ~100 packages
  aptInstall(aptGet, "chromium", { quiet: true, advice: HOW });
  const v = isExecutable(DEFAULT_CHROMIUM) ? version(DEFAULT_CHROMIUM) : undefined;
  if (!v) throw new Error(`apt-get installed chromium but ${DEFAULT_CHROMIUM} does not run. ${HOW}`);
  say(`${v} at ${DEFAULT_CHROMIUM}`);
  return DEFAULT_CHROMIUM;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureChromium();
  } catch (err) {
    console.error(`ensure-chromium: ${err.message}`);
    process.exit(1);
  }
}
