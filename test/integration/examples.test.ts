// The nats-core README's examples (examples/*.ts), each run unchanged in its own
// node process against a real nats-server, and the `npm run demo` program.
// test/helpers/redirect-demo.mjs, preloaded into each child, sends the
// examples' demo.nats.io:4222 / 127.0.0.1:4222 dials to the test's server.
// Builds nothing: the suite's pretest builds the packages the examples import.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { connect, createInbox, type Msg, type NatsConnection, TimeoutError } from "@quicknats/node";
import { NatsServer } from "../helpers/nats-server.js";
import { eventually, within } from "../helpers/wait.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const REDIRECT = "./test/helpers/redirect-demo.mjs";
/** Bound on one example's run: tsx compiles on start, which takes ~0.5 s (more on a loaded 2-core box). */
const RUN_MS = 15_000;
/** Bound on waiting for a line of output once the child is up. */
const LINE_MS = 10_000;
/** How often a wait asks the server's monitoring endpoint while a child (tsx compiling) wants the CPU. */
const CONNZ_POLL_MS = 50;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child node process and everything it has printed so far. */
class Child {
  stdout = "";
  stderr = "";
  readonly closed: Promise<Exit>;
  #exit: Exit | undefined;
  readonly #proc: ChildProcess;
  readonly #what: string;

  constructor(args: string[], env: Record<string, string>, what: string) {
    const base = { ...process.env };
    delete base.NATS_URL;
    delete base.NODE_TEST_CONTEXT; // the child is a plain program, not a test file
    delete base.QUICKNATS_REDIRECT_PORT;
    this.#what = what;
    this.#proc = spawn(process.execPath, args, { cwd: ROOT, env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    this.#proc.stdout!.setEncoding("utf8").on("data", (s: string) => (this.stdout += s));
    this.#proc.stderr!.setEncoding("utf8").on("data", (s: string) => (this.stderr += s));
    // "close", not "exit": by then all of stdout has been read
    this.closed = new Promise((resolve) => {
      this.#proc.once("close", (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
    });
    children.add(this);
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** stdout's lines, trailing whitespace trimmed, empty lines dropped. */
  get lines(): string[] {
    return this.stdout
      .split("\n")
      .map((l) => l.trimEnd())
      .filter((l) => l !== "");
  }

  describe(): string {
    return `${this.#what}\n--- stdout ---\n${this.stdout || "(none)"}\n--- stderr ---\n${this.stderr || "(none)"}`;
  }

  /** Resolves once `test()` holds (checked on every output chunk); fails after `ms` or if the child ends first. */
  until(test: () => boolean, what: string, ms = LINE_MS): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const stop = (): void => {
        clearTimeout(timer);
        this.#proc.stdout!.off("data", onData);
        this.#proc.stderr!.off("data", onData);
      };
      // our listeners were added after the ones that append, so the text is in
      const onData = (): void => {
        if (test()) {
          stop();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`${what}: not within ${ms} ms\n${this.describe()}`));
      }, ms);
      this.#proc.stdout!.on("data", onData);
      this.#proc.stderr!.on("data", onData);
      this.closed.then((exit) => {
        if (test()) {
          stop();
          resolve();
        } else {
          stop();
          reject(new Error(`${what}: the child ended first (${JSON.stringify(exit)})\n${this.describe()}`));
        }
      });
    });
  }

  /** Waits for a stdout line matching `re` and returns its match. */
  async line(re: RegExp, ms = LINE_MS): Promise<RegExpMatchArray> {
    let m: RegExpMatchArray | null = null;
    await this.until(() => this.lines.some((l) => (m = re.exec(l)) !== null), `a line matching ${re}`, ms);
    return m!;
  }

  /** Waits for the child to end by itself; SIGKILLs it and fails after `ms`. */
  async exit(ms = RUN_MS): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(resolve, ms, "timeout");
    });
    const r = await Promise.race([this.closed, timeout]);
    clearTimeout(timer);
    if (r === "timeout") {
      this.#proc.kill("SIGKILL");
      await this.closed;
      assert.fail(`did not exit within ${ms} ms\n${this.describe()}`);
    }
    return r;
  }

  /** Asserts a clean exit (code 0, nothing on stderr) within `ms`. */
  async exitsCleanly(ms = RUN_MS): Promise<void> {
    const exit = await this.exit(ms);
    assert.deepEqual(exit, { code: 0, signal: null }, this.describe());
    assert.equal(this.stderr, "", this.describe());
  }

  /** SIGTERM (SIGKILL after 5 s) for examples that never end by themselves. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.#proc.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 5000);
    });
    await Promise.race([this.closed, late]);
    clearTimeout(timer);
    if (this.running) {
      this.#proc.kill("SIGKILL");
      await this.closed;
    }
  }
}

const children = new Set<Child>();

/** Runs examples/<name>.ts with its 4222 dials sent to `ports` (see redirect-demo.mjs). */
function example(name: string, ports: number | number[]): Child {
  const redirect = Array.isArray(ports) ? ports.join(",") : String(ports);
  return new Child(
    ["--import", REDIRECT, "--import", "tsx", `examples/${name}.ts`],
    { QUICKNATS_REDIRECT_PORT: redirect },
    `examples/${name}.ts (4222 -> ${redirect})`,
  );
}

