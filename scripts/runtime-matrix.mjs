#!/usr/bin/env node
// The runtime matrix (`npm run test:runtimes`): one scenario
// (test/runtimes/scenario.ts: connect, wildcard subscribe, 1000 messages with
// headers, request/reply, no responders, the diagnostics channels' events (on
// node:diagnostics_channel in Node, Bun and Deno, the core's own channels in
// the browser), @quicknats/otel's spans with the OpenTelemetry SDK, drain,
// closed()) in every runtime and transport, against real nats-server
// processes with TCP and websocket listeners; plus a reconnect scenario (the
// server restarted on the same ports; status and diagnostics events) over
// WebSocket; plus the browser example page driven in headless Chromium, with
// a screenshot in examples/browser/screenshot.png.
//
//   node scripts/runtime-matrix.mjs              every row
//   node scripts/runtime-matrix.mjs deno chromium   rows whose id contains a filter
//   node scripts/runtime-matrix.mjs --verbose    each row's steps, with times
//
// Needs the packages built (`npm run build`, which builds @quicknats/deno too),
// nats-server (scripts/ensure-nats-server.mjs) and Chromium (installed here by
// scripts/ensure-chromium.mjs when missing and run as root). Deno runs offline:
// packages/deno/deno.json maps the packages to local files (--no-remote
// --cached-only). Rows run one after another; every child process and every
// browser step has a timeout. Prints a table and exits 1 if any row fails.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";
import { bundleForBrowser, buildBrowserExample, EXAMPLE_DIR } from "./build-browser-example.mjs";
import { ensureChromium } from "./ensure-chromium.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules/.bin", name);
const CHILD_TIMEOUT_MS = 60_000;
/** The whole run, should something hang outside a child (a browser launch, a server stop). */
const MATRIX_TIMEOUT_MS = 10 * 60_000;
const VERSION_TIMEOUT_MS = 15_000;
const BROWSER_STEP_MS = 15_000;
const SCREENSHOT = path.join(EXAMPLE_DIR, "screenshot.png");
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const { NatsServer } = await tsImport("../test/helpers/nats-server.ts", import.meta.url);
const { certs } = await tsImport("../test/helpers/certs.ts", import.meta.url);

// ---- child processes -------------------------------------------------------

/** First line of `cmd --version`, or "?" */
function versionOf(cmd, args = ["--version"]) {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: VERSION_TIMEOUT_MS });
  return r.status === 0 ? (r.stdout || r.stderr).trim().split("\n")[0] : "?";
}

/**
 * Runs a scenario child; `onLine` sees each stdout line (RESTART is answered
 * by the caller). Resolves with the parsed RESULT, or a failure saying why.
 */
function runChild(cmd, args, { onLine, timeoutMs = CHILD_TIMEOUT_MS, env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    let result;
    let pending = Promise.resolve();
    let buf = "";
    const timer = setTimeout(() => {
      result ??= { ok: false, error: `timed out after ${timeoutMs} ms` };
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (s) => {
      out += s;
      buf += s;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trimEnd();
        buf = buf.slice(nl + 1);
        if (line.startsWith("RESULT ")) {
          try {
            result = JSON.parse(line.slice(7));
          } catch (e) {
            result = { ok: false, error: `unparsable RESULT: ${e.message}` };
          }
        } else if (onLine) {
          pending = pending.then(() => onLine(line)).catch((e) => {
            result = { ok: false, error: `parent: ${e.message}` };
            child.kill("SIGKILL");
          });
        }
      }
    });
    child.stderr.setEncoding("utf8").on("data", (s) => (err = (err + s).slice(-4000)));
    child.on("error", (e) => {
      result ??= { ok: false, error: `cannot run ${cmd}: ${e.message}` };
    });
    child.on("close", async (code, signal) => {
      clearTimeout(timer);
      await pending;
      if (!result) result = { ok: false, error: `exited (${code ?? signal}) without a RESULT` };
      if (code !== 0 && result.ok) result = { ...result, ok: false, error: `exit ${code ?? signal} after a passing RESULT` };
      const notes = out.split("\n").filter((l) => l && !l.startsWith("RESULT ") && l !== "RESTART");
      if (!result.ok) result.stderr = err.trim().split("\n").slice(-15).join("\n");
      result.notes = notes;
      resolve(result);
    });
  });
}

function nodeChild(cfg, transport, opts) {
  return runChild(process.execPath, ["--import", "tsx", "test/runtimes/node-entry.ts", JSON.stringify(cfg), transport], opts);
}

