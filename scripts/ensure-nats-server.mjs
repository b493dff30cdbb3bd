#!/usr/bin/env node
// Makes sure a nats-server binary is available for the integration tests, looking
// where test/helpers/nats-server.ts looks: $NATS_SERVER, else nats-server on PATH,
// else /usr/sbin/nats-server. If there is none and we are root with apt-get (CI),
// installs the Debian package. Prints one line on success, exits 1 otherwise.
import { spawnSync } from "node:child_process";
import { aptGetIfRoot, aptInstall, isExecutable, onPath } from "./lib/debian-package.mjs";

const FALLBACK = "/usr/sbin/nats-server";
const VERSION_TIMEOUT_MS = 10_000;

function find() {
  return onPath("nats-server") ?? (isExecutable(FALLBACK) ? FALLBACK : undefined);
}

/** "v2.9.10" from `nats-server --version` ("nats-server: v2.9.10"), or undefined if it does not run. */
function version(bin) {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: VERSION_TIMEOUT_MS });
  if (r.status !== 0) return undefined;
  return /v?\d+\.\d+\.\d+\S*/.exec(`${r.stdout}${r.stderr}`)?.[0] ?? "(unknown version)";
}

function ok(bin) {
  const v = version(bin);
  if (!v) return false;
  console.log(`nats-server ${v.startsWith("v") ? v : `v${v}`} at ${bin}`);
  return true;
}

function fail(message) {
  console.error(`ensure-nats-server: ${message}`);
  process.exit(1);
}

const HOW =
  "Install it with `sudo apt-get install nats-server` (Debian/Ubuntu), `brew install nats-server` (macOS), " +
  "or download a release from https://github.com/nats-io/nats-server/releases and set NATS_SERVER=/path/to/nats-server.";

// An explicit NATS_SERVER wins and is never second-guessed: the tests would use it.
const fromEnv = process.env.NATS_SERVER;
if (fromEnv) {
  if (!isExecutable(fromEnv)) fail(`NATS_SERVER=${fromEnv} is not an executable file.`);
  if (!ok(fromEnv)) fail(`NATS_SERVER=${fromEnv} does not run (\`${fromEnv} --version\` failed).`);
  process.exit(0);
}

const found = find();
if (found) {
  if (!ok(found)) fail(`${found} does not run (\`${found} --version\` failed). ${HOW}`);
  process.exit(0);
}

const aptGet = aptGetIfRoot();
if (!aptGet) {
  fail(`nats-server not found on PATH or at ${FALLBACK}. ${HOW}`);
}

console.log("ensure-nats-server: nats-server not found; installing it with apt-get");
try {
  aptInstall(aptGet, "nats-server", { advice: HOW });
} catch (err) {
  fail(err.message);
}

const installed = find();
if (!installed || !ok(installed)) fail(`apt-get installed nats-server but it is not on PATH or at ${FALLBACK}. ${HOW}`);
