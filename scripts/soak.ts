/**
 * Soak: a 3-node cluster whose nodes are killed, paused and restarted at
 * random while clients publish, subscribe and make requests. Reports what
 * was sent, received, lost and duplicated, and the worst reconnect time.
 * Not part of `npm test`; bounded in time:
 *
 *   node --import tsx scripts/soak.ts [--seconds 120] [--seed 1]
 *
 * The subscriber's own node is spared (core NATS keeps nothing for a
 * disconnected subscriber, so losses there say nothing about the client);
 * every other node, including the publisher's, is fair game.
 */
import { parseArgs } from "node:util";
import { connect, type NatsConnection, type Status } from "@quicknats/node";
import { type NatsServer, startCluster, stopAll } from "../test/helpers/nats-server.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "120" },
    seed: { type: "string", default: "1" },
  },
});
const seconds = Math.max(10, Math.min(600, Number(values.seconds)));
let seed = Number(values.seed) || 1;
/** a small deterministic PRNG, so a run can be repeated */
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const nodes = await startCluster(3);
const urls = nodes.map((n) => n.hostport);
const opts = {
  servers: urls,
  maxReconnectAttempts: -1,
  reconnectTimeWait: 200,
  pingInterval: 1000,
  maxPingOut: 2,
  timeout: 2000,
};

/** Worst time between a `disconnect` and the following `reconnect`, per connection. */
const reconnectTimes: number[] = [];
const events: Record<string, number> = {};
function watch(nc: NatsConnection, name: string): void {
  (async () => {
    let down = 0;
    for await (const s of nc.status() as AsyncIterable<Status>) {
      events[`${name}.${s.type}`] = (events[`${name}.${s.type}`] ?? 0) + 1;
      if (s.type === "disconnect") down = performance.now();
      if (s.type === "reconnect" && down) {
        reconnectTimes.push(performance.now() - down);
        down = 0;
      }
    }
  })();
}

// the subscriber stays on node 0; everyone else may land anywhere
const sub = await connect({ ...opts, servers: [urls[0]], noRandomize: true, ignoreClusterUpdates: true, name: "sub" });
const pub = await connect({ ...opts, servers: [urls[1], urls[2]], ignoreClusterUpdates: true, name: "pub" });
const responder = await connect({ ...opts, name: "responder" });
const requester = await connect({ ...opts, name: "requester" });
for (const [nc, name] of [[sub, "sub"], [pub, "pub"], [responder, "responder"], [requester, "requester"]] as const) {
  watch(nc, name);
}

let received = 0;
let duplicates = 0;
let outOfOrder = 0;
let highest = -1;
const seen = new Set<number>();
sub.subscribe("soak.data", {
  callback: (_err, m) => {
    const n = Number(m.string());
    if (seen.has(n)) {
      duplicates++;
      return;
    }
    seen.add(n);
    received++;
    if (n < highest) outOfOrder++;
    highest = Math.max(highest, n);
  },
});
responder.subscribe("soak.req", { queue: "q", callback: (_e, m) => m.respond(m.data) });
await sub.flush();
await responder.flush();

const deadline = Date.now() + seconds * 1000;
let published = 0;
let publishErrors = 0;
let running = true;

const publishing = (async () => {
  while (running) {
    for (let i = 0; i < 10; i++) {
      try {
        pub.publish("soak.data", String(published));
        published++;
      } catch {
        publishErrors++;
      }
    }
    await sleep(2);
  }
})();

let requestsOk = 0;
let requestsFailed = 0;
const requesting = (async () => {
  while (running) {
    try {
      await requester.request("soak.req", "x", { timeout: 2000 });
      requestsOk++;
    } catch {
      requestsFailed++;
      await sleep(50);
    }
  }
})();

const faults: Record<string, number> = { kill: 0, pause: 0, lameDuck: 0 };
/** which fault happened when (by the publisher's sequence number), to explain gaps */
const faultLog: string[] = [];
async function chaos(node: NatsServer): Promise<void> {
  const r = random();
  const kind = r < 0.45 ? "kill" : r < 0.85 ? "pause" : "lameDuck";
  const target = nodes.indexOf(node);
  faultLog.push(`${kind} node ${target}${target === 1 || target === 2 ? "" : ""} at #${published} (pub on ${pub.getServer()})`);
  if (r < 0.45) {
    faults.kill++;
    await node.kill();
    await sleep(500 + random() * 1500);
    await node.restart();
  } else if (r < 0.85) {
    faults.pause++;
    await node.pause();
    await sleep(1000 + random() * 3000);
    node.resume();
  } else {
    faults.lameDuck++;
    node.lameDuck();
    // a lame-duck server exits once its clients are gone; bring it back
    await sleep(3000);
    await node.kill();
    await node.restart();
  }
}

while (Date.now() < deadline - 5000) {
  await sleep(1000 + random() * 2000);
  const victims = nodes.slice(1);
  await chaos(victims[Math.floor(random() * victims.length)]);
}

// quiet period: everything buffered gets delivered
running = false;
await publishing;
await requesting;
await sleep(1000);
await pub.flush().catch(() => {});
await sub.flush().catch(() => {});
await sleep(500);

const lost = published - received;
// the gaps: ranges of numbers never received
const gaps: string[] = [];
for (let n = 0, start = -1; n <= published; n++) {
  const missing = n < published && !seen.has(n);
  if (missing && start < 0) start = n;
  if (!missing && start >= 0) {
    gaps.push(`#${start}-#${n - 1} (${n - start})`);
    start = -1;
  }
}
const worst = reconnectTimes.length ? Math.max(...reconnectTimes) : 0;
const report = {
  seconds,
  faults,
  published,
  publishErrors,
  received,
  lost,
  duplicates,
  outOfOrder,
  requestsOk,
  requestsFailed,
  reconnects: reconnectTimes.length,
  worstReconnectMs: Math.round(worst),
  events,
  faultLog,
  gaps: gaps.slice(0, 40),
};
console.log(JSON.stringify(report, null, 2));

await Promise.all([sub, pub, responder, requester].map((nc) => nc.close()));
await stopAll();
process.exit(0);