function bunChild(cfg, transport, opts) {
  return runChild(bin("bun"), ["run", "test/runtimes/node-entry.ts", JSON.stringify(cfg), transport], opts);
}

function denoChild(cfg, transport, opts) {
  return runChild(
    bin("deno"),
    [
      "run",
      "--config", "packages/deno/deno.json",
      "--no-remote",
      "--cached-only",
      "--sloppy-imports",
      "--no-prompt",
      "--allow-net=127.0.0.1,localhost",
      // the OpenTelemetry SDK of the otel step reads its OTEL_* settings
      "--allow-env=OTEL_*",
      "test/runtimes/deno-entry.ts",
      JSON.stringify(cfg),
      transport,
    ],
    opts,
  );
}

// ---- servers -----------------------------------------------------------------

const WS = { listen: "127.0.0.1:-1", no_tls: true };

async function withServer(config, fn) {
  const srv = await NatsServer.start(config);
  try {
    return await fn(srv);
  } finally {
    await srv.stop();
  }
}

/** A RESTART line from a child: restart the server on the same ports. */
const restartOn = (srv) => async (line) => {
  if (line === "RESTART") await srv.restart();
};

// ---- Chromium ----------------------------------------------------------------

/** Serves examples/browser and the scenario bundle; POST /__restart calls `onRestart`. */
async function startStatic(scenarioDir) {
  const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".map": "application/json" };
  const state = { onRestart: undefined };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "POST" && url.pathname === "/__restart") {
      try {
        if (!state.onRestart) throw new Error("no server to restart");
        await state.onRestart();
        res.writeHead(204).end();
      } catch (e) {
        res.writeHead(500).end(String(e?.message ?? e));
      }
      return;
    }
    let file;
    if (url.pathname === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === "/scenario.html") {
      res.writeHead(200, { "content-type": "text/html" }).end('<!doctype html><title>scenario</title><script type="module" src="/scenario.js"></script>');
      return;
    } else if (url.pathname.startsWith("/scenario.js")) {
      file = path.join(scenarioDir, url.pathname.slice(1));
    } else {
      const rel = url.pathname === "/" ? "index.html" : decodeURIComponent(url.pathname.slice(1));
      file = path.join(EXAMPLE_DIR, rel);
      if (!file.startsWith(EXAMPLE_DIR + path.sep)) {
        res.writeHead(403).end();
        return;
      }
    }
    try {
      const body = readFileSync(file);
      res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-store" }).end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { base: `http://127.0.0.1:${server.address().port}`, state, close: () => new Promise((r) => server.close(() => r())) };
}

class BrowserRig {
  static async start() {
    const executablePath = ensureChromium({ quiet: true });
    const { chromium } = await import("playwright-core");
    const scenarioDir = mkdtempSync(path.join(os.tmpdir(), "quicknats-browser-"));
    const rig = new BrowserRig();
    rig.scenarioDir = scenarioDir;
    try {
      rig.example = await buildBrowserExample();
      rig.scenarioBundle = await bundleForBrowser({
        entryPoints: [path.join(root, "test/runtimes/browser-entry.ts")],
        outfile: path.join(scenarioDir, "scenario.js"),
      });
      if (rig.scenarioBundle.nodeImports.length > 0) throw new Error(`scenario bundle reaches ${rig.scenarioBundle.nodeImports.join(", ")}`);
      rig.http = await startStatic(scenarioDir);
      rig.userDataDir = path.join(scenarioDir, "profile");
      mkdirSync(rig.userDataDir);
      // playwright refuses --user-data-dir in args: a persistent context is how it takes a fresh profile dir
      rig.context = await chromium.launchPersistentContext(rig.userDataDir, {
        executablePath,
        headless: true,
        args: CHROMIUM_ARGS,
        timeout: 30_000,
        viewport: { width: 1100, height: 720 },
      });
      rig.version = `Chromium ${rig.context.browser()?.version() ?? versionOf(executablePath).replace(/^Chromium\s*/, "")}`;
    } catch (e) {
      await rig.close();
      throw e;
    }
    return rig;
  }