/** Runs examples/demo.ts as `npm run demo` does, without the build. */
function demo(env: Record<string, string>): Child {
  return new Child(["--import", "tsx", "examples/demo.ts"], env, `examples/demo.ts ${JSON.stringify(env)}`);
}

/** How many subscriptions on each subject the server holds, over all connections. */
async function subCounts(srv: NatsServer): Promise<Map<string, number>> {
  const connz = await srv.connz({ subs: true });
  const n = new Map<string, number>();
  for (const c of connz.connections ?? []) {
    for (const s of (c.subscriptions_list ?? []) as string[]) n.set(s, (n.get(s) ?? 0) + 1);
  }
  return n;
}

/**
 * Waits until the server holds `n` more subscriptions on each subject than it
 * did in `baseline` (taken before the child started): the child's SUBs arrived.
 */
function serverHasSubs(srv: NatsServer, subjects: Record<string, number>, child: Child, baseline: Map<string, number>): Promise<void> {
  return eventually(
    async () => {
      if (!child.running) assert.fail(`the example ended before subscribing\n${child.describe()}`);
      const now = await subCounts(srv);
      return Object.entries(subjects).every(([subject, n]) => (now.get(subject) ?? 0) >= (baseline.get(subject) ?? 0) + n);
    },
    LINE_MS,
    `subscriptions ${JSON.stringify(subjects)} at the server`,
    CONNZ_POLL_MS,
  );
}

/** Collects the messages of a fresh subscription on `subject` (registered at the server on return). */
async function collect(nc: NatsConnection, subject: string): Promise<Msg[]> {
  const got: Msg[] = [];
  nc.subscribe(subject, { callback: (err, m) => err || got.push(m) });
  await nc.flush();
  return got;
}

async function totalConnections(srv: NatsServer): Promise<number> {
  return (await srv.varz()).total_connections as number;
}

after(async () => {
  await Promise.all([...children].map((c) => c.kill()));
});

