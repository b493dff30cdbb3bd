// A client in a 3-node cluster: the server pool learnt from INFO gossip
// (`getServers()`, `update` statuses), failover when the connected node dies,
// ignoreClusterUpdates, lame duck mode, and setServers().
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { NatsConnection, NodeConnectionOptions } from "@quicknats/node";
import { type NatsServer, startCluster, stopAll, waitForRoutes } from "../helpers/nats-server.js";
import { connectFor } from "../helpers/connections.js";
import { StatusLog } from "../helpers/status.js";
import { eventually, sleep, within } from "../helpers/wait.js";

const FAST: NodeConnectionOptions = {
  reconnectTimeWait: 50,
  reconnectJitter: 0,
  maxReconnectAttempts: -1,
  timeout: 2000,
};

const listens = (nc: NatsConnection): string[] => nc.getServers().map((s) => s.listen).sort();

/** True once `node` would route a message on `subject` to a subscriber on another node, or has one itself. */
async function hasInterest(node: NatsServer, subject: string): Promise<boolean> {
  const rz = await node.monitor("routez", { subs: 1 });
  const viaRoute = ((rz.routes ?? []) as { subscriptions_list?: string[] }[])
    .some((r) => (r.subscriptions_list ?? []).includes(subject));
  if (viaRoute) return true;
  const cz = await node.connz({ subs: true });
  return ((cz.connections ?? []) as { subscriptions_list?: string[] }[])
    .some((c) => (c.subscriptions_list ?? []).includes(subject));
}

describe("cluster of 3", () => {
  let nodes: NatsServer[];
  before(async () => {
    nodes = await startCluster(3);
  });
  after(() => stopAll(nodes));

  /** Restarts what a test killed, so the next test finds 3 routed nodes. */
  async function heal(): Promise<void> {
    for (const n of nodes) if (!n.running) await n.restart();
    await waitForRoutes(nodes);
  }

  it("connecting to one node discovers the others", async (t) => {
    const nc = await connectFor(t, { servers: nodes[0].url });
    await eventually(() => nc.getServers().length === 3, 2000, "3 servers in the pool");
    assert.deepEqual(listens(nc), nodes.map((n) => n.hostport).sort());
    for (const s of nc.getServers()) {
      assert.equal(s.gossiped, s.listen !== nodes[0].hostport, `${s.listen} gossiped`);
    }
    assert.equal(nc.getServer(), nodes[0].hostport);
  });

  it("a node leaving and rejoining is reported with update statuses", async (t) => {
    t.after(heal);
    const [n0, , n2] = nodes;
    const nc = await connectFor(t, { servers: n0.url, ...FAST });
    await eventually(() => nc.getServers().length === 3, 2000, "3 servers in the pool");
    const log = new StatusLog(nc);

    await n2.kill();
    await log.waitFor("update", 5000);
    assert.deepEqual(log.of("update")[0], { type: "update", added: [], deleted: [n2.hostport] });
    assert.deepEqual(listens(nc), [n0.hostport, nodes[1].hostport].sort());

    await n2.restart();
    await waitForRoutes(nodes);
    await eventually(() => log.of("update").length >= 2, 5000, "a second update");
    assert.deepEqual(log.of("update")[1], { type: "update", added: [n2.hostport], deleted: [] });
    assert.deepEqual(listens(nc), nodes.map((n) => n.hostport).sort());
    // deliberate: time for more INFOs (route gossip) to come, which must not report an update
    await sleep(300);
    assert.equal(log.of("update").length, 2, "no update when the pool did not change");
    assert.equal(log.types().includes("disconnect"), false);
  });

  it("killing the connected node fails over to another, and the subscription keeps working", async (t) => {
    t.after(heal);
    const nc = await connectFor(t, { servers: nodes[0].url, ...FAST });
    await eventually(() => nc.getServers().length === 3, 2000, "3 servers in the pool");
    const log = new StatusLog(nc);
    const got: string[] = [];
    nc.subscribe("cl.fail", { callback: (_err, m) => got.push(m.string()) });
    nc.subscribe("cl.fail.svc", { callback: (_err, m) => { m.respond(`from ${nc.getServer()}`); } });
    await nc.flush();

    const killed = nodes[0];
    await killed.kill();
    const r = await log.waitFor("reconnect", 5000);
    const now = (log.events[r] as { server: string }).server;
    assert.notEqual(now, killed.hostport);
    assert.ok(nodes.some((n) => n.hostport === now), `reconnected to a cluster node (${now})`);
    assert.equal(nc.getServer(), now);

    // a publisher on the remaining node nc is not connected to
    const other = nodes.find((n) => n !== killed && n.hostport !== now)!;
    await eventually(() => hasInterest(other, "cl.fail"), 5000, "the re-sent SUB reached the other node");
    const nc2 = await connectFor(t, { servers: other.url, ignoreClusterUpdates: true });
    for (let i = 0; i < 5; i++) nc2.publish("cl.fail", `m${i}`);
    await nc2.flush();
    await eventually(() => got.length === 5, 2000, `5 messages (have ${got.length})`);
    assert.deepEqual(got, ["m0", "m1", "m2", "m3", "m4"]);
    await eventually(() => hasInterest(other, "cl.fail.svc"), 5000, "service interest");
    const reply = await within(nc2.request("cl.fail.svc", "", { timeout: 2000 }), 3000, "request");
    assert.equal(reply.string(), `from ${now}`);

    // the restarted node is in the pool again (and was never dropped: the user gave it)
    await killed.restart();
    await waitForRoutes(nodes);
    await eventually(() => listens(nc).includes(killed.hostport), 3000, "restarted node in the pool");
    assert.equal(nc.getServers().length, 3);
  });

  it("a gossiped node the client was on dies: the next server's INFO reports it deleted, and it leaves the pool", async (t) => {
    t.after(heal);
    const nc = await connectFor(t, { servers: nodes[0].url, ...FAST });
    await eventually(() => nc.getServers().length === 3, 2000, "3 servers in the pool");
    const log = new StatusLog(nc);
    await nodes[0].kill();
    const r = await log.waitFor("reconnect", 5000);
    const gossiped = nodes.find((n) => n.hostport === (log.events[r] as { server: string }).server)!;
    assert.ok(gossiped && gossiped !== nodes[0], "failed over to a gossiped node");
    const last = nodes.find((n) => n !== nodes[0] && n !== gossiped)!;
    await gossiped.kill();
    await log.waitFor("reconnect", 5000, r + 1);
    assert.equal(nc.getServer(), last.hostport);
    await eventually(() => log.of("update").some((u) => u.deleted?.includes(gossiped.hostport)), 3000, "an update deleting the dead node");
    // the node the user gave stays (down, it is still theirs); the dead gossiped one is gone
    assert.deepEqual(listens(nc), [nodes[0].hostport, last.hostport].sort());
    // a plain array, as 3.4's: sorting it in place works
    assert.doesNotThrow(() => nc.getServers().slice().sort() && (nc.getServers() as unknown as unknown[]).sort());
  });

  it("ignoreClusterUpdates keeps the pool to the given servers", async (t) => {
    const nc = await connectFor(t, { servers: nodes[0].url, ...FAST, ignoreClusterUpdates: true });
    const log = new StatusLog(nc);
    await nc.flush();
    assert.deepEqual(listens(nc), [nodes[0].hostport]);
    await nc.reconnect(); // a fresh INFO with connect_urls
    await log.waitFor("reconnect", 3000);
    await nc.flush();
    assert.deepEqual(listens(nc), [nodes[0].hostport]);
    assert.equal(log.of("update").length, 0);
  });

  it("setServers() replaces the pool", async (t) => {
    const [n0, n1] = nodes;
    const nc = await connectFor(t, { servers: n0.url, ...FAST, ignoreClusterUpdates: true });
    nc.setServers([n1.url]);
    assert.deepEqual(listens(nc), [n1.hostport]);
    assert.equal(nc.getServer(), n0.hostport, "the live connection is not dropped");
  });

  it("after setServers(), a reconnect goes to the new servers", async (t) => {
    const [n0, n1] = nodes;
    const nc = await connectFor(t, { servers: n0.url, ...FAST, ignoreClusterUpdates: true });
    const log = new StatusLog(nc);
    const got: string[] = [];
    nc.subscribe("cl.set", { callback: (_err, m) => got.push(m.string()) });
    await nc.flush();
    await sleep(100); // n0 is due again: only the pool decides where we go
    nc.setServers([n1.url]);
    await nc.reconnect();
    const r = await log.waitFor("reconnect", 3000);
    assert.deepEqual(log.events[r], { type: "reconnect", server: n1.hostport });
    assert.equal(nc.getServer(), n1.hostport);
    nc.publish("cl.set", "on n1");
    await nc.flush();
    assert.deepEqual(got, ["on n1"]);
  });

  it("setServers() rejects an empty list", async (t) => {
    const nc = await connectFor(t, { servers: nodes[0].url });
    assert.throws(() => nc.setServers([]));
  });
});

