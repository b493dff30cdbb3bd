// The server pool: the order servers are tried in (next/promote/remove),
// gossip (update(): adds and removes only gossiped servers, never the
// current one, and says what changed), setServers (replace()), the state
// each server keeps (reconnects, authErrors, lastConnect, tlsName), the
// frozen snapshots users see, randomisation, duplicates and IPv6 literals.
import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { ServerAddress } from "../src/connection/options.js";
import { parseServer } from "../src/transport/tcp-url.js";
import { ServerEntry, ServerPool } from "../src/connection/servers.js";

const parse = (u: string): ServerAddress => parseServer(u, 4222);
const addrs = (...urls: string[]): ServerAddress[] => urls.map(parse);
const listens = (pool: ServerPool): string[] => pool.all().map((s) => s.listen);
const find = (pool: ServerPool, listen: string): ServerEntry => {
  const s = pool.all().find((e) => e.listen === listen);
  assert.ok(s, `${listen} in the pool`);
  return s;
};

/** Math.random() as a fixed sequence (repeated), so a shuffle is the same on every run. */
function fixRandom(t: TestContext, values: number[]): void {
  let i = 0;
  t.mock.method(Math, "random", () => values[i++ % values.length]);
}

/** A pool where `a` is connected (current) and two servers were gossiped. */
function connectedPool(randomize = false): ServerPool {
  const pool = new ServerPool(addrs("a:4222", "b:4222"), randomize, parse);
  pool.current = find(pool, "a:4222");
  pool.update(["a:4222", "10.0.0.1:4222", "10.0.0.2:4222"]);
  return pool;
}

describe("ServerPool: order", () => {
  it("keeps the order given (options parsing shuffles, not the pool); entries start clean", () => {
    const pool = new ServerPool(addrs("c:1", "a:2", "b:3"), true, parse);
    assert.deepEqual(listens(pool), ["c:1", "a:2", "b:3"]);
    assert.equal(pool.length, 3);
    for (const s of pool.all()) {
      assert.equal(s.gossiped, false);
      assert.equal(s.reconnects, 0);
      assert.equal(s.authErrors, 0);
      assert.equal(s.lastConnect, 0);
      assert.equal(s.lastAttempt, undefined);
      assert.equal(s.didConnect, false);
      assert.equal(s.tlsName, "");
    }
    assert.equal(pool.current, undefined);
  });

  it("next() gives the head and moves it to the back", () => {
    const pool = new ServerPool(addrs("a", "b", "c"), false, parse);
    const got = Array.from({ length: 7 }, () => pool.next()!.hostname);
    assert.deepEqual(got, ["a", "b", "c", "a", "b", "c", "a"]);
    assert.deepEqual(listens(pool), ["b:4222", "c:4222", "a:4222"]);
  });

  it("next() on an empty pool is undefined", () => {
    const pool = new ServerPool([], false, parse);
    assert.equal(pool.next(), undefined);
    assert.equal(pool.length, 0);
  });

  it("promote() moves a server to the head and keeps the others' order", () => {
    const pool = new ServerPool(addrs("a", "b", "c", "d"), false, parse);
    pool.promote(find(pool, "c:4222"));
    assert.deepEqual(listens(pool), ["c:4222", "a:4222", "b:4222", "d:4222"]);
    pool.promote(find(pool, "c:4222"));
    assert.deepEqual(listens(pool), ["c:4222", "a:4222", "b:4222", "d:4222"]);
  });

  it("remove() takes out that entry only, also among duplicates", () => {
    const pool = new ServerPool(addrs("a", "b", "a"), false, parse);
    const [first, , second] = pool.all();
    assert.notEqual(first, second, "duplicates are distinct entries, each with its own state");
    pool.remove(second);
    assert.deepEqual(pool.all(), [first, find(pool, "b:4222")]);
    pool.remove(second); // gone already: nothing changes
    assert.equal(pool.length, 2);
  });
});