describe("seed README examples, run unchanged", () => {
  let srv: NatsServer;
  let nc: NatsConnection;
  before(async () => {
    srv = await NatsServer.start();
    nc = await connect({ servers: srv.url });
  });
  after(async () => {
    await nc?.close();
    await srv?.stop();
  });

  it("connect.ts: the 4222 entries connect to our server, 4442/4443 fail fast", async () => {
    const before = await totalConnections(srv);
    const t0 = Date.now();
    const child = example("connect", srv.port);
    await child.exitsCleanly();
    assert.deepEqual(
      [...child.lines].sort(),
      [
        "connected to 127.0.0.1:4222", // {}
        "connected to 127.0.0.1:4222", // { port: 4222 }
        "connected to demo.nats.io:4222", // [4442 (refused), 4222] in either order
        "connected to localhost:4222",
        'error connecting to {"servers":"demo.nats.io:4443"}',
      ],
      child.describe(),
    );
    assert.equal((await totalConnections(srv)) - before, 4, "four connections reached the server");
    assert.ok(Date.now() - t0 < RUN_MS, "no dial waited for its 20 s timeout");
  });

  it("pubsub.ts prints both messages through the server, then 'subscription closed'", async () => {
    const seen = await collect(nc, "hello");
    const child = example("pubsub", srv.port);
    await child.exitsCleanly();
    assert.deepEqual(child.lines, ["[1]: world", "[2]: again", "subscription closed"]);
    await eventually(() => seen.length === 2, 2000, "the test's own subscriber got both");
    assert.deepEqual(
      seen.map((m) => m.string()),
      ["world", "again"],
    );
  });

  it("json.ts decodes the Person and prints Memo", async () => {
    const seen = await collect(nc, "people");
    const child = example("json", srv.port);
    await child.exitsCleanly();
    assert.deepEqual(child.lines, ["[1]: Memo"]);
    await eventually(() => seen.length === 1, 2000, "the test's own subscriber got the person");
    assert.deepEqual(seen[0]!.json(), { name: "Memo" });
  });

  it("wildcards.ts: each subscription prints the subjects its wildcard matches", async () => {
    const subs = await subCounts(srv);
    const child = example("wildcards", srv.port);
    try {
      await serverHasSubs(srv, { "help.*.system": 1, "help.me.*": 1, "help.>": 1 }, child, subs);
      for (const s of ["help.*.system", "help.me.*", "help.>"]) await child.line(new RegExp(`^listening for ${s.replace(/[.*>]/g, "\\$&")}$`));
      nc.publish("help.me.system", "a");
      nc.publish("help.you.system", "b");
      nc.publish("help.me.now", "c");
      nc.publish("help.a.b.c", "d");
      nc.publish("other.me.system", "x"); // matches nothing
      nc.publish("help.me.end", "end"); // help.me.* and help.>: a marker sent last
      await nc.flush();
      const msgLines = (): string[] => child.lines.filter((l) => l.startsWith("["));
      await child.until(() => msgLines().filter((l) => l.endsWith(" end")).length === 2, "the end marker on both subscriptions");
      await new Promise((r) => setTimeout(r, 100)); // room for a stray line to show up
      const got = msgLines().map((l) => {
        const m = /^\[(\S+)\]\s* #(\d+) - (\S+)\s+(\S+)$/.exec(l);
        assert.ok(m, `unexpected line: ${l}`);
        return `${m[1]} #${m[2]} ${m[3]} ${m[4]}`;
      });
      assert.deepEqual(got.sort(), [
        "help.*.system #1 help.me.system a",
        "help.*.system #2 help.you.system b",
        "help.> #1 help.me.system a",
        "help.> #2 help.you.system b",
        "help.> #3 help.me.now c",
        "help.> #4 help.a.b.c d",
        "help.> #5 help.me.end end",
        "help.me.* #1 help.me.system a",
        "help.me.* #2 help.me.now c",
        "help.me.* #3 help.me.end end",
      ]);
      // the padding the README's example computes (13 - subject length)
      assert.ok(child.lines.includes("[help.>]        #4 - help.a.b.c  d"), child.describe());
      assert.ok(child.running, "it waits on nc.closed() until killed");
    } finally {
      await child.kill();
    }
  });

  it("request.ts without service.ts reports the failed request and exits", async () => {
    const child = example("request", srv.port);
    await child.exitsCleanly();
    assert.equal(child.lines.length, 1, child.describe());
    assert.match(child.lines[0]!, /^problem with request: .*no responders/);
  });

  it("service.ts answers time (also to request.ts) and admin.uptime, and exits after admin.stop", async () => {
    const t0 = Date.now();
    const subs = await subCounts(srv);
    const svc = example("service", srv.port);
    try {
      await serverHasSubs(srv, { time: 1, "admin.*": 1 }, svc, subs);
      await svc.line(/^listening for time requests\.\.\.$/);
      await svc.line(/^listening for admin\.\* requests \[uptime \| stop\]$/);

      const client = example("request", srv.port);
      await client.exitsCleanly();
      assert.equal(client.lines.length, 1, client.describe());
      const [, iso] = /^got response: (.*)$/.exec(client.lines[0]!) ?? assert.fail(client.describe());
      assert.match(iso!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(Math.abs(Date.parse(iso!) - Date.now()) < 60_000, `the service's clock: ${iso}`);
      await svc.line(/^\[time\] handled #1$/);

      const time = await nc.request("time", "", { timeout: 2000 });
      assert.match(time.string(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      await svc.line(/^\[time\] handled #2$/);

      // a request without a reply subject is counted and ignored
      nc.publish("time", "");
      await svc.line(/^\[time\] #3 ignored - no reply subject$/);

      const uptime = Number((await nc.request("admin.uptime", "", { timeout: 2000 })).string());
      assert.ok(Number.isInteger(uptime) && uptime >= 0 && uptime <= Date.now() - t0, `uptime ${uptime}`);
      await svc.line(/^\[admin\] #1 handling uptime$/);

      // an unknown admin verb gets no answer
      await assert.rejects(nc.request("admin.reboot", "", { timeout: 300 }), TimeoutError);
      await svc.line(/^\[admin\] #2 ignoring request for admin\.reboot$/);

      const stop = await nc.request("admin.stop", "", { timeout: 2000 });
      assert.equal(stop.string(), "[admin] #3 stopping....");
      await svc.exitsCleanly(5000);
      const tail = svc.lines.slice(-3);
      assert.deepEqual(
        [...tail].sort(),
        ["connection to demo.nats.io:4222 closed", "subscription admin.* drained.", "subscription time drained."],
        svc.describe(),
      );
      assert.equal(tail[2], "connection to demo.nats.io:4222 closed", "closed() resolves after the subscriptions drained");
      assert.equal((await subCounts(srv)).get("time") ?? 0, subs.get("time") ?? 0, "the service's subscriptions are gone from the server");
    } finally {
      await svc.kill();
    }
  });

  it("queuegroups.ts: each echo request reaches one member per group and the standalone subscriber", async () => {
    const subs = await subCounts(srv);
    const child = example("queuegroups", srv.port);
    try {
      await child.line(/^standalone is listening for 'echo' requests\.\.\.$/);
      await serverHasSubs(srv, { echo: 6 }, child, subs);
      const names = ["echo-1", "echo-2", "echo-3", "other-echo-1", "other-echo-2"];
      for (const n of names) assert.ok(child.lines.includes(`${n} is listening for 'echo' requests...`), child.describe());

      const inbox = createInbox();
      const replies = await collect(nc, inbox);
      const requests = ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9"];
      for (const r of requests) nc.publish("echo", r, { reply: inbox });
      nc.publish("echo", "noreply"); // no reply subject: every receiver says it ignores it
      await nc.flush();
      const echoLines = (): string[] => child.lines.filter((l) => / echoed | ignoring request/.test(l));
      await child.until(() => echoLines().length >= requests.length * 3 + 3, "the echo lines");
      await eventually(() => replies.length >= requests.length * 3, 2000, "the echoes");
      await new Promise((r) => setTimeout(r, 100)); // room for a duplicate to show up

      const byRequest = new Map<string, string[]>();
      const ignoredBy: string[] = [];
      for (const l of echoLines()) {
        const m = /^\[(\S+)\]:\s* #\d+ (?:echoed (\S+)|ignoring request - no reply subject)$/.exec(l);
        assert.ok(m, `unexpected line: ${l}`);
        if (m[2] === undefined) ignoredBy.push(m[1]!);
        else byRequest.set(m[2], [...(byRequest.get(m[2]) ?? []), m[1]!]);
      }
      assert.deepEqual([...byRequest.keys()].sort(), requests);
      for (const [r, who] of byRequest) {
        assert.equal(who.filter((n) => /^echo-[123]$/.test(n)).length, 1, `${r} went to ${who.join(", ")}`);
        assert.equal(who.filter((n) => /^other-echo-[12]$/.test(n)).length, 1, `${r} went to ${who.join(", ")}`);
        assert.equal(who.filter((n) => n === "standalone").length, 1, `${r} went to ${who.join(", ")}`);
        assert.equal(who.length, 3, `${r} went to ${who.join(", ")}`);
      }
      assert.equal(ignoredBy.length, 3, `the reply-less message: ${ignoredBy.join(", ")}`);
      assert.ok(ignoredBy.includes("standalone"));
      assert.equal(replies.length, requests.length * 3, "three echoes per request");
      const echoed = replies.map((m) => m.string()).sort();
      assert.deepEqual(echoed, requests.flatMap((r) => [r, r, r]).sort());
      assert.ok(child.running, "it waits on every connection's closed() until killed");
    } finally {
      await child.kill();
    }
  });

  it("headers.ts prints the header keys and values it received", async () => {
    const child = example("headers", srv.port);
    await child.exitsCleanly();
    const lines = child.lines;
    assert.equal(lines.length, 3, child.describe());
    const id = /^id=(\S+)$/.exec(lines[0]!)?.[1];
    assert.ok(id, child.describe());
    assert.match(lines[1]!, /^unix_time=\d{13}$/);
    assert.equal(lines[2], `id ${id}`, "get('id') returns the value that was iterated");
  });

  it("otel-tracing.ts prints the time and its spans as a tree", async () => {
    const child = example("otel-tracing", srv.port);
    await child.exitsCleanly();
    assert.match(child.lines[0] ?? "", /^the time is \d{4}-\d\d-\d\dT[\d:.]+Z$/, child.describe());
    assert.ok(child.lines.some((l) => /^(└─|   └─) GET \/checkout \[internal\] [\d.]+ ms$/.test(l)), child.describe());
  });

  it("otel-tracing.ts: one trace, the request, the responder's process span, its span and its reply", async () => {
    const child = example("otel-tracing", srv.port);
    await child.exitsCleanly();
    const tree = child.lines.slice(1).map((l) => l.replace(/ [\d.]+ ms$/, "").replace(/^trace [0-9a-f]{32}$/, "trace"));
    assert.deepEqual(tree, [
      "trace",
      "└─ GET /checkout [internal]",
      "   └─ request time [client]",
      "      └─ process time [consumer]",
      "         └─ format time [internal]",
      "            └─ publish [producer]",
    ], child.describe());
  });

  it("no-responders.ts prints that no one is listening", async () => {
    const t0 = Date.now();
    const child = example("no-responders", srv.port);
    await child.exitsCleanly();
    assert.deepEqual(child.lines, ["no one is listening to 'hello.world'"]);
    assert.ok(Date.now() - t0 < RUN_MS);
  });

  it("flush.ts: foo and bar reached the server before it closed", async () => {
    const foo = await collect(nc, "foo");
    const bar = await collect(nc, "bar");
    const child = example("flush", srv.port);
    await child.exitsCleanly();
    assert.deepEqual(child.lines, []);
    await eventually(() => foo.length === 1 && bar.length === 1, 2000, "foo and bar at the test's subscriber");
    assert.equal(foo[0]!.data.length, 0, "an empty payload");
  });

  it("sub-timeout.ts prints 'sub timed out!' after about a second and exits", async () => {
    const subs = await subCounts(srv);
    const child = example("sub-timeout", srv.port);
    await serverHasSubs(srv, { foo: 1, hello: 1 }, child, subs);
    const subscribed = Date.now();
    await child.exitsCleanly();
    const waited = Date.now() - subscribed;
    assert.deepEqual(child.lines, ["sub timed out!"]);
    assert.ok(waited >= 700, `the timeout fired after ~1000 ms, not ${waited} ms`);
  });

  it("sub-timeout.ts: a message before the timeout keeps the subscription alive", async () => {
    const subs = await subCounts(srv);
    const child = example("sub-timeout", srv.port);
    try {
      await serverHasSubs(srv, { hello: 1 }, child, subs);
      nc.publish("hello", "in time");
      await nc.flush();
      // deliberate: past the example's 1000 ms timeout, to show the message cancelled it
      await new Promise((r) => setTimeout(r, 1500));
      assert.ok(child.running, `the iterator did not time out\n${child.describe()}`);
      assert.deepEqual(child.lines, []);
    } finally {
      await child.kill();
    }
  });

  it("status.ts prints the server it connected to and that the connection closed", async () => {
    const child = example("status", srv.port);
    await child.exitsCleanly();
    assert.deepEqual(child.lines, ["connected demo.nats.io:4222", "connection closed"]);
  });

  it("nomux.ts: the request goes out with reply subject 'bar' and gets its answer there", async () => {
    const replyTo: string[] = [];
    const q = nc.subscribe("q", {
      callback: (_err, m) => {
        replyTo.push(m.reply ?? "(none)");
        m.respond("answer");
      },
    });
    await nc.flush();
    try {
      const child = example("nomux", srv.port);
      await child.exitsCleanly(); // a failed request would be an unhandled rejection: exit 1
      assert.deepEqual(replyTo, ["bar"]);
    } finally {
      q.unsubscribe();
    }
  });

  it("nomux.ts fails (exit 1) when nobody answers on q", async () => {
    const child = example("nomux", srv.port);
    const exit = await child.exit();
    assert.equal(exit.code, 1, child.describe());
    assert.match(child.stderr, /no responders/i);
  });
});

describe("auth-userpass-token.ts against a user/password server and a token server", () => {
  let userpass: NatsServer;
  let token: NatsServer;
  before(async () => {
    [userpass, token] = await Promise.all([
      NatsServer.start({ authorization: { user: "jenny", password: "867-5309" } }),
      NatsServer.start({ authorization: { token: "t0pS3cret!" } }),
    ]);
  });
  after(async () => {
    await Promise.all([userpass?.stop(), token?.stop()]);
  });

  // Both of the example's connections dial port 4222; the redirect sends the
  // first (user/pass) to one server and the second (token) to the other.
  it("both connections authenticate and stay open", async () => {
    const child = example("auth-userpass-token", [userpass.port, token.port]);
    try {
      await eventually(
        async () => {
          if (!child.running) assert.fail(`the example ended\n${child.describe()}`);
          return (await userpass.connz()).num_connections === 1 && (await token.connz()).num_connections === 1;
        },
        LINE_MS,
        "one connection on each server",
        CONNZ_POLL_MS,
      );
      const conn = (await userpass.connz({ auth: true })).connections[0];
      assert.equal(conn.authorized_user, "jenny");
      assert.ok(child.running, "the example keeps both connections open");
      assert.equal(child.stderr, "");
    } finally {
      await child.kill();
    }
  });

  it("with the servers swapped the first connect is refused (exit 1, authorization error)", async () => {
    const child = example("auth-userpass-token", [token.port, userpass.port]);
    const exit = await child.exit();
    assert.equal(exit.code, 1, child.describe());
    assert.match(child.stderr, /authoriz/i);
    assert.equal((await userpass.connz()).num_connections, 0);
  });
});

describe("jetstream-kv.ts: the official JetStream and KV libraries on a quicknats connection", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start({ jetstream: true });
  });
  after(() => srv?.stop());

  it("prints the acks, the consumed orders, the KV values and the history (the README's output)", async () => {
    const child = example("jetstream-kv", srv.port);
    await child.exitsCleanly();
    assert.deepEqual(child.lines, [
      "stored in ORDERS as #1",
      "sent order-2 twice: duplicate=true, still #2",
      'shipping #1: {"id":1,"item":"book"}',
      'shipping #2: {"id":2,"item":"pen"}',
      "theme = dark (revision 1)",
      "stale update refused: wrong last sequence: 2",
      "history: theme = dark (revision 1)",
      "history: theme = light (revision 2)",
    ], child.describe());
  });
});

describe("npm run demo (examples/demo.ts)", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start();
  });
  after(() => srv?.stop());

  it("runs every scenario against NATS_URL and exits 0", async () => {
    const before = await totalConnections(srv);
    const t0 = Date.now();
    const child = demo({ NATS_URL: srv.url });
    await child.exitsCleanly();
    const out = child.lines;
    const version = ((await srv.varz()).version as string).replace(/^v/, "");
    assert.equal(out[0], `quicknats demo: connected to nats-server ${version} (from NATS_URL)`);
    for (const expected of [
      "received [1]: world",
      "received [2]: again",
      'published {"name":"Memo"}, received a Person named Memo',
      "help.me.system   -> help.*.system, help.me.*, help.>",
      "help.you.system  -> help.*.system, help.>",
      "help.me.now      -> help.me.*, help.>",
      "help.a.b.c       -> help.>",
      "other.me.system  -> (no subscription)",
      'request admin.stop   -> "[admin] #2 stopping...."',
      "the service drained its subscriptions and closed",
      "6 requests, 18 echoes: each request reached one member of each group, and standalone",
      "received id=demo-42, unix_time=1700000000000",
      "done: 7 scenarios, all as expected; connection drained and closed",
    ]) {
      assert.ok(out.some((l) => l.trim() === expected), `missing line: ${expected}\n${child.describe()}`);
    }
    assert.ok(out.some((l) => l.trim().startsWith("no one is listening to 'hello.world'")), child.describe());
    const picks = out.filter((l) => /^\s+request r\d -> /.test(l));
    assert.equal(picks.length, 6, child.describe());
    for (const p of picks) assert.match(p.trim(), /^request r[1-6] -> echo-[123], other-echo-[12], standalone$/);
    // main + service + 6 queue group members, all on our server (another example's
    // client reconnecting at that moment may add one: at least 8)
    assert.ok((await totalConnections(srv)) - before >= 8, "the demo's 8 connections reached the server");
    assert.ok(Date.now() - t0 < 10_000, "a few seconds at most");
  });

  it("without NATS_URL it starts its own nats-server and stops it", async () => {
    const child = demo({});
    await child.exitsCleanly();
    assert.match(child.lines[0] ?? "", /^quicknats demo: connected to nats-server \S+ \(started by the demo on a free port\)$/);
    assert.equal(child.lines.at(-1), "done: 7 scenarios, all as expected; connection drained and closed");
  });
});
