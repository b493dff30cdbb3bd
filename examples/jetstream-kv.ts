// JetStream and KV with the official @nats-io/jetstream and @nats-io/kv on a
// quicknats connection: only the import of connect() differs from code written
// for @nats-io/transport-node. Needs a nats-server with JetStream (`-js`).
import { connect } from "@quicknats/node"; // was: "@nats-io/transport-node"
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";

const nc = await connect({ servers: "127.0.0.1:4222" });

// a stream that stores everything published to orders.>
const jsm = await jetstreamManager(nc);
await jsm.streams.add({ name: "ORDERS", subjects: ["orders.>"] });

// publish: the ack says where the message was stored; a repeated msgID is stored once
const js = jetstream(nc);
const ack = await js.publish("orders.new", JSON.stringify({ id: 1, item: "book" }));
console.log(`stored in ${ack.stream} as #${ack.seq}`);
await js.publish("orders.new", JSON.stringify({ id: 2, item: "pen" }), { msgID: "order-2" });
const again = await js.publish("orders.new", JSON.stringify({ id: 2, item: "pen" }), { msgID: "order-2" });
console.log(`sent order-2 twice: duplicate=${again.duplicate}, still #${again.seq}`);

// a durable consumer: fetch what is stored, ack each message
await jsm.consumers.add("ORDERS", { durable_name: "shipping", ack_policy: AckPolicy.Explicit });
const shipping = await js.consumers.get("ORDERS", "shipping");
for await (const m of await shipping.fetch({ max_messages: 2, expires: 1000 })) {
  console.log(`shipping #${m.seq}: ${m.string()}`);
  m.ack();
}

// KV: put, get, compare-and-set, and the key's history
const kv = await new Kvm(nc).create("settings", { history: 5 }); // keep 5 revisions per key
await kv.put("theme", "dark");
const theme = await kv.get("theme");
console.log(`theme = ${theme?.string()} (revision ${theme?.revision})`);
await kv.update("theme", "light", theme!.revision);
try {
  await kv.update("theme", "blue", theme!.revision); // stale revision
} catch (err) {
  console.log(`stale update refused: ${(err as Error).message}`);
}
for await (const e of await kv.history({ key: "theme" })) {
  console.log(`history: ${e.key} = ${e.string()} (revision ${e.revision})`);
}

await nc.close();
