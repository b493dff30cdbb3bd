// Packaging: each package is packed (`npm pack`), the tarballs are installed
// into a scratch project (our packages from the tarballs only; @nats-io/nkeys
// and tweetnacl from the npm cache, or the registry when the cache lacks them), and a consumer checks:
// ESM `import` and CommonJS `require()` at run time (with a round trip to a
// real server; @quicknats/otel with its peer @opentelemetry/api), TypeScript
// compilation under moduleResolution nodenext, node16 and bundler (deliberate
// errors prove every entry's types are real), Deno running and type-checking
// @quicknats/deno from node_modules, and an esbuild browser bundle of
// wsconnect that reaches no `node:` module and holds no diagnostics event
// code unless the channels are used. The bundle's minified+gzipped size is
// reported next to the official client's.
//
// Needs the packages built (`npm run build`; the suite's pretest does it).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { browserBundle } from "../helpers/browser-bundle.js";
import { NatsServer } from "../helpers/nats-server.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSC = path.join(ROOT, "node_modules/typescript/bin/tsc");
const DENO = path.join(ROOT, "node_modules/.bin/deno");
/** Packages that publish; @quicknats/deno only once it exists. */
const PACKAGES = ["core", "node", "deno", "otel"].filter((p) => existsSync(path.join(ROOT, "packages", p, "package.json")));
const CMD_TIMEOUT_MS = 60_000;
/**
 * "keep it well below the official client's" (issue 5): the quicknats bundle
 * of wsconnect + publish + subscribe + request, minified and gzipped, must be
 * at most this fraction of the official @nats-io/nats-core bundle.
 */
const MAX_SIZE_RATIO = 0.75;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (bounded); never rejects on a non-zero exit. */
function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd, env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...env }, timeout: CMD_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : null) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) + (err && code === null ? `\n${err.message}` : "") });
      },
    );
  });
}

