/**
 * `npm run demo`: the nats-core README's scenarios in one process, against
 * `$NATS_URL` if it is set, else against a nats-server the demo starts on a
 * free loopback port (and stops at the end). Every scenario checks what came
 * back and the demo exits 1 on the first surprise, so the output below is
 * what actually happened.
 *
 * The output is the same on every run except for one line: which member of a
 * queue group gets a request is the server's random pick.
 */
import {
  connect,
  createInbox,
  headers,
  Match,
  NoRespondersError,
  RequestError,
  type Msg,
  type NatsConnection,
} from "@quicknats/node";
import { NatsServer } from "../test/helpers/nats-server.js";

/** Every wait in the demo is bounded by this. */
const STEP_TIMEOUT_MS = 5000;

/** Rejects if `p` has not settled within STEP_TIMEOUT_MS. */
function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`unexpected: ${what}`);
}

function heading(n: number, title: string): void {
  console.log(`\n${n}. ${title}`);
}

function show(line: string): void {
  console.log(`   ${line}`);
}

/** 1. Publish two strings, read them back with an async iterator. */
async function pubsub(nc: NatsConnection): Promise<void> {
  heading(1, "publish/subscribe");
  const sub = nc.subscribe("hello", { max: 2 });
  nc.publish("hello", "world");
  nc.publish("hello", "again");
  const got: string[] = [];
  await within(
    (async () => {
      for await (const m of sub) got.push(`[${sub.getProcessed()}]: ${m.string()}`);
    })(),
    "hello messages",
  );
  check(got.join("|") === "[1]: world|[2]: again", `got ${got.join(", ")}`);
  for (const g of got) show(`received ${g}`);
}

/** 2. A JSON payload, decoded with `m.json<T>()`. */
async function json(nc: NatsConnection): Promise<void> {
  heading(2, "JSON payloads");
  interface Person {
    name: string;
  }
  const sub = nc.subscribe("people", { max: 1 });
  const p: Person = { name: "Memo" };
  nc.publish("people", JSON.stringify(p));
  let got: Person | undefined;
  await within(
    (async () => {
      for await (const m of sub) got = m.json<Person>();
    })(),
    "people message",
  );
  check(got?.name === "Memo", `got ${JSON.stringify(got)}`);
  show(`published ${JSON.stringify(p)}, received a Person named ${got!.name}`);
}

/** 3. Which of three wildcard subscriptions see which subject. */
async function wildcards(nc: NatsConnection): Promise<void> {
  heading(3, "wildcard subscriptions");
  const patterns = ["help.*.system", "help.me.*", "help.>"];
  const seen = new Map<string, string[]>();
  const subs = patterns.map((pattern) =>
    nc.subscribe(pattern, {
      callback: (err, m) => {
        if (err) return;
        seen.set(m.subject, [...(seen.get(m.subject) ?? []), pattern]);
      },
    }),
  );
  const subjects = ["help.me.system", "help.you.system", "help.me.now", "help.a.b.c", "other.me.system"];
  for (const s of subjects) nc.publish(s, "?");
  // the server sends our MSGs before the PONG that settles the flush, and
  // callbacks run as each MSG is parsed: everything has been seen by now
  await within(nc.flush(), "flush");
  const expected: Record<string, string> = {
    "help.me.system": "help.*.system, help.me.*, help.>",
    "help.you.system": "help.*.system, help.>",
    "help.me.now": "help.me.*, help.>",
    "help.a.b.c": "help.>",
    "other.me.system": "(no subscription)",
  };
  for (const s of subjects) {
    const got = seen.get(s)?.sort((a, b) => patterns.indexOf(a) - patterns.indexOf(b)).join(", ") ?? "(no subscription)";
    check(got === expected[s], `${s} matched ${got}`);
    show(`${s.padEnd(16)} -> ${got}`);
  }
  for (const sub of subs) sub.unsubscribe();
}

/** 4. The README's service: `time` and `admin.uptime|stop`, on its own connection. */
async function service(nc: NatsConnection, servers: string): Promise<void> {
  heading(4, "a service answering time and admin.* requests");
  const svc = await connect({ servers, name: "service" });
  const started = Date.now();
  const handled: string[] = [];
  svc.subscribe("time", {
    callback: (_err, m) => {
      m.respond(new Date().toISOString());
    },
  });
  const admin = svc.subscribe("admin.*", {
    callback: (_err, m) => {
      const verb = m.subject.split(".")[1];
      handled.push(verb ?? "");
      if (verb === "uptime") {
        m.respond(`${Date.now() - started}`);
      } else if (verb === "stop") {
        m.respond(`[admin] #${admin.getProcessed()} stopping....`);
        svc.drain().catch(() => {}); // its closed() below reports any error
      }
    },
  });
  await within(svc.flush(), "service subscriptions");

  const time = (await within(nc.request("time", "", { timeout: 1000 }), "time")).string();
  check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(time) && Math.abs(Date.parse(time) - Date.now()) < 60_000, `time answered ${time}`);
  show("request time         -> the current time as an ISO-8601 string");

  const uptime = (await within(nc.request("admin.uptime", "", { timeout: 1000 }), "admin.uptime")).string();
  check(/^\d+$/.test(uptime) && Number(uptime) <= Date.now() - started, `admin.uptime answered ${uptime}`);
  show("request admin.uptime -> the service's uptime in milliseconds");

  const stop = (await within(nc.request("admin.stop", "", { timeout: 1000 }), "admin.stop")).string();
  check(stop === "[admin] #2 stopping....", `admin.stop answered ${stop}`);
  show(`request admin.stop   -> "${stop}"`);

  const err = await within(svc.closed(), "service close");
  check(err === undefined && svc.isClosed(), `service closed with ${err}`);
  check(handled.join(",") === "uptime,stop", `admin handled ${handled.join(",")}`);
  show("the service drained its subscriptions and closed");
}

