// The quicknats CLI (packages/cli), run as the built binary in child
// processes against real nats-server instances: what the commands put on the
// wire is checked with a second connection of the library (or the server's
// monitoring), what they print is parsed. Every child has a time bound.
// Builds nothing: run `npm run build` first (the suite's pretest does).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createUser } from "@nats-io/nkeys";
import { connect, headers, type Msg, type NatsConnection } from "@quicknats/node";
import { certs } from "../helpers/certs.js";
import { JwtEnv } from "../helpers/jwt-mode.js";
import { NatsServer } from "../helpers/nats-server.js";
import { freePort } from "../helpers/ports.js";
import { RogueServer } from "../helpers/rogue-server.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = path.join(ROOT, "packages/cli/bin/quicknats.js");
/** Bound on one short command (node starts in ~0.1 s; more on a loaded 2-core box). */
const RUN_MS = 10_000;
/** Bound on waiting for a line from a long-running command. */
const LINE_MS = 8_000;

/** The exit codes the README documents. */
const EXIT = { ok: 0, usage: 2, connection: 3, noResponders: 4, timeout: 5, notSupported: 6, permission: 7 };

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();

/** A running `quicknats` process and what it printed so far. */
class Cli {
  stdout = "";
  stderr = "";
  readonly proc: ChildProcess;
  readonly done: Promise<Result>;
  readonly #what: string;