describe("ServerPool: gossip (update)", () => {
  it("adds the servers not known, in the order reported, as gossiped; returns what changed", () => {
    const pool = new ServerPool(addrs("a:4222"), false, parse);
    const changed = pool.update(["a:4222", "10.0.0.2:4222", "10.0.0.1:5222"]);
    assert.deepEqual(changed, { added: ["10.0.0.2:4222", "10.0.0.1:5222"], deleted: [] });
    assert.deepEqual(listens(pool), ["a:4222", "10.0.0.2:4222", "10.0.0.1:5222"]);
    assert.equal(find(pool, "a:4222").gossiped, false, "a server the user gave stays the user's");
    const g = find(pool, "10.0.0.1:5222");
    assert.equal(g.gossiped, true);
    assert.equal(g.src, "10.0.0.1:5222");
    assert.equal(g.port, 5222);
  });

  it("returns undefined when nothing changed (the same gossip again, or none)", () => {
    const pool = new ServerPool(addrs("a:4222"), false, parse);
    assert.equal(pool.update([]), undefined);
    assert.equal(pool.update(["a:4222"]), undefined);
    assert.ok(pool.update(["a:4222", "b:4222"]));
    assert.equal(pool.update(["b:4222", "a:4222"]), undefined, "the order of the report is no change");
    assert.equal(pool.update(["b:4222", "b:4222", "nats://b:4222"]), undefined, "the same server spelled again");
    assert.deepEqual(listens(pool), ["a:4222", "b:4222"]);
  });

  it("adds a server reported twice once", () => {
    const pool = new ServerPool(addrs("a:4222"), false, parse);
    assert.deepEqual(pool.update(["b:4222", "nats://b:4222", "b"]), { added: ["b:4222"], deleted: [] });
    assert.equal(pool.length, 2);
  });

  it("removes gossiped servers no longer reported, never one the user gave", () => {
    const pool = connectedPool();
    const changed = pool.update(["a:4222", "10.0.0.2:4222"]);
    assert.deepEqual(changed, { added: [], deleted: ["10.0.0.1:4222"] });
    assert.deepEqual(listens(pool), ["b:4222", "10.0.0.2:4222", "a:4222"]);
    // a cluster that stops reporting everything: the user's servers stay
    assert.deepEqual(pool.update([]), { added: [], deleted: ["10.0.0.2:4222"] });
    assert.deepEqual(listens(pool), ["b:4222", "a:4222"]);
  });

  it("keeps the current server when the cluster stops reporting it, and drops it once it is no longer current", () => {
    const pool = new ServerPool(addrs("seed:4222"), false, parse);
    pool.update(["10.0.0.1:4222", "10.0.0.2:4222"]);
    const cur = find(pool, "10.0.0.1:4222");
    pool.current = cur;
    assert.deepEqual(pool.update(["10.0.0.2:4222"]), undefined, "not deleted, and no change to report");
    assert.ok(pool.all().includes(cur));
    pool.current = find(pool, "10.0.0.2:4222");
    assert.deepEqual(pool.update(["10.0.0.2:4222"]), { added: [], deleted: ["10.0.0.1:4222"] });
    assert.ok(!pool.all().includes(cur));
  });

  it("update(urls, dialled): during a reconnect's handshake the server dialled is kept and the lost one, no longer reported, goes", () => {
    const pool = new ServerPool(addrs("seed:4222"), false, parse);
    pool.update(["10.0.0.1:4222", "10.0.0.2:4222"]);
    pool.current = find(pool, "10.0.0.1:4222"); // connected to a gossiped server, which then dies
    const dialled = find(pool, "10.0.0.2:4222");
    // the first INFO of the new connection comes before the pool's current moves to it
    assert.deepEqual(pool.update(["10.0.0.2:4222"], dialled), { added: [], deleted: ["10.0.0.1:4222"] });
    assert.deepEqual(listens(pool), ["seed:4222", "10.0.0.2:4222"]);
  });

  it("added and deleted in one update", () => {
    const pool = connectedPool();
    assert.deepEqual(pool.update(["10.0.0.2:4222", "10.0.0.3:4222"]), { added: ["10.0.0.3:4222"], deleted: ["10.0.0.1:4222"] });
  });

  it("skips URLs it cannot parse (another transport's scheme), and keeps the rest", () => {
    const pool = new ServerPool(addrs("a:4222"), false, parse);
    const changed = pool.update(["ws://10.0.0.9:80", "10.0.0.1:4222", "bad host:1", "[::1"]);
    assert.deepEqual(changed, { added: ["10.0.0.1:4222"], deleted: [] });
  });

  it("IPv6 literals: a bracketed gossip URL matches the same server given bare or bracketed", () => {
    const pool = new ServerPool(addrs("::1", "[fe80::1]:4333"), false, parse);
    assert.deepEqual(listens(pool), ["[::1]:4222", "[fe80::1]:4333"]);
    assert.equal(pool.update(["[::1]:4222", "nats://[fe80::1]:4333"]), undefined, "both known");
    const changed = pool.update(["[::1]:4222", "[fe80::1]:4333", "[2001:db8::7]:4222"]);
    assert.deepEqual(changed, { added: ["[2001:db8::7]:4222"], deleted: [] });
    const g = find(pool, "[2001:db8::7]:4222");
    assert.equal(g.hostname, "2001:db8::7", "dialed without brackets");
    assert.equal(g.port, 4222);
    assert.deepEqual(pool.update(["[::1]:4222"]), { added: [], deleted: ["[2001:db8::7]:4222"] });
  });

  it("without randomisation: the servers known first, then the new ones in the order reported, the current one last (tried last when its connection is lost, as nats.go)", (t) => {
    fixRandom(t, [0]);
    const pool = connectedPool(false);
    pool.update(["a:4222", "10.0.0.1:4222", "10.0.0.2:4222", "10.0.0.4:4222", "10.0.0.3:4222"]);
    assert.deepEqual(listens(pool), ["b:4222", "10.0.0.1:4222", "10.0.0.2:4222", "10.0.0.4:4222", "10.0.0.3:4222", "a:4222"]);
  });

  it("with randomisation: when servers are added, all but the current one are shuffled, the current one last", (t) => {
    fixRandom(t, [0]);
    const pool = new ServerPool(addrs("a:4222", "b:4222", "c:4222"), true, parse);
    pool.current = find(pool, "b:4222");
    pool.update(["b:4222", "10.0.0.1:4222", "10.0.0.2:4222"]);
    const order = listens(pool);
    assert.equal(order[order.length - 1], "b:4222", "the current server goes last");
    assert.deepEqual([...order].sort(), ["10.0.0.1:4222", "10.0.0.2:4222", "a:4222", "b:4222", "c:4222"], "nothing lost or doubled");
    // Math.random() = 0 makes Fisher-Yates a rotation: the order changed
    assert.notDeepEqual(order.slice(0, -1), ["a:4222", "c:4222", "10.0.0.1:4222", "10.0.0.2:4222"]);
    // a deletion alone does not reshuffle
    const before = listens(pool);
    pool.update(["b:4222", "10.0.0.1:4222"]);
    assert.deepEqual(listens(pool), before.filter((l) => l !== "10.0.0.2:4222"));
  });

  it("with randomisation and no current server (the first INFO), everything is shuffled", (t) => {
    fixRandom(t, [0]);
    const pool = new ServerPool(addrs("a:4222", "b:4222"), true, parse);
    pool.update(["10.0.0.1:4222"]);
    assert.notDeepEqual(listens(pool), ["a:4222", "b:4222", "10.0.0.1:4222"]);
    assert.deepEqual(listens(pool).sort(), ["10.0.0.1:4222", "a:4222", "b:4222"]);
  });

  it("servers gossiped after a TLS connection get the current server's TLS name", () => {
    const pool = new ServerPool(addrs("nats.example.com:4222"), false, parse);
    const cur = find(pool, "nats.example.com:4222");
    cur.tlsName = "nats.example.com";
    pool.current = cur;
    pool.update(["10.0.0.1:4222"]);
    assert.equal(find(pool, "10.0.0.1:4222").tlsName, "nats.example.com");
  });

  it("servers gossiped before the TLS connection was up (the first INFO comes before the TLS handshake ends) get its TLS name once it is", () => {
    const pool = new ServerPool(addrs("nats.example.com:4222", "b:4222"), false, parse);
    // the first INFO's gossip: no connection is current yet
    pool.update(["10.0.0.1:4222", "[2001:db8::1]:4222", "10.0.0.3:4222"]);
    find(pool, "10.0.0.3:4222").tlsName = "kept.example.com"; // learnt earlier: not overwritten
    const seed = find(pool, "nats.example.com:4222");
    seed.tlsName = "nats.example.com"; // set once the TLS upgrade succeeded
    pool.current = seed; // the handshake is done
    assert.equal(find(pool, "10.0.0.1:4222").tlsName, "nats.example.com");
    assert.equal(find(pool, "[2001:db8::1]:4222").tlsName, "nats.example.com");
    assert.equal(find(pool, "10.0.0.3:4222").tlsName, "kept.example.com");
    assert.equal(find(pool, "b:4222").tlsName, "", "a server the user gave is dialed by its own name");
  });

  it("servers gossiped over a connection without a TLS name get none", () => {
    const pool = new ServerPool(addrs("a:4222"), false, parse);
    pool.current = find(pool, "a:4222");
    pool.update(["10.0.0.1:4222"]);
    assert.equal(find(pool, "10.0.0.1:4222").tlsName, "");
  });
});