  async newPage() {
    const page = await this.context.newPage();
    page.setDefaultTimeout(BROWSER_STEP_MS);
    const errors = [];
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console: ${m.text()}`);
    });
    return { page, errors };
  }

  /** Runs the shared scenario in a fresh page. */
  async scenario(cfg, srv) {
    this.http.state.onRestart = srv ? () => srv.restart() : undefined;
    const { page, errors } = await this.newPage();
    try {
      await page.goto(`${this.http.base}/scenario.html`);
      await page.waitForFunction(() => typeof globalThis.quicknatsScenario === "function");
      const result = await Promise.race([
        page.evaluate((c) => globalThis.quicknatsScenario(c), cfg),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`scenario timed out after ${CHILD_TIMEOUT_MS} ms`)), CHILD_TIMEOUT_MS)),
      ]);
      if (errors.length) result.notes = errors;
      return result;
    } catch (e) {
      return { ok: false, error: e.message, notes: errors };
    } finally {
      this.http.state.onRestart = undefined;
      await page.close().catch(() => {});
    }
  }

  async close() {
    await this.context?.close().catch(() => {});
    await this.http?.close();
    rmSync(this.scenarioDir, { recursive: true, force: true });
  }
}

/**
 * The example page, driven like a user: connect, watch `chat.>`, publish with
 * a header, receive a message from Node, answer a request from the page,
 * request with and without responders. A Node connection checks what really
 * reached the server. Then the screenshot.
 */
async function examplePage(rig, srv) {
  const t0 = Date.now();
  const steps = [];
  const { connect, headers } = await import("@quicknats/node");
  const nc = await connect({ servers: srv.hostport });
  const { page, errors } = await rig.newPage();
  const step = async (name, fn) => {
    const s = Date.now();
    let detail;
    try {
      detail = await fn();
    } catch (e) {
      throw new Error(`${name}: ${e.message}`);
    }
    steps.push({ step: name, ms: Date.now() - s, ...(detail ? { detail } : {}) });
  };
  const expect = (cond, what) => {
    if (!cond) throw new Error(what);
  };
  try {
    const seen = [];
    nc.subscribe("chat.>", { callback: (_e, m) => seen.push(m) });
    await nc.flush();

    await step("page connects", async () => {
      await page.goto(`${rig.http.base}/?server=${encodeURIComponent(srv.websocketUrl)}&connect=1`);
      await page.waitForSelector('#status[data-state="connected"]');
      return await page.textContent("#status");
    });

    await step("watch chat.> (subscribe)", async () => {
      await page.fill("#watch-subject", "chat.>");
      await page.click("#watch");
      await page.waitForSelector("#watching li");
      // the page's SUB is on the server: connz lists it
      for (let i = 0; i < 100; i++) {
        const connz = await srv.connz({ subs: true });
        if (connz.connections.some((c) => c.name === "quicknats-browser-monitor" && (c.subscriptions_list ?? []).includes("chat.>"))) return "SUB chat.> on the server";
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error("the page's subscription never reached the server");
    });

    await step("publish with header (page -> server -> Node and page)", async () => {
      await page.fill("#pub-subject", "chat.lobby");
      await page.fill("#pub-header-name", "From");
      await page.fill("#pub-header-value", "browser");
      await page.fill("#pub-text", "hello from chromium");
      await page.click("#publish");
      await page.waitForSelector('#messages tbody tr:has-text("hello from chromium")');
      const row = await page.textContent('#messages tbody tr:has-text("hello from chromium")');
      expect(row.includes("chat.lobby") && row.includes("From: browser"), `page row: ${row}`);
      await nc.flush();
      for (let i = 0; i < 100 && !seen.some((m) => m.string() === "hello from chromium"); i++) await new Promise((r) => setTimeout(r, 20));
      const m = seen.find((x) => x.string() === "hello from chromium");
      expect(m, "Node never saw the page's message");
      expect(m.subject === "chat.lobby" && m.headers?.get("From") === "browser", `Node saw ${m.subject} From=${m.headers?.get("From")}`);
      return "row + Node saw From: browser";
    });

    await step("receive with headers (Node -> page)", async () => {
      const h = headers();
      h.set("X-Sender", "node");
      nc.publish("chat.room.42", "hi page, from node", { headers: h });
      await nc.flush();
      const sel = '#messages tbody tr:has-text("hi page, from node")';
      await page.waitForSelector(sel);
      const row = await page.textContent(sel);
      expect(row.includes("chat.room.42") && row.includes("X-Sender: node"), `page row: ${row}`);
      return "row with X-Sender: node";
    });

    await step("request/reply (page responder, page and Node requesters)", async () => {
      await page.fill("#req-subject", "chat.echo");
      await page.check("#echo-service");
      // the responder's SUB is on the server before anyone asks
      for (let i = 0; i < 100; i++) {
        const connz = await srv.connz({ subs: true });
        if (connz.connections.some((c) => (c.subscriptions_list ?? []).includes("chat.echo"))) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await page.fill("#req-text", "ping");
      await page.click("#request");
      await page.waitForSelector('#request-result[data-kind="reply"]');
      const out = await page.textContent("#request-result");
      expect(out === "reply: echo: ping [Served-By: browser]", `page request: ${out}`);
      const r = await nc.request("chat.echo", "from node", { timeout: 5_000 });
      expect(r.string() === "echo: from node" && r.headers?.get("Served-By") === "browser", `Node request: ${r.string()}`);
      return out;
    });

    await step("no responders", async () => {
      // outside chat.>, which the page and Node watch (a subscriber there would make it a timeout)
      await page.fill("#req-subject", "nobody.home");
      await page.click("#request");
      await page.waitForSelector('#request-result[data-kind="error"]');
      const out = await page.textContent("#request-result");
      expect(out === "no responders on nobody.home", `page: ${out}`);
      return out;
    });

    await step("screenshot", async () => {
      await page.screenshot({ path: SCREENSHOT });
      return path.relative(root, SCREENSHOT);
    });

    expect(errors.length === 0, `page errors: ${errors.join("; ")}`);
    return { ok: true, steps, ms: Date.now() - t0 };
  } catch (e) {
    await page.screenshot({ path: SCREENSHOT }).catch(() => {});
    return { ok: false, steps, error: e.message, notes: errors, ms: Date.now() - t0 };
  } finally {
    await page.close().catch(() => {});
    await nc.close();
  }
}

// ---- the matrix --------------------------------------------------------------

const verbose = process.argv.includes("--verbose");
// the harness's exit hook SIGKILLs the servers; playwright closes its browser on exit
setTimeout(() => {
  console.error(`runtime-matrix: gave up after ${MATRIX_TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, MATRIX_TIMEOUT_MS).unref();
const filters = process.argv.slice(2).filter((a) => !a.startsWith("--")).map((f) => f.toLowerCase());
const versions = {
  node: `Node ${process.version}`,
  deno: versionOf(bin("deno")).replace(/^deno (\S+).*/, "Deno $1"),
  bun: `Bun ${versionOf(bin("bun"))}`,
};

/** Each row: id, label, and a run function returning a result object. */
const rows = [];
const basicCfg = (runtime, servers, extra = {}) => ({ scenario: "basic", servers, prefix: `matrix.${runtime.replace(/\W/g, "_")}`, runtime, ...extra });
const reconnectCfg = (runtime, servers) => ({ scenario: "reconnect", servers, prefix: `matrix.${runtime.replace(/\W/g, "_")}`, runtime });

let shared; // the server the basic rows share (each row has its own subject prefix)
const tcpUrl = () => [shared.url];
const wsUrl = () => [shared.websocketUrl];

rows.push(
  { id: "node-tcp", runtime: versions.node, transport: "TCP (@quicknats/node)", scenario: "basic", run: () => nodeChild(basicCfg("node-tcp", tcpUrl()), "tcp") },
  { id: "node-ws", runtime: versions.node, transport: "wsconnect (ws package)", scenario: "basic", run: () => nodeChild(basicCfg("node-ws", wsUrl()), "ws") },
  { id: "deno-tcp", runtime: versions.deno, transport: "TCP (@quicknats/deno)", scenario: "basic", run: () => denoChild(basicCfg("deno-tcp", tcpUrl()), "tcp") },
  { id: "deno-ws", runtime: versions.deno, transport: "wsconnect (global WebSocket)", scenario: "basic", run: () => denoChild(basicCfg("deno-ws", wsUrl()), "ws") },
  { id: "bun-tcp", runtime: versions.bun, transport: "TCP (@quicknats/node)", scenario: "basic", run: () => bunChild(basicCfg("bun-tcp", tcpUrl()), "tcp") },
  { id: "bun-ws", runtime: versions.bun, transport: "wsconnect (global WebSocket)", scenario: "basic", run: () => bunChild(basicCfg("bun-ws", wsUrl()), "ws") },
  { id: "chromium-ws", runtime: "Chromium", transport: "wsconnect (global WebSocket)", scenario: "basic", browser: true, run: (rig) => rig.scenario(basicCfg("chromium-ws", wsUrl())) },
  { id: "chromium-example", runtime: "Chromium", transport: "wsconnect (examples/browser)", scenario: "example page", browser: true, run: (rig) => examplePage(rig, shared) },
  {
    id: "deno-tls",
    runtime: versions.deno,
    transport: "TCP + TLS (Deno.startTls)",
    scenario: "basic",
    run: async () => {
      const c = await certs();
      return withServer({ tls: { cert_file: c.server.certFile, key_file: c.server.keyFile } }, (srv) =>
        denoChild(basicCfg("deno-tls", [`tls://localhost:${srv.port}`], { options: { tls: { ca: c.ca.cert } } }), "tcp"));
    },
  },
  { id: "node-ws-reconnect", runtime: versions.node, transport: "wsconnect (ws package)", scenario: "reconnect", run: () => withServer({ websocket: WS }, (srv) => nodeChild(reconnectCfg("node-ws-reconnect", [srv.websocketUrl]), "ws", { onLine: restartOn(srv) })) },
  { id: "deno-ws-reconnect", runtime: versions.deno, transport: "wsconnect (global WebSocket)", scenario: "reconnect", run: () => withServer({ websocket: WS }, (srv) => denoChild(reconnectCfg("deno-ws-reconnect", [srv.websocketUrl]), "ws", { onLine: restartOn(srv) })) },
  { id: "deno-tcp-reconnect", runtime: versions.deno, transport: "TCP (@quicknats/deno)", scenario: "reconnect", run: () => withServer({}, (srv) => denoChild(reconnectCfg("deno-tcp-reconnect", [srv.url]), "tcp", { onLine: restartOn(srv) })) },
  { id: "bun-ws-reconnect", runtime: versions.bun, transport: "wsconnect (global WebSocket)", scenario: "reconnect", run: () => withServer({ websocket: WS }, (srv) => bunChild(reconnectCfg("bun-ws-reconnect", [srv.websocketUrl]), "ws", { onLine: restartOn(srv) })) },
  { id: "chromium-ws-reconnect", runtime: "Chromium", transport: "wsconnect (global WebSocket)", scenario: "reconnect", browser: true, run: (rig) => withServer({ websocket: WS }, (srv) => rig.scenario(reconnectCfg("chromium-ws-reconnect", [srv.websocketUrl]), srv)) },
);

const selected = rows.filter((r) => filters.length === 0 || filters.some((f) => r.id.includes(f)));
if (selected.length === 0) {
  console.error(`runtime-matrix: no row matches ${filters.join(", ")}; rows: ${rows.map((r) => r.id).join(", ")}`);
  process.exit(2);
}

const results = [];
let rig;
let exitCode = 0;
try {
  shared = await NatsServer.start({ websocket: WS });
  console.log(`nats-server on ${shared.url} and ${shared.websocketUrl}`);
  if (selected.some((r) => r.browser)) {
    try {
      rig = await BrowserRig.start();
      console.log(`${rig.version}; example bundle ${(rig.example.bytes / 1024).toFixed(1)} KiB min, ${(rig.example.gzip / 1024).toFixed(1)} KiB gzip`);
    } catch (e) {
      rig = { error: e };
    }
  }
  for (const row of selected) {
    const t0 = Date.now();
    let r;
    if (row.browser && rig?.error) r = { ok: false, error: `browser setup: ${rig.error.message}` };
    else {
      try {
        r = await row.run(rig);
      } catch (e) {
        r = { ok: false, error: `${e.name}: ${e.message}` };
      }
    }
    if (row.browser && rig?.version) row.runtime = rig.version;
    r.wall = Date.now() - t0;
    results.push({ row, r });
    const mark = r.ok ? "PASS" : "FAIL";
    console.log(`${mark} ${row.id} (${r.wall} ms)${r.ok ? "" : `: ${r.error}`}`);
    if (!r.ok && r.stderr) console.log(r.stderr.replace(/^/gm, "    | "));
    for (const n of r.notes ?? []) console.log(`    ${n}`);
    if (verbose) for (const s of r.steps ?? []) console.log(`    - ${s.step}: ${s.ms} ms${s.detail ? ` (${s.detail})` : ""}`);
  }
} finally {
  if (rig && !rig.error) await rig.close();
  await shared?.stop();
}

// ---- the table ---------------------------------------------------------------

// row: wall time with process start and server setup; scenario: time inside the runtime
const table = [["runtime", "transport", "scenario", "result", "row", "scenario", "steps"]];
const secs = (ms) => (ms === undefined ? "-" : `${(ms / 1000).toFixed(2)} s`);
for (const { row, r } of results) {
  table.push([row.runtime, row.transport, row.scenario, r.ok ? "PASS" : "FAIL", secs(r.wall), secs(r.ms), r.ok ? `${r.steps?.length ?? 0} ok` : r.error.slice(0, 160)]);
  if (!r.ok) exitCode = 1;
}
const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
console.log("");
console.log(line(table[0]));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const row of table.slice(1)) console.log(line(row));
const failed = results.filter(({ r }) => !r.ok).length;
console.log(`\n${results.length - failed}/${results.length} rows passed`);
process.exit(exitCode);