  constructor(args: string[], opts: { env?: Record<string, string>; stdin?: string | Uint8Array } = {}) {
    const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
    for (const k of ["NATS_URL", "NATS_USER", "NATS_PASSWORD", "NATS_TOKEN", "NODE_TEST_CONTEXT"]) {
      if (!opts.env || !(k in opts.env)) delete env[k];
    }
    this.#what = `quicknats ${args.join(" ")}`;
    this.proc = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env,
      stdio: [opts.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    children.add(this.proc);
    if (opts.stdin !== undefined) this.proc.stdin!.end(opts.stdin);
    this.proc.stdout!.setEncoding("utf8").on("data", (s: string) => (this.stdout += s));
    this.proc.stderr!.setEncoding("utf8").on("data", (s: string) => (this.stderr += s));
    this.done = new Promise((resolve) => {
      this.proc.once("close", (code, signal) => {
        children.delete(this.proc);
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  describe(): string {
    return `${this.#what}\n--- stdout ---\n${this.stdout || "(none)"}\n--- stderr ---\n${this.stderr || "(none)"}`;
  }

  /** Waits until stdout or stderr matches `re`; fails after `ms` or if the process ends first. */
  async until(re: RegExp, ms = LINE_MS): Promise<void> {
    const deadline = Date.now() + ms;
    let ended = false;
    void this.done.then(() => (ended = true));
    while (!re.test(this.stdout) && !re.test(this.stderr)) {
      if (ended) throw new Error(`${re}: the process ended first\n${this.describe()}`);
      if (Date.now() > deadline) throw new Error(`${re}: not within ${ms} ms\n${this.describe()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Waits for the process to end; SIGKILLs it and fails after `ms`. */
  async exit(ms = RUN_MS): Promise<Result> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((r) => (timer = setTimeout(r, ms, "timeout")));
    const r = await Promise.race([this.done, timeout]);
    clearTimeout(timer);
    if (r === "timeout") {
      this.proc.kill("SIGKILL");
      await this.done;
      throw new Error(`did not exit within ${ms} ms\n${this.describe()}`);
    }
    return r;
  }
}

/** Runs a command to its end. */
function run(args: string[], opts: { env?: Record<string, string>; stdin?: string | Uint8Array; ms?: number } = {}): Promise<Result> {
  return new Cli(args, opts).exit(opts.ms);
}

function expectExit(r: Result, code: number, what: string): void {
  assert.equal(r.code, code, `${what}: exit code ${r.code} (signal ${r.signal}), expected ${code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
}

/** Collects up to `n` messages of a library subscription; fails after `ms`. */
function collect(nc: NatsConnection, subject: string, n: number, ms = LINE_MS): { msgs: Msg[]; done: Promise<Msg[]> } {
  const msgs: Msg[] = [];
  const sub = nc.subscribe(subject, { max: n });
  const done = (async () => {
    const timer = setTimeout(() => sub.unsubscribe(), ms);
    for await (const m of sub) msgs.push(m);
    clearTimeout(timer);
    assert.equal(msgs.length, n, `expected ${n} messages on ${subject}, got ${msgs.length}`);
    return msgs;
  })();
  return { msgs, done };
}

const tmp = mkdtempSync(path.join(os.tmpdir(), "quicknats-cli-"));

after(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(tmp, { recursive: true, force: true });
});

describe("quicknats CLI", () => {
  let srv: NatsServer;
  let nc: NatsConnection;
  let S: string[];

  before(async () => {
    srv = await NatsServer.start();
    nc = await connect({ servers: srv.hostport });
    S = ["-s", srv.hostport];
  });
  after(async () => {
    await nc?.close();
    await srv?.stop();
  });

  describe("help, version, usage errors", () => {
    it("--version prints the package version", async () => {
      const r = await run(["--version"]);
      expectExit(r, EXIT.ok, "--version");
      const pkg = JSON.parse(readFileSync(path.join(ROOT, "packages/cli/package.json"), "utf8"));
      assert.match(r.stdout, new RegExp(`^quicknats ${pkg.version.replace(/\./g, "\\.")} `));
    });

    it("--help lists every command and the exit codes", async () => {
      const r = await run(["--help"]);
      expectExit(r, EXIT.ok, "--help");
      for (const c of ["pub", "sub", "req", "reply", "bench", "rtt", "server info"]) {
        assert.match(r.stdout, new RegExp(`^  ${c} `, "m"), `command ${c} listed`);
      }
      assert.match(r.stdout, /3 connection failed/);
    });

    const flagsOf: Record<string, string[]> = {
      pub: ["--count", "--sleep", "--header", "--reply"],
      sub: ["--queue", "--count", "--raw", "--headers-only", "--json"],
      req: ["--header", "--replies", "--raw", "--json"],
      reply: ["--command", "--echo", "--queue", "--count"],
      bench: ["--pub", "--sub", "--msgs", "--size", "--request", "--json"],
      rtt: ["--json"],
      "server info": ["--json"],
    };
    for (const [cmd, flags] of Object.entries(flagsOf)) {
      it(`${cmd} --help shows usage, its flags, the connection flags and examples`, async () => {
        const r = await run([...cmd.split(" "), "--help"]);
        expectExit(r, EXIT.ok, `${cmd} --help`);
        assert.match(r.stdout, new RegExp(`^Usage: quicknats ${cmd} \\[flags\\]`));
        for (const f of [...flags, "--server", "--user", "--password", "--token", "--creds", "--nkey", "--tlsca", "--tlscert", "--tlskey", "--timeout", "--name"]) {
          assert.ok(r.stdout.includes(`${f} `) || r.stdout.includes(`${f}\n`), `${cmd} --help mentions ${f}\n${r.stdout}`);
        }
        assert.match(r.stdout, /^Examples:\n  # .+\n  quicknats /m);
      });
    }

    it("`help pub` is `pub --help`", async () => {
      const [a, b] = await Promise.all([run(["help", "pub"]), run(["pub", "--help"])]);
      expectExit(a, EXIT.ok, "help pub");
      assert.equal(a.stdout, b.stdout);
    });

    it("an unknown flag exits 2 with the command's usage", async () => {
      const r = await run(["pub", "x", "y", "--bogus", ...S]);
      expectExit(r, EXIT.usage, "unknown flag");
      assert.match(r.stderr, /^quicknats: unknown flag --bogus\nusage: quicknats pub \[flags\] SUBJECT \[BODY\]/);
    });

    it("bad values, missing arguments and unknown commands exit 2", async () => {
      const cases: Array<[string[], RegExp]> = [
        [["pub", "x", "--count", "many"], /--count must be an integer >= 1, got 'many'/],
        [["pub", "x", "--count"], /flag --count needs a value/],
        [["pub", "x", "--sleep", "5"], /--sleep must be a duration such as 500ms/],
        [["req", "x", "--timeout", "soon"], /--timeout must be a duration/],
        [["sub"], /missing SUBJECT/],
        [["sub", "a", "b"], /unexpected argument 'b'/],
        [["sub", "x", "--json=yes"], /flag --json does not take a value/],
        [["pub", "x", "-H", "novalue"], /--header must be KEY:VALUE/],
        [["bench", "x", "--size", "big"], /--size must be a size/],
        [["pbu", "x"], /unknown command 'pbu' \(did you mean 'pub'\?\)/],
        [["server"], /'server' needs a subcommand/],
        [[], /missing command/],
      ];
      const results = await Promise.all(cases.map(([args]) => run([...args, ...S])));
      results.forEach((r, i) => {
        expectExit(r, EXIT.usage, cases[i][0].join(" "));
        assert.match(r.stderr, cases[i][1]);
      });
    });

    it("an invalid subject exits 2 and publishes nothing", async () => {
      const before = (await srv.varz()).in_msgs;
      const r = await run(["pub", "a b", "x", ...S]);
      expectExit(r, EXIT.usage, "bad subject");
      assert.match(r.stderr, /illegal subject: 'a b'/);
      assert.equal((await srv.varz()).in_msgs, before);
    });
  });

  describe("connection errors", () => {
    it("an unreachable server exits 3 saying where and what to do", async () => {
      const port = await freePort();
      const r = await run(["pub", "x", "y", "-s", `127.0.0.1:${port}`]);
      expectExit(r, EXIT.connection, "unreachable");
      assert.equal(
        r.stderr.trim(),
        `quicknats: cannot connect to 127.0.0.1:${port}: connection refused — is nats-server running? set --server or NATS_URL`,
      );
    });

    it("NATS_URL is the default server", async () => {
      const got = collect(nc, "cli.env", 1);
      await nc.flush();
      const r = await run(["pub", "cli.env", "via env"], { env: { NATS_URL: srv.url } });
      expectExit(r, EXIT.ok, "pub with NATS_URL");
      assert.equal((await got.done)[0].string(), "via env");
    });

    it("--server takes a comma-separated list", async () => {
      const port = await freePort();
      const r = await run(["rtt", "1", "-s", `127.0.0.1:${port},${srv.hostport}`]);
      expectExit(r, EXIT.ok, "two servers, first down");
      assert.match(r.stdout, new RegExp(`^${srv.hostport}: rtt `));
    });
  });

  describe("pub", () => {
    it("publishes --count messages numbered by {{Count}} and {{.Count}}, with headers and a reply subject", async () => {
      const got = collect(nc, "cli.pub", 3);
      await nc.flush();
      const r = await run(["pub", "cli.pub", "msg {{Count}}/{{.Count}}", "--count", "3", "-H", "Trace:t{{Count}}", "--header", "X-Static: a b", "--reply", "cli.back", ...S]);
      expectExit(r, EXIT.ok, "pub --count 3");
      assert.match(r.stderr, /Published 3 messages \(\d+ bytes\) to "cli.pub"/);
      const msgs = await got.done;
      assert.deepEqual(msgs.map((m) => m.string()), ["msg 1/1", "msg 2/2", "msg 3/3"]);
      assert.deepEqual(msgs.map((m) => m.headers?.get("Trace")), ["t1", "t2", "t3"]);
      assert.deepEqual(msgs.map((m) => m.headers?.get("X-Static")), ["a b", "a b", "a b"]);
      assert.deepEqual(msgs.map((m) => m.reply), ["cli.back", "cli.back", "cli.back"]);
    });

    it("reads the body from stdin, bytes unchanged", async () => {
      const body = Buffer.from([0x68, 0x69, 0x0a, 0xff, 0x00, 0xfe]);
      const got = collect(nc, "cli.stdin", 1);
      await nc.flush();
      const r = await run(["pub", "cli.stdin", ...S], { stdin: body });
      expectExit(r, EXIT.ok, "pub from stdin");
      assert.deepEqual(Buffer.from((await got.done)[0].data), body);
    });

    it("--sleep spaces the messages", async () => {
      const got = collect(nc, "cli.sleep", 3);
      const times: number[] = [];
      const sub = nc.subscribe("cli.sleep", { callback: () => times.push(performance.now()) });
      await nc.flush();
      const r = await run(["pub", "cli.sleep", "x", "--count", "3", "--sleep", "150ms", ...S]);
      expectExit(r, EXIT.ok, "pub --sleep");
      await got.done;
      sub.unsubscribe();
      assert.equal(times.length, 3);
      // two pauses of 150 ms; 50 ms of slack for a loaded machine
      assert.ok(times[2] - times[0] >= 250, `span ${times[2] - times[0]} ms`);
    });
  });

  describe("sub", () => {
    it("receives exactly what pub --count 5 sends, headers included (--json)", async () => {
      const s = new Cli(["sub", "cli.e2e.*", "--count", "5", "--json", ...S]);
      await s.until(/Subscribing on "cli\.e2e\.\*"/);
      const p = await run(["pub", "cli.e2e.x", "n={{Count}}", "--count", "5", "-H", "K:v{{Count}}", "-H", "K:second", "--reply", "r.x", ...S]);
      expectExit(p, EXIT.ok, "pub");
      const r = await s.exit();
      expectExit(r, EXIT.ok, "sub --count 5");
      const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(lines, [1, 2, 3, 4, 5].map((n) => ({
        seq: n,
        subject: "cli.e2e.x",
        reply: "r.x",
        headers: { K: [`v${n}`, "second"] },
        data: `n=${n}`,
        size: `n=${n}`.length,
      })));
    });

    it("prints messages like `nats sub`: number, subject, reply, headers, payload", async () => {
      const s = new Cli(["sub", "cli.human", "--count", "2", ...S]);
      await s.until(/Subscribing on/);
      const h = headers();
      h.set("A", "1");
      nc.publish("cli.human", "first", { reply: "r.1", headers: h });
      nc.publish("cli.human", "second line\n");
      await nc.flush();
      const r = await s.exit();
      expectExit(r, EXIT.ok, "sub human");
      assert.equal(r.stdout, '[#1] Received on "cli.human" with reply "r.1"\nA: 1\n\nfirst\n\n[#2] Received on "cli.human"\nsecond line\n\n');
    });

    it("--raw prints payloads only; --headers-only leaves them out; binary payloads come as base64 in --json", async () => {
      const raw = new Cli(["sub", "cli.modes", "--count", "2", "--raw", ...S]);
      const ho = new Cli(["sub", "cli.modes", "--count", "2", "--headers-only", ...S]);
      const js = new Cli(["sub", "cli.modes", "--count", "2", "--json", ...S]);
      await Promise.all([raw.until(/Subscribing on/), ho.until(/Subscribing on/), js.until(/Subscribing on/)]);
      const h = headers();
      h.set("H", "x");
      nc.publish("cli.modes", "p1", { headers: h });
      nc.publish("cli.modes", new Uint8Array([0xff, 0x01]));
      await nc.flush();
      const [r1, r2, r3] = await Promise.all([raw.exit(), ho.exit(), js.exit()]);
      expectExit(r1, EXIT.ok, "--raw");
      expectExit(r2, EXIT.ok, "--headers-only");
      expectExit(r3, EXIT.ok, "--json");
      assert.equal(r1.stdout, "p1\n\xff\x01\n".replace("\xff", "\ufffd"));
      assert.equal(r2.stdout, '[#1] Received on "cli.modes"\nH: x\n\n[#2] Received on "cli.modes"\n\n');
      const bin = JSON.parse(r3.stdout.trim().split("\n")[1]);
      assert.equal(bin.data_base64, Buffer.from([0xff, 0x01]).toString("base64"));
      assert.equal(bin.data, undefined);
    });

    it("--queue joins a queue group", async () => {
      const s = new Cli(["sub", "cli.q", "--queue", "grp", "--count", "1", ...S]);
      await s.until(/Subscribing on "cli.q" in group "grp"/);
      const conns = await srv.connz({ subs: "detail" });
      const subs = conns.connections.flatMap((c: { subscriptions_list_detail?: Array<{ subject: string; qgroup?: string }> }) => c.subscriptions_list_detail ?? []);
      assert.ok(subs.some((d: { subject: string; qgroup?: string }) => d.subject === "cli.q" && d.qgroup === "grp"), JSON.stringify(subs));
      nc.publish("cli.q", "one");
      expectExit(await s.exit(), EXIT.ok, "sub --queue");
    });

    it("SIGINT drains and exits 0", async () => {
      const s = new Cli(["sub", "cli.sigint", ...S]);
      await s.until(/Subscribing on/);
      nc.publish("cli.sigint", "before");
      await s.until(/before/);
      s.proc.kill("SIGINT");
      const r = await s.exit();
      expectExit(r, EXIT.ok, "sub after SIGINT");
      assert.equal(r.signal, null);
      // the subscription is gone from the server
      const conns = await srv.connz({ subs: true });
      const subjects = conns.connections.flatMap((c: { subscriptions_list?: string[] }) => c.subscriptions_list ?? []);
      assert.ok(!subjects.includes("cli.sigint"), subjects.join(","));
    });
  });

  describe("req and reply", () => {
    it("req gets the static answer of reply, {{Count}} numbered", async () => {
      const rep = new Cli(["reply", "cli.svc", "answer {{Count}}", "--count", "2", ...S]);
      await rep.until(/Listening on "cli.svc"/);
      const r1 = await run(["req", "cli.svc", "q1", ...S]);
      const r2 = await run(["req", "cli.svc", "q2", ...S]);
      expectExit(r1, EXIT.ok, "req 1");
      expectExit(r2, EXIT.ok, "req 2");
      assert.equal(r1.stdout, "answer 1\n");
      assert.equal(r2.stdout, "answer 2\n");
      assert.match(r1.stderr, /Received with rtt \d+(\.\d+)?(µs|ms|s)/);
      const rr = await rep.exit();
      expectExit(rr, EXIT.ok, "reply --count 2");
      assert.match(rr.stdout, /\[#1\] Received on "cli.svc" with reply "_INBOX\.[^"]+"\nq1\n/);
    });

    it("reply --command runs a shell command per request, the request body on its stdin", async () => {
      const rep = new Cli(["reply", "cli.upper", "--command", "tr a-z A-Z", "--count", "2", ...S]);
      await rep.until(/Listening on/);
      const r = await run(["req", "cli.upper", "hello world", ...S]);
      expectExit(r, EXIT.ok, "req to --command");
      assert.equal(r.stdout, "HELLO WORLD\n");
      // body from stdin and --json
      const j = await run(["req", "cli.upper", "--json", ...S], { stdin: "from stdin" });
      expectExit(j, EXIT.ok, "req --json");
      const m = JSON.parse(j.stdout);
      assert.equal(m.data, "FROM STDIN");
      assert.equal(typeof m.rtt_ms, "number");
      expectExit(await rep.exit(), EXIT.ok, "reply --command");
    });

    it("a failing --command answers with Nats-Service-Error headers", async () => {
      const rep = new Cli(["reply", "cli.fail", "--command", "echo partial; exit 3", "--count", "1", ...S]);
      await rep.until(/Listening on/);
      const m = await nc.request("cli.fail", "x", { timeout: 5000 });
      assert.equal(m.string(), "partial\n");
      assert.equal(m.headers?.get("Nats-Service-Error-Code"), "500");
      assert.match(m.headers?.get("Nats-Service-Error") ?? "", /exited with code 3/);
      expectExit(await rep.exit(), EXIT.ok, "reply");
    });

    it("req sends headers; reply --echo returns them", async () => {
      const rep = new Cli(["reply", "cli.echo", "--echo", "--count", "1", ...S]);
      await rep.until(/Listening on/);
      const r = await run(["req", "cli.echo", "body", "-H", "X-Id:42", ...S]);
      expectExit(r, EXIT.ok, "req -H");
      assert.equal(r.stdout, "X-Id: 42\n\nbody\n");
      expectExit(await rep.exit(), EXIT.ok, "reply --echo");
    });

    it("req --replies N collects N answers (requestMany)", async () => {
      const subs = [1, 2, 3].map((i) => nc.subscribe("cli.many", { callback: (_e, m) => m.respond(`r${i}`) }));
      await nc.flush();
      const r = await run(["req", "cli.many", "x", "--replies", "2", "--timeout", "3s", ...S]);
      expectExit(r, EXIT.ok, "req --replies 2");
      const lines = r.stdout.trim().split("\n").sort();
      assert.equal(lines.length, 2, r.stdout);
      for (const l of lines) assert.match(l, /^r[123]$/);
      const all = await run(["req", "cli.many", "x", "--replies", "0", "--timeout", "500ms", ...S]);
      expectExit(all, EXIT.ok, "req --replies 0");
      assert.deepEqual(all.stdout.trim().split("\n").sort(), ["r1", "r2", "r3"]);
      for (const s of subs) s.unsubscribe();
    });

    it("req to a subject nobody serves exits 4 with a no-responders message", async () => {
      const r = await run(["req", "cli.nobody.home", "x", ...S]);
      expectExit(r, EXIT.noResponders, "no responders");
      assert.match(r.stderr, /quicknats: no responders on "cli\.nobody\.home": nobody is subscribed to that subject/);
    });

    it("req --timeout on a silent subscriber exits 5", async () => {
      let got = 0;
      const sub = nc.subscribe("cli.silent", { callback: () => got++ });
      await nc.flush();
      const t0 = performance.now();
      const r = await run(["req", "cli.silent", "x", "--timeout", "300ms", ...S]);
      const took = performance.now() - t0;
      expectExit(r, EXIT.timeout, "req timeout");
      assert.match(r.stderr, /quicknats: request on "cli\.silent" timed out after 300ms/);
      assert.equal(got, 1, "the request reached the subscriber");
      assert.ok(took >= 300, `took ${took} ms`);
      sub.unsubscribe();
    });
  });

  describe("rtt, server info", () => {
    it("rtt prints a duration", async () => {
      const r = await run(["rtt", ...S]);
      expectExit(r, EXIT.ok, "rtt");
      assert.match(r.stdout, new RegExp(`^${srv.hostport}: rtt \\d+(\\.\\d+)?(µs|ms|s) \\(average of 5; min \\S+, max \\S+\\)\\n$`));
      const j = await run(["rtt", "3", "--json", ...S]);
      expectExit(j, EXIT.ok, "rtt --json");
      const o = JSON.parse(j.stdout);
      assert.equal(o.samples_ms.length, 3);
      assert.ok(o.avg_ms > 0 && o.min_ms <= o.avg_ms && o.avg_ms <= o.max_ms, j.stdout);
    });

    it("server info --json is the server's INFO; the readable form shows the version", async () => {
      const varz = await srv.varz();
      const r = await run(["server", "info", "--json", ...S]);
      expectExit(r, EXIT.ok, "server info --json");
      const info = JSON.parse(r.stdout);
      assert.equal(info.server_id, varz.server_id);
      assert.equal(info.port, srv.port);
      const h = await run(["server", "info", ...S]);
      expectExit(h, EXIT.ok, "server info");
      assert.match(h.stdout, new RegExp(`^\\s+Version: ${varz.version.replace(/\./g, "\\.")}$`, "m"));
      assert.match(h.stdout, new RegExp(`^\\s+Server ID: ${varz.server_id}$`, "m"));
    });
  });

  describe("bench", () => {
    it("--pub 1 --sub 1 --msgs 10000 --size 16: counts match, and the server saw them", async () => {
      const v0 = await srv.varz();
      const r = await run(["bench", "cli.bench", "--pub", "1", "--sub", "1", "--msgs", "10000", "--size", "16", "--json", ...S], { ms: 20_000 });
      expectExit(r, EXIT.ok, "bench");
      const v1 = await srv.varz();
      const o = JSON.parse(r.stdout);
      assert.equal(o.msgs, 10000);
      assert.equal(o.size, 16);
      assert.equal(o.pub.msgs, 10000);
      assert.equal(o.pub.bytes, 160000);
      assert.equal(o.sub.clients.length, 1);
      assert.equal(o.sub.clients[0].msgs, 10000);
      assert.equal(o.total.msgs, 20000);
      for (const g of [o.pub, o.sub, o.total]) assert.ok(g.msgs_per_sec > 0 && g.mb_per_sec > 0, JSON.stringify(g));
      // nothing else publishes meanwhile: the PINGs of flush are not messages
      assert.equal(v1.in_msgs - v0.in_msgs, 10000);
      assert.equal(v1.out_msgs - v0.out_msgs, 10000);
    });

    it("several publishers and subscribers: per-client lines and min/avg/max/stddev, like nats bench", async () => {
      const r = await run(["bench", "cli.bench2", "--pub", "2", "--sub", "2", "--msgs", "5001", "--size", "8", ...S], { ms: 20_000 });
      expectExit(r, EXIT.ok, "bench 2x2");
      assert.match(r.stdout, /^NATS Pub\/Sub stats: [\d,]+ msgs\/sec ~ [\d.]+ \w?B\/sec$/m);
      assert.match(r.stdout, /^ Pub stats: [\d,]+ msgs\/sec/m);
      assert.match(r.stdout, /^  \[1\] [\d,]+ msgs\/sec ~ [\d.]+ \w?B\/sec \(2,501 msgs\)$/m);
      assert.match(r.stdout, /^  \[2\] [\d,]+ msgs\/sec ~ [\d.]+ \w?B\/sec \(2,500 msgs\)$/m);
      assert.match(r.stdout, /^ Sub stats: [\d,]+ msgs\/sec/m);
      assert.equal((r.stdout.match(/\(5,001 msgs\)$/gm) ?? []).length, 2, r.stdout);
      assert.equal((r.stdout.match(/^  min [\d,]+ \| avg [\d,]+ \| max [\d,]+ \| stddev [\d,]+ msgs$/gm) ?? []).length, 2, r.stdout);
    });

    it("--request --msgs 1000 reports latency percentiles", async () => {
      const r = await run(["bench", "cli.rpc", "--request", "--msgs", "1000", "--json", ...S], { ms: 20_000 });
      expectExit(r, EXIT.ok, "bench --request");
      const o = JSON.parse(r.stdout);
      assert.equal(o.mode, "request");
      assert.equal(o.pub.msgs, 1000);
      assert.equal(o.sub.msgs, 1000, "the responder answered every request");
      const l = o.latency_ms;
      assert.equal(l.count, 1000);
      assert.ok(l.min > 0 && l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.max, JSON.stringify(l));
      const h = await run(["bench", "cli.rpc", "--request", "--msgs", "200", ...S], { ms: 20_000 });
      expectExit(h, EXIT.ok, "bench --request human");
      assert.match(h.stdout, /^ Latency \(200 requests\): min \S+ \| p50 \S+ \| p90 \S+ \| p99 \S+ \| max \S+ \| avg \S+$/m);
    });

    it("no progress bars when stderr is not a terminal", async () => {
      const r = await run(["bench", "cli.bench3", "--msgs", "100", ...S]);
      expectExit(r, EXIT.ok, "bench");
      assert.equal(r.stderr, "Starting pub/sub benchmark [subject=cli.bench3, msgs=100, size=128 B, pubs=1, subs=0]\n");
    });
  });

  describe("authentication and permissions", () => {
    let auth: NatsServer;
    const PASSWORD = "s3cr3t-PW-never-shown";
    before(async () => {
      auth = await NatsServer.start({
        authorization: {
          users: [
            { user: "alice", password: PASSWORD, permissions: { publish: { deny: ["secret.>"] } } },
          ],
        },
      });
    });
    after(() => auth?.stop());

    it("--user/--password connect; a wrong password exits 7; the password is never printed, even with --debug", async () => {
      const ok = await run(["rtt", "1", "-s", auth.hostport, "--user", "alice", "--password", PASSWORD, "--debug"]);
      expectExit(ok, EXIT.ok, "right password");
      assert.match(ok.stderr, /CONNECT .*"pass":"\[REDACTED\]"/);
      const bad = await run(["rtt", "-s", auth.hostport, "--user", "alice", "--password", `${PASSWORD}x`, "--debug"]);
      expectExit(bad, EXIT.permission, "wrong password");
      assert.match(bad.stderr, /authorization violation — check --user\/--password or --token/);
      const url = await run(["rtt", "1", "-s", `nats://alice:${PASSWORD}@${auth.hostport}`, "--debug"]);
      expectExit(url, EXIT.ok, "credentials in the URL");
      for (const r of [ok, bad, url]) {
        assert.ok(!(r.stdout + r.stderr).includes(PASSWORD), `password printed:\n${r.stdout}\n${r.stderr}`);
      }
      assert.ok(!url.stderr.includes(`alice:${PASSWORD.slice(0, 4)}`));
    });

    it("NATS_USER/NATS_PASSWORD are the defaults", async () => {
      const r = await run(["rtt", "1", "-s", auth.hostport], { env: { NATS_USER: "alice", NATS_PASSWORD: PASSWORD } });
      expectExit(r, EXIT.ok, "env credentials");
    });

    it("a refused publish exits 7 with permission denied", async () => {
      const r = await run(["pub", "secret.x", "y", "-s", auth.hostport, "--user", "alice", "--password", PASSWORD]);
      expectExit(r, EXIT.permission, "publish denied");
      assert.match(r.stderr, /permission denied: the server does not allow this user to publish to "secret\.x"/);
    });

    it("--token", async () => {
      const t = await NatsServer.start({ authorization: { token: "tok-never-shown" } });
      try {
        const ok = await run(["rtt", "1", "-s", t.hostport, "--token", "tok-never-shown", "--debug"]);
        expectExit(ok, EXIT.ok, "token");
        const bad = await run(["rtt", "1", "-s", t.hostport, "--token", "wrong-never-shown"]);
        expectExit(bad, EXIT.permission, "bad token");
        for (const r of [ok, bad]) assert.ok(!/never-shown/.test(r.stdout + r.stderr), r.stdout + r.stderr);
      } finally {
        await t.stop();
      }
    });

    it("--nkey with a seed file; a file that holds no seed exits 2", async () => {
      const kp = createUser();
      const seed = new TextDecoder().decode(kp.getSeed());
      const n = await NatsServer.start({ authorization: { users: [{ nkey: kp.getPublicKey() }] } });
      try {
        const file = path.join(tmp, "user.nk");
        writeFileSync(file, `${seed}\n`);
        const ok = await run(["rtt", "1", "-s", n.hostport, "--nkey", file, "--debug"]);
        expectExit(ok, EXIT.ok, "nkey");
        assert.ok(!(ok.stdout + ok.stderr).includes(seed), "seed printed");
        const badFile = path.join(tmp, "bad.nk");
        writeFileSync(badFile, "not a seed\n");
        const bad = await run(["rtt", "1", "-s", n.hostport, "--nkey", badFile]);
        expectExit(bad, EXIT.usage, "bad seed file");
        assert.match(bad.stderr, /the --nkey file '.*bad\.nk' is not valid/);
        const missing = await run(["rtt", "1", "-s", n.hostport, "--nkey", path.join(tmp, "nope.nk")]);
        expectExit(missing, EXIT.usage, "missing seed file");
        assert.match(missing.stderr, /cannot read the --nkey file '.*nope\.nk': no such file/);
      } finally {
        await n.stop();
      }
    });

    it("--creds with a .creds file", async () => {
      const env = await JwtEnv.create();
      const user = await env.mintUser({ name: "cli" });
      const j = await NatsServer.start(env.config());
      try {
        const ok = await run(["rtt", "1", "-s", j.hostport, "--creds", user.credsFile, "--debug"]);
        expectExit(ok, EXIT.ok, "creds");
        assert.ok(!(ok.stdout + ok.stderr).includes(user.seed), "seed printed");
        const none = await run(["rtt", "1", "-s", j.hostport]);
        expectExit(none, EXIT.permission, "no creds");
      } finally {
        await j.stop();
      }
    });
  });

  describe("TLS", () => {
    it("--tlsca verifies the server; without it the certificate is not trusted (exit 3); --tlscert/--tlskey for mutual TLS", async () => {
      const c = await certs();
      const t = await NatsServer.start({
        tls: { cert_file: c.server.certFile, key_file: c.server.keyFile, ca_file: c.ca.certFile, verify: true },
      });
      try {
        const url = `tls://127.0.0.1:${t.port}`;
        const ok = await run(["server", "info", "--json", "-s", url, "--tlsca", c.ca.certFile, "--tlscert", c.client.certFile, "--tlskey", c.client.keyFile]);
        expectExit(ok, EXIT.ok, "mutual TLS");
        assert.equal(JSON.parse(ok.stdout).tls_required, true);
        const untrusted = await run(["rtt", "1", "-s", url, "--tlscert", c.client.certFile, "--tlskey", c.client.keyFile]);
        expectExit(untrusted, EXIT.connection, "no CA");
        assert.match(untrusted.stderr, /cannot connect to tls:\/\/127\.0\.0\.1:\d+: .*not trusted/);
        const half = await run(["rtt", "1", "-s", url, "--tlscert", c.client.certFile]);
        expectExit(half, EXIT.usage, "cert without key");
        assert.match(half.stderr, /--tlscert and --tlskey go together/);
      } finally {
        await t.stop();
      }
    });
  });

  describe("not supported", () => {
    it("pub -H to a server without header support exits 6, and nothing is published", async () => {
      const rogue = await RogueServer.start({ info: { headers: false } });
      try {
        const r = await run(["pub", "cli.nohdr", "x", "-H", "K:v", "-s", rogue.url]);
        expectExit(r, EXIT.notSupported, "headers to a server without them");
        assert.match(r.stderr, /headers/);
        assert.ok(rogue.connections.length >= 1, "the CLI connected");
        assert.ok(!rogue.connections.some((c) => c.frames.some((f) => f.op === "PUB" || f.op === "HPUB")), "nothing was published");
      } finally {
        await rogue.stop();
      }
    });
  });
});