describe("ServerPool: setServers (replace)", () => {
  it("the pool becomes exactly the servers given, in their order, none gossiped", () => {
    const pool = connectedPool();
    pool.replace(addrs("x:1", "b:4222", "y:2"));
    assert.deepEqual(listens(pool), ["x:1", "b:4222", "y:2"]);
    assert.ok(pool.all().every((s) => !s.gossiped));
  });

  it("a gossiped server given again becomes the user's: the next gossip cannot remove it", () => {
    const pool = connectedPool();
    pool.replace(addrs("a:4222", "10.0.0.1:4222"));
    assert.equal(find(pool, "10.0.0.1:4222").gossiped, false);
    assert.deepEqual(pool.update(["a:4222"]), undefined);
    assert.deepEqual(listens(pool), ["a:4222", "10.0.0.1:4222"]);
  });

  it("servers already known keep their TLS name and connect history", () => {
    const pool = connectedPool();
    const b = find(pool, "b:4222");
    b.tlsName = "b.example.com";
    b.didConnect = true;
    b.lastConnect = 1234;
    b.lastAttempt = 56;
    pool.replace(addrs("nats://b:4222", "z:4222"));
    const nb = find(pool, "b:4222");
    assert.equal(nb.tlsName, "b.example.com");
    assert.equal(nb.didConnect, true);
    assert.equal(nb.lastConnect, 1234);
    assert.equal(nb.lastAttempt, 56);
    assert.equal(nb.src, "nats://b:4222", "as the user now spells it");
    const z = find(pool, "z:4222");
    assert.equal(z.didConnect, false);
    assert.equal(z.lastAttempt, undefined);
  });

  it("servers already known keep their failure counts: setServers() does not restart maxReconnectAttempts or the auth-error abort", () => {
    const pool = connectedPool();
    const b = find(pool, "b:4222");
    b.reconnects = 9;
    b.authErrors = 1;
    pool.replace(addrs("b:4222", "z:4222"));
    assert.equal(find(pool, "b:4222").reconnects, 9);
    assert.equal(find(pool, "b:4222").authErrors, 1);
    assert.equal(find(pool, "z:4222").reconnects, 0);
  });

  it("the current server given again stays current (the entry of the new pool)", () => {
    const pool = connectedPool();
    pool.replace(addrs("b:4222", "a:4222"));
    assert.equal(pool.current, find(pool, "a:4222"));
  });

  it("the current server left out stays current but is not in the pool: the next dial uses the new list", () => {
    const pool = connectedPool();
    const cur = pool.current;
    pool.replace(addrs("x:4222"));
    assert.equal(pool.current, cur);
    assert.deepEqual(listens(pool), ["x:4222"]);
    // it is not protected from gossip by being current: it is not in the pool to remove
    assert.deepEqual(pool.update(["a:4222"]), { added: ["a:4222"], deleted: [] });
  });

  it("duplicates are kept, each its own entry", () => {
    const pool = new ServerPool(addrs("a:4222"), false, parse);
    pool.replace(addrs("b:4222", "b:4222"));
    assert.equal(pool.length, 2);
    assert.notEqual(pool.all()[0], pool.all()[1]);
  });

  it("with randomisation the new list is shuffled", (t) => {
    fixRandom(t, [0]);
    const pool = new ServerPool(addrs("a:4222"), true, parse);
    pool.replace(addrs("x:1", "y:2", "z:3"));
    assert.notDeepEqual(listens(pool), ["x:1", "y:2", "z:3"]);
    assert.deepEqual(listens(pool).sort(), ["x:1", "y:2", "z:3"]);
  });
});

describe("ServerEntry.snapshot", () => {
  it("a frozen copy with the fields of the official Server, and nothing internal", () => {
    const e = new ServerEntry(parse("tls://h.example:4443"), true);
    e.tlsName = "h.example";
    e.reconnects = 3;
    e.authErrors = 1;
    e.lastConnect = 99;
    e.lastAttempt = 5;
    e.didConnect = true;
    const s = e.snapshot();
    assert.ok(Object.isFrozen(s));
    assert.deepEqual(s, {
      hostname: "h.example",
      port: 4443,
      listen: "h.example:4443",
      src: "tls://h.example:4443",
      tlsName: "h.example",
      reconnects: 3,
      lastConnect: 99,
      gossiped: true,
      didConnect: true,
    });
    e.reconnects = 4;
    assert.equal(s.reconnects, 3, "a copy: later attempts do not change it");
  });
});