/** 5. Two queue groups and a standalone subscriber on `echo`, one connection per member. */
async function queueGroups(nc: NatsConnection, servers: string): Promise<void> {
  heading(5, "queue groups");
  const members: Array<{ name: string; group: string }> = [
    { name: "echo-1", group: "echo" },
    { name: "echo-2", group: "echo" },
    { name: "echo-3", group: "echo" },
    { name: "other-echo-1", group: "other-echo" },
    { name: "other-echo-2", group: "other-echo" },
    { name: "standalone", group: "" },
  ];
  const handledBy = new Map<string, string[]>(); // request payload -> member names
  const conns: NatsConnection[] = [];
  try {
    for (const { name, group } of members) {
      const c = await connect({ servers, name });
      conns.push(c);
      c.subscribe("echo", {
        queue: group,
        callback: (_err, m) => {
          handledBy.set(m.string(), [...(handledBy.get(m.string()) ?? []), name]);
          m.respond(m.data);
        },
      });
      await within(c.flush(), `${name} subscription`);
    }
    show("echo: echo-1, echo-2, echo-3 | other-echo: other-echo-1, other-echo-2 | no group: standalone");

    const requests = ["r1", "r2", "r3", "r4", "r5", "r6"];
    const inbox = createInbox();
    const replies = nc.subscribe(inbox, { max: requests.length * 3 });
    for (const r of requests) nc.publish("echo", r, { reply: inbox });
    let echoed = 0;
    await within(
      (async () => {
        for await (const m of replies) if (requests.includes(m.string())) echoed++;
      })(),
      "echo replies",
    );

    const picks: string[] = [];
    for (const r of requests) {
      const who = handledBy.get(r) ?? [];
      const echo = who.filter((n) => n.startsWith("echo-"));
      const other = who.filter((n) => n.startsWith("other-echo-"));
      const alone = who.filter((n) => n === "standalone");
      check(who.length === 3 && echo.length === 1 && other.length === 1 && alone.length === 1, `${r} went to ${who.join(", ")}`);
      picks.push(`request ${r} -> ${echo[0]}, ${other[0]}, standalone`);
    }
    check(echoed === requests.length * 3, `${echoed} echoes`);
    show("who got which request (the server picks one member of each group at random):");
    for (const p of picks) show(`  ${p}`);
    show(`${requests.length} requests, ${echoed} echoes: each request reached one member of each group, and standalone`);
  } finally {
    await Promise.all(conns.map((c) => c.close()));
  }
}

/** 6. Headers travel with the message. */
async function withHeaders(nc: NatsConnection): Promise<void> {
  heading(6, "headers");
  const subj = createInbox();
  const sub = nc.subscribe(subj, { max: 1 });
  const h = headers();
  h.append("id", "demo-42");
  h.append("unix_time", "1700000000000");
  nc.publish(subj, "", { headers: h });
  let m: Msg | undefined;
  await within(
    (async () => {
      for await (const got of sub) m = got;
    })(),
    "headers message",
  );
  check(m?.headers !== undefined, "the message has headers");
  const lines = [...m!.headers!].map(([k, v]) => `${k}=${v}`);
  check(lines.join("|") === "id=demo-42|unix_time=1700000000000", `headers ${lines.join(", ")}`);
  show(`received ${lines.join(", ")}`);
  // lookups are exact unless asked otherwise (as in nats.js v3, whatever the README's comment says)
  const exact = m!.headers!.get("ID");
  const anyCase = m!.headers!.get("ID", Match.IgnoreCase);
  check(exact === "" && anyCase === "demo-42", `get("ID") is "${exact}", ignoring case "${anyCase}"`);
  show(`headers.get("ID") -> "" (exact match), headers.get("ID", Match.IgnoreCase) -> "${anyCase}"`);
}

/** 7. A request nobody listens to fails at once. */
async function noResponders(nc: NatsConnection): Promise<void> {
  heading(7, "no responders");
  const t0 = Date.now();
  try {
    await within(nc.request("hello.world", "", { timeout: 3000 }), "hello.world");
    check(false, "hello.world was answered");
  } catch (err) {
    check(err instanceof RequestError && err.cause instanceof NoRespondersError, `request failed with ${err}`);
    const fast = Date.now() - t0 < 3000;
    check(fast, "the request failed before its timeout");
    show("no one is listening to 'hello.world' (RequestError caused by NoRespondersError, before the 3 s timeout)");
  }
}

async function main(): Promise<void> {
  let local: NatsServer | undefined;
  let servers = process.env.NATS_URL;
  if (!servers) {
    local = await NatsServer.start();
    servers = local.url;
  }
  try {
    const nc = await connect({ servers, name: "demo" });
    const where = local ? "started by the demo on a free port" : "from NATS_URL";
    console.log(`quicknats demo: connected to nats-server ${nc.info?.version ?? "(unknown version)"} (${where})`);
    const scenarios = [
      () => pubsub(nc),
      () => json(nc),
      () => wildcards(nc),
      () => service(nc, servers),
      () => queueGroups(nc, servers),
      () => withHeaders(nc),
      () => noResponders(nc),
    ];
    for (const run of scenarios) await run();
    await within(nc.drain(), "drain");
    const err = await nc.closed();
    check(err === undefined, `closed with ${err}`);
    console.log(`\ndone: ${scenarios.length} scenarios, all as expected; connection drained and closed`);
  } finally {
    await local?.stop();
  }
}

main().catch((err) => {
  console.error(`\ndemo failed: ${err instanceof Error ? err.stack : err}`);
  process.exit(1); // connections a failed scenario left open must not keep us alive
});