function ok(r: Run, what: string): string {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

let scratch: string;
let srv: NatsServer;
const tarballs: Record<string, string> = {};

before(async () => {
  for (const p of PACKAGES) {
    assert.ok(existsSync(path.join(ROOT, "packages", p, "dist/esm/mod.js")), `packages/${p} is not built: run \`npm run build\``);
  }
  scratch = mkdtempSync(path.join(os.tmpdir(), "quicknats-pack-"));
  const packs = path.join(scratch, "tarballs");
  mkdirSync(packs);
  const packed = await Promise.all(
    PACKAGES.map((p) => run("npm", ["pack", "--json", "--pack-destination", packs], path.join(ROOT, "packages", p))),
  );
  packed.forEach((r, i) => {
    const info = JSON.parse(ok(r, `npm pack packages/${PACKAGES[i]}`)) as Array<{ filename: string; name: string }>;
    tarballs[info[0]!.name] = path.join(packs, info[0]!.filename);
  });
  const app = path.join(scratch, "app");
  mkdirSync(app);
  const deps = Object.fromEntries(Object.entries(tarballs).map(([name, file]) => [name, `file:${file}`]));
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module", dependencies: deps }, null, 2));
  // our packages come from the tarballs; nkeys/tweetnacl from the cache when it has them
  // (`npm ci` stores tarballs, not the package documents a version range needs, so
  // --offline fails on a fresh machine)
  ok(await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--no-package-lock", "--ignore-scripts"], app), "npm install");
  srv = await NatsServer.start({ websocket: { listen: "127.0.0.1:-1", no_tls: true } });
});

after(async () => {
  await srv?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const appDir = (): string => path.join(scratch, "app");

describe("packed packages", () => {
  it("each tarball installs our package from itself, with ESM, CJS and types for every export", () => {
    for (const name of Object.keys(tarballs)) {
      const dir = path.join(appDir(), "node_modules", name);
      const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
      assert.equal(pkg.version, JSON.parse(readFileSync(path.join(ROOT, "packages", name.split("/")[1]!, "package.json"), "utf8")).version);
      for (const [sub, entry] of Object.entries(pkg.exports as Record<string, unknown>)) {
        if (sub === "./package.json") continue;
        const e = entry as Record<string, Record<string, string>>;
        for (const cond of ["import", "require"]) {
          assert.ok(e[cond], `${name} exports["${sub}"] has no "${cond}" condition`);
          // "types" must come first in each condition, or TypeScript never sees it
          assert.equal(Object.keys(e[cond]!)[0], "types", `${name} exports["${sub}"].${cond}: "types" is not first`);
          for (const file of Object.values(e[cond]!)) assert.ok(existsSync(path.join(dir, file)), `${name}: ${file} is missing from the tarball`);
        }
      }
    }
    // @quicknats/node's and @quicknats/otel's dependency on @quicknats/core is the tarball's copy, not a second one
    assert.ok(!existsSync(path.join(appDir(), "node_modules/@quicknats/node/node_modules/@quicknats/core")), "a nested @quicknats/core was installed");
    assert.ok(!existsSync(path.join(appDir(), "node_modules/@quicknats/otel/node_modules/@quicknats/core")), "a nested @quicknats/core was installed (otel)");
    // the peer dependency came with it (npm 7+ installs peers)
    assert.ok(existsSync(path.join(appDir(), "node_modules/@opentelemetry/api/package.json")), "@opentelemetry/api, otel's peer, is not installed");
  });

  it("import (ESM) works, with a round trip through a real server", async () => {
    const script = `
      import * as core from "@quicknats/core";
      import * as internal from "@quicknats/core/internal";
      import { connect, headers } from "@quicknats/node";
      import { createRequire } from "node:module";
      const out = { core: typeof core.wsconnect, internal: typeof internal.NatsConnectionImpl, headers: typeof core.headers };
      ${PACKAGES.includes("deno") ? `const deno = await import("@quicknats/deno"); out.deno = typeof deno.connect;
      out.denoOnNode = await deno.connect({ servers: "${srv.hostport}" }).then(() => "connected", (e) => e.name);` : ""}
      // errors from the CommonJS copy are instanceof the ESM classes (brand checks)
      const cjs = createRequire(import.meta.url)("@quicknats/core");
      out.brand = new cjs.TimeoutError() instanceof core.TimeoutError && !(new cjs.TimeoutError() instanceof core.ConnectionError);
      const nc = await connect({ servers: "${srv.hostport}" });
      // @quicknats/otel on the packed core's channels (no SDK here: the API's no-op tracer)
      const { instrument } = await import("@quicknats/otel");
      const start = core.diagnosticsChannel(core.DiagnosticsChannels.PublishStart);
      const inst = instrument(nc);
      out.otel = [start.hasSubscribers];
      const sub = nc.subscribe("pack.esm.>", { max: 1 });
      const h = headers(); h.set("Via", "esm");
      nc.publish("pack.esm.x", "hello", { headers: h });
      for await (const m of sub) out.msg = m.subject + " " + m.headers.get("Via") + " " + m.string();
      inst.stop();
      out.otel.push(start.hasSubscribers);
      await nc.close();
      console.log(JSON.stringify(out));`;
    writeFileSync(path.join(appDir(), "esm-check.mjs"), script);
    const out = JSON.parse(ok(await run(process.execPath, ["esm-check.mjs"], appDir()), "ESM consumer"));
    assert.deepEqual(out, {
      core: "function",
      internal: "function",
      headers: "function",
      ...(PACKAGES.includes("deno") ? { deno: "function", denoOnNode: "ConnectionError" } : {}),
      brand: true,
      otel: [true, false],
      msg: "pack.esm.x esm hello",
    });
  });

  it("require() (CommonJS) works, with a round trip through a real server", async () => {
    const script = `
      const core = require("@quicknats/core");
      const internal = require("@quicknats/core/internal");
      const { connect, headers } = require("@quicknats/node");
      ${PACKAGES.includes("deno") ? `const deno = require("@quicknats/deno");` : ""}
      (async () => {
        const out = { core: typeof core.wsconnect, internal: typeof internal.NatsConnectionImpl${PACKAGES.includes("deno") ? ", deno: typeof deno.connect" : ""} };
        out.file = require.resolve("@quicknats/node").includes("/dist/cjs/");
        const nc = await connect({ servers: "${srv.hostport}" });
        const inst = require("@quicknats/otel").instrument(nc);
        out.otel = require.resolve("@quicknats/otel").includes("/dist/cjs/") && core.diagnosticsChannel(core.DiagnosticsChannels.PublishStart).hasSubscribers;
        inst.stop();
        const sub = nc.subscribe("pack.cjs.*", { max: 1 });
        const h = headers(); h.set("Via", "cjs");
        nc.publish("pack.cjs.x", "hello", { headers: h });
        for await (const m of sub) out.msg = m.subject + " " + m.headers.get("Via") + " " + m.string();
        await nc.close();
        console.log(JSON.stringify(out));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    writeFileSync(path.join(appDir(), "cjs-check.cjs"), script);
    const out = JSON.parse(ok(await run(process.execPath, ["cjs-check.cjs"], appDir()), "CJS consumer"));
    assert.deepEqual(out, {
      core: "function",
      internal: "function",
      ...(PACKAGES.includes("deno") ? { deno: "function" } : {}),
      file: true,
      otel: true,
      msg: "pack.cjs.x cjs hello",
    });
  });

  it("a TypeScript consumer compiles under moduleResolution nodenext, node16 and bundler", async () => {
    const dir = path.join(appDir(), "ts");
    mkdirSync(dir, { recursive: true });
    const deno = PACKAGES.includes("deno");
    writeFileSync(
      path.join(dir, "esm.ts"),
      `import { connect, headers, type Msg, type NatsConnection, RequestError, type NodeConnectionOptions } from "@quicknats/node";
import { wsconnect, type WsConnectionOptions, type ConnectionOptions } from "@quicknats/core";
import { NatsConnectionImpl, type Transport, type TransportFactory } from "@quicknats/core/internal";
import { instrument, type Instrumentation, type InstrumentOptions } from "@quicknats/otel";
${deno ? 'import { connect as denoConnect, denoTransportFactory } from "@quicknats/deno";' : ""}
export async function main(o: NodeConnectionOptions, w: WsConnectionOptions, c: ConnectionOptions, io: InstrumentOptions): Promise<string> {
  const nc: NatsConnection = await connect(o);
  const i: Instrumentation = instrument(nc, io);
  i.stop();
  const ws: NatsConnection = await wsconnect(w);
  ${deno ? "const dn: NatsConnection = await denoConnect(c); const f: TransportFactory = denoTransportFactory; void dn; void f;" : "void c;"}
  const h = headers();
  h.set("a", "b");
  const m: Msg = await nc.request("x", "y", { timeout: 1000, headers: h });
  const t: Transport | undefined = undefined;
  void t;
  const isImpl: boolean = nc instanceof NatsConnectionImpl;
  try { await ws.request("z"); } catch (e) { if (e instanceof RequestError && e.isNoResponders()) return "nr"; }
  return m.string() + String(isImpl);
}
`,
    );
    writeFileSync(
      path.join(dir, "cjs.cts"),
      `import { connect, type NatsConnection } from "@quicknats/node";
import { NatsConnectionImpl } from "@quicknats/core/internal";
import { instrument } from "@quicknats/otel";
${deno ? 'import { connect as denoConnect } from "@quicknats/deno";' : ""}
export async function main(): Promise<boolean> {
  const nc: NatsConnection = await connect({ servers: "127.0.0.1:4222" });
  instrument(nc).stop();
  ${deno ? "void denoConnect;" : ""}
  return nc instanceof NatsConnectionImpl;
}
`,
    );
    // proves the types are real (not any) through each entry and condition: exactly these errors
    const wrong = [
      'import { connect } from "@quicknats/node";',
      'import { wsconnect } from "@quicknats/core";',
      'import { NatsConnectionImpl } from "@quicknats/core/internal";',
      'import { instrument } from "@quicknats/otel";',
      // the default imports, as of the official CommonJS packages
      'import nats from "@quicknats/node";',
      'import core from "@quicknats/core";',
      ...(deno ? ['import { connect as denoConnect } from "@quicknats/deno";'] : []),
      "export const a: number = connect;",
      "export const b: number = wsconnect;",
      "export const c: number = NatsConnectionImpl;",
      "export const e: number = instrument;",
      "export const f: number = nats.connect;",
      "export const g: number = core.headers;",
      ...(deno ? ["export const d: number = denoConnect;"] : []),
    ];
    writeFileSync(path.join(dir, "wrong.ts"), wrong.join("\n") + "\n");
    writeFileSync(path.join(dir, "wrong.cts"), wrong.join("\n") + "\n");
    const firstWrong = wrong.findIndex((l) => l.startsWith("export")) + 1;
    const wantWrong = (file: string) => wrong.slice(firstWrong - 1).map((_, i) => `${file}(${firstWrong + i},14): error TS2322`);
    const modes = [
      { res: "nodenext", mod: "nodenext", files: ["esm.ts", "cjs.cts", "wrong.ts", "wrong.cts"], libCheck: false },
      { res: "node16", mod: "node16", files: ["esm.ts", "cjs.cts", "wrong.ts", "wrong.cts"], libCheck: false },
      { res: "bundler", mod: "esnext", files: ["esm.ts", "wrong.ts"], libCheck: false },
      // tsc's default: our .d.ts are checked too (a circular declaration fails every program that imports us)
      { res: "nodenext", mod: "nodenext", files: ["esm.ts", "cjs.cts", "wrong.ts", "wrong.cts"], libCheck: true },
    ];
    const results = await Promise.all(
      modes.map((m) => {
        const tsconfig = path.join(dir, `tsconfig.${m.res}${m.libCheck ? "-libcheck" : ""}.json`);
        writeFileSync(
          tsconfig,
          JSON.stringify({
            compilerOptions: {
              strict: true,
              noEmit: true,
              target: "es2022",
              module: m.mod,
              moduleResolution: m.res,
              // our .d.ts use Symbol.asyncDispose (as the official ones do): ES2022 + esnext.disposable
              lib: ["es2022", "esnext.disposable", "dom"],
              types: ["node"],
              typeRoots: [path.join(ROOT, "node_modules/@types")],
              // checking @types/node and lib.dom costs ~15 s here, so once; the wrong.* files prove our .d.ts resolve to real types
              skipLibCheck: !m.libCheck,
            },
            files: m.files,
          }),
        );
        return run(process.execPath, [TSC, "-p", tsconfig], dir);
      }),
    );
    results.forEach((r, i) => {
      const m = modes[i]!;
      const errors = r.stdout.split("\n").filter((l) => /error TS\d+/.test(l));
      const want = m.files.filter((f) => f.startsWith("wrong.")).flatMap(wantWrong);
      for (const w of want) assert.ok(errors.some((l) => l.startsWith(w)), `${m.res}: no "${w}" (a type resolved to any?):\n${r.stdout}${r.stderr}`);
      assert.deepEqual(errors.filter((l) => !want.some((w) => l.startsWith(w))), [], `${m.res}: unexpected errors`);
    });
  });

  // the bundles are made once, for the tests below; `diagnostics`: the app also subscribes to a channel
  const entry = (pkg: string, diagnostics: boolean) =>
    `import { wsconnect${diagnostics ? ", diagnosticsChannel" : ""} } from "${pkg}";
${diagnostics ? 'diagnosticsChannel("tracing:quicknats:publish:start").subscribe((ev) => console.log(ev.subject));\n' : ""}const nc = await wsconnect({ servers: "ws://127.0.0.1:8080" });
nc.subscribe("chat.>", { callback: (_e, m) => console.log(m.subject, m.string()) });
nc.publish("chat.hello", "hi");
console.log((await nc.request("svc.time", "now?", { timeout: 1000 })).string());
`;
  interface Bundle {
    inputs: string[];
    /** the inputs that left code in the bundle (tree shaking dropped the others) */
    used: string[];
    externals: string[];
    min: number;
    gz: number;
  }
  const bundles = new Map<string, Promise<Bundle>>();
  const bundle = (pkg: string, nodePaths: string[] = [], diagnostics = false): Promise<Bundle> => {
    const key = `${pkg}${diagnostics ? "+diagnostics" : ""}`;
    let b = bundles.get(key);
    if (!b) {
      b = (async () => {
        const dir = path.join(appDir(), "bundle", key.replace(/\W/g, "_"));
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, "entry.mjs"), entry(pkg, diagnostics));
        const { inputs, externals, code, gz, modules } = await browserBundle(path.join(dir, "entry.mjs"), nodePaths);
        const used = Object.entries(modules).filter(([, i]) => i.bytesInOutput > 0).map(([f]) => f);
        return { inputs, used, externals, min: code.length, gz };
      })();
      bundles.set(key, b);
    }
    return b;
  };
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

  it("an esbuild browser bundle of wsconnect from the installed ESM build reaches no node: module", async () => {
    const ours = await bundle("@quicknats/core");
    assert.ok(ours.inputs.some((i) => i.includes("node_modules/@quicknats/core/dist/esm/")), "not bundled from the installed ESM build");
    assert.deepEqual(ours.inputs.filter((i) => i.startsWith("node:") || /^(net|tls|dns|fs|crypto|stream|events|buffer)$/.test(i)), [], "the bundle reaches Node modules");
    assert.deepEqual(ours.externals, [], "the bundle leaves imports unresolved");
  });

  it("that bundle (wsconnect, publish, subscribe, request) is well below the official client's, minified+gzipped", async (t) => {
    const ours = await bundle("@quicknats/core");
    // the official client, as installed in this repo (a dependency of bench/)
    const official = await bundle("@nats-io/nats-core", [path.join(ROOT, "node_modules")]);
    const nkeys = ours.inputs.filter((i) => /node_modules\/(@nats-io\/nkeys|tweetnacl)\//.test(i));
    t.diagnostic(`quicknats wsconnect bundle: ${kib(ours.min)} min, ${kib(ours.gz)} min+gzip (${ours.inputs.length} modules, ${nkeys.length} from nkeys/tweetnacl)`);
    t.diagnostic(`@nats-io/nats-core wsconnect bundle: ${kib(official.min)} min, ${kib(official.gz)} min+gzip (${official.inputs.length} modules)`);
    t.diagnostic(`ratio ${(ours.gz / official.gz).toFixed(2)} (bar: <= ${MAX_SIZE_RATIO})`);
    assert.ok(
      ours.gz <= official.gz * MAX_SIZE_RATIO,
      `quicknats ${kib(ours.gz)} gzipped is not well below the official ${kib(official.gz)} (ratio ${(ours.gz / official.gz).toFixed(2)} > ${MAX_SIZE_RATIO})` +
        (nkeys.length ? "; it includes @nats-io/nkeys + tweetnacl, which wsconnect/publish/subscribe/request never call" : ""),
    );
  });

  it("the diagnostics event code is in the bundle only when the app uses the channels", async (t) => {
    const plain = await bundle("@quicknats/core");
    const diag = await bundle("@quicknats/core", [], true);
    const events = (b: Bundle) => b.used.filter((i) => /\/dist\/esm\/diagnostics\/(?!hooks\.js)/.test(i)).map((i) => i.replace(/.*\/dist\/esm\//, ""));
    t.diagnostic(`with a channel subscribed: ${kib(diag.min)} min, ${kib(diag.gz)} min+gzip (+${diag.gz - plain.gz} bytes gzipped: ${events(diag).join(", ")})`);
    assert.deepEqual(events(plain), [], "wsconnect/publish/subscribe/request alone pulled in diagnostics code");
    // the check sees it when it is there
    assert.ok(events(diag).includes("diagnostics/emitter.js"), `with the channels used: ${events(diag).join(", ")}`);
  });

  it("Deno runs and type-checks @quicknats/deno from node_modules, offline", { skip: !PACKAGES.includes("deno") && "no packages/deno" }, async () => {
    const dir = appDir();
    writeFileSync(
      path.join(dir, "deno-check.ts"),
      `import { connect, headers, type NatsConnection } from "@quicknats/deno";
const nc: NatsConnection = await connect({ servers: "${srv.hostport}" });
const sub = nc.subscribe("pack.deno.>", { max: 1 });
const h = headers();
h.set("Via", "deno");
nc.publish("pack.deno.x", "hello", { headers: h });
for await (const m of sub) console.log(m.subject, m.headers?.get("Via"), m.string());
await nc.close();
`,
    );
    writeFileSync(path.join(dir, "deno-wrong.ts"), `import { connect } from "@quicknats/deno";\nexport const n: number = connect;\n`);
    // a fresh DENO_DIR: nothing cached from the repo's runs
    const env = { DENO_DIR: path.join(scratch, "deno-dir") };
    const flags = ["--no-remote", "--cached-only"];
    const [checked, wrong, ran] = await Promise.all([
      run(DENO, ["check", ...flags, "deno-check.ts"], dir, env),
      run(DENO, ["check", ...flags, "deno-wrong.ts"], dir, { DENO_DIR: path.join(scratch, "deno-dir-2") }),
      run(DENO, ["run", ...flags, "--no-prompt", "--allow-net=127.0.0.1", "deno-check.ts"], dir, { DENO_DIR: path.join(scratch, "deno-dir-3") }),
    ]);
    ok(checked, "deno check");
    assert.notEqual(wrong.code, 0, "deno check accepted a type error: the types are not real");
    assert.match(wrong.stderr + wrong.stdout, /TS2322/);
    assert.equal(ok(ran, "deno run").trim(), "pack.deno.x deno hello");
  });
});