describe("lame duck mode", () => {
  let nodes: NatsServer[];
  before(async () => {
    // 2.9 refuses a lame_duck_duration under 30 s; one client is closed right after the grace period
    nodes = await startCluster(3, { lame_duck_grace_period: "500ms", lame_duck_duration: "30s" });
  });
  after(() => stopAll(nodes));

  it("emits ldm, then the client is moved to another node and keeps working", async (t) => {
    const [l0, l1] = nodes;
    const nc = await connectFor(t, { servers: l0.url, ...FAST });
    await eventually(() => nc.getServers().length === 3, 2000, "3 servers in the pool");
    const log = new StatusLog(nc);
    const got: string[] = [];
    nc.subscribe("cl.ldm", { callback: (_err, m) => got.push(m.string()) });
    await nc.flush();

    const start = Date.now();
    l0.lameDuck();
    const i = await log.waitFor("ldm", 2000);
    assert.deepEqual(log.events[i], { type: "ldm", server: l0.hostport });
    assert.equal(log.types().slice(0, i).includes("disconnect"), false, "ldm comes before the server drops us");
    const r = await log.waitFor("reconnect", 5000, i);
    assert.ok(Date.now() - start >= 400, "moved after the grace period");
    const now = (log.events[r] as { server: string }).server;
    assert.notEqual(now, l0.hostport);

    const nc2 = await connectFor(t, { servers: l1.url, ignoreClusterUpdates: true });
    await eventually(() => hasInterest(l1, "cl.ldm"), 5000, "the SUB reached l1");
    nc2.publish("cl.ldm", "after ldm");
    await nc2.flush();
    await eventually(() => got.length === 1, 2000, "message after the move");
    assert.deepEqual(got, ["after ldm"]);
    assert.equal(nc.isClosed(), false);
  });
});
