// @nats-io/services (npm latest), unchanged, on a quicknats connection and on
// the official transport: endpoints, groups, iterator endpoints, errors
// (respondError, a throwing handler), and discovery (ping, info, stats).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { errors, type NatsConnection } from "@nats-io/nats-core";
import { type Service, type ServiceClient, ServiceError, Svcm } from "@nats-io/services";
import { NatsServer } from "../helpers/nats-server.js";
import { within } from "../helpers/wait.js";
import { CLIENTS, suiteConnection } from "./clients.js";

// @nats-io/services 3.0.0-25 pins nats-core 3.0.0-50, whose NatsConnection type
// differs from 3.4's (Match is an enum there): the official 3.4 transport needs
// this cast as much as quicknats does.
type ServicesConnection = ConstructorParameters<typeof Svcm>[0];

async function all<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of iter) out.push(v);
  return out;
}

for (const client of CLIENTS) {
  describe(`services on ${client.name}`, () => {
    let svc: Service;
    let sc: ServiceClient;
    const suite = suiteConnection(client, () => NatsServer.start(), { setup, teardown: async () => void (await svc?.stop()) });

    async function setup(nc: NatsConnection): Promise<void> {
      const svcm = new Svcm(nc as unknown as ServicesConnection);
      svc = await svcm.add({ name: "calc", version: "1.2.3", description: "adds numbers", metadata: { team: "x" } });
      svc.addEndpoint("add", (err, m) => {
        if (err) return;
        const [a, b] = m.json<number[]>();
        m.respond(JSON.stringify(a + b));
      });
      const g = svc.addGroup("math");
      g.addEndpoint("neg", { handler: (_err, m) => void m.respond(JSON.stringify(-m.json<number>())), metadata: { kind: "unary" } });
      g.addEndpoint("fail", (_err, m) => void m.respondError(409, "conflict here", JSON.stringify({ why: "test" })));
      g.addEndpoint("throw", () => {
        throw new Error("handler blew up");
      });
      g.addEndpoint("serviceerror", () => {
        throw new ServiceError(418, "teapot");
      });
      // an endpoint without a handler is an iterator
      const iter = svc.addEndpoint("upper");
      (async () => {
        for await (const m of iter) m.respond(m.string().toUpperCase());
      })();
      sc = svcm.client();
    }

    it("an endpoint answers requests", async () => {
      const r = await suite.nc.request("add", JSON.stringify([2, 3]), { timeout: 2000 });
      assert.equal(r.json(), 5);
      assert.equal(r.headers?.get("Nats-Service-Error"), undefined);
    });

    it("a group's endpoint is under the group's subject", async () => {
      const r = await suite.nc.request("math.neg", JSON.stringify(7), { timeout: 2000 });
      assert.equal(r.json(), -7);
    });

    it("an iterator endpoint", async () => {
      const r = await suite.nc.request("upper", "shout", { timeout: 2000 });
      assert.equal(r.string(), "SHOUT");
    });

    it("respondError: code and description in headers, data as given", async () => {
      const r = await suite.nc.request("math.fail", "", { timeout: 2000 });
      assert.equal(r.headers?.get("Nats-Service-Error"), "conflict here");
      assert.equal(r.headers?.get("Nats-Service-Error-Code"), "409");
      assert.deepEqual(r.json(), { why: "test" });
    });

    it("a throwing handler answers with a 500 error; a ServiceError with its code", async () => {
      const r = await suite.nc.request("math.throw", "", { timeout: 2000 });
      assert.equal(r.headers?.get("Nats-Service-Error"), "handler blew up");
      assert.equal(r.headers?.get("Nats-Service-Error-Code"), "500");
      assert.equal(r.data.length, 0);
      const t = await suite.nc.request("math.serviceerror", "", { timeout: 2000 });
      assert.equal(t.headers?.get("Nats-Service-Error-Code"), "418");
      assert.equal(t.headers?.get("Nats-Service-Error"), "teapot");
    });

    it("ping, info and stats find the service", async () => {
      const pings = await within(all(await sc.ping("calc")), 10_000, "ping");
      assert.equal(pings.length, 1);
      assert.deepEqual([pings[0].name, pings[0].version, pings[0].id], ["calc", "1.2.3", svc.info().id]);
      const infos = await within(all(await sc.info()), 10_000, "info");
      assert.equal(infos.length, 1);
      assert.equal(infos[0].description, "adds numbers");
      assert.deepEqual(infos[0].metadata, { team: "x" });
      const subjects = infos[0].endpoints.map((e) => e.subject).sort();
      assert.deepEqual(subjects, ["add", "math.fail", "math.neg", "math.serviceerror", "math.throw", "upper"]);
      const stats = await within(all(await sc.stats("calc", svc.info().id)), 10_000, "stats");
      assert.equal(stats.length, 1);
      const byName = new Map(stats[0].endpoints?.map((e) => [e.name, e]));
      assert.ok((byName.get("add")?.num_requests ?? 0) >= 1);
      assert.ok((byName.get("throw")?.num_errors ?? 0) >= 1);
    });

    it("stop() ends the service: requests find no responders", async () => {
      const s2 = await new Svcm(suite.nc as unknown as ServicesConnection).add({ name: "temp", version: "0.0.1" });
      s2.addEndpoint("temp", (_e, m) => void m.respond("here"));
      assert.equal((await suite.nc.request("temp", "", { timeout: 2000 })).string(), "here");
      await s2.stop();
      await assert.rejects(suite.nc.request("temp", "", { timeout: 2000 }), (err: Error) => err instanceof errors.RequestError && err.isNoResponders());
    });
  });
}
