// The nats-core README's flush example. The README shows only a fragment (no import,
// no connection): the first two statements below are added to connect, and
// the last one closes the connection.
import { connect } from "@quicknats/node";
const nc = await connect({ servers: "demo.nats.io:4222" });

nc.publish("foo");
nc.publish("bar");
await nc.flush();

await nc.close();
