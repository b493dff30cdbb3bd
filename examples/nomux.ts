// The nats-core README's noMux/reply request example. The README shows only a
// fragment (no import, no connection): the first two statements below are
// added to connect, and the last one closes the connection.
import { connect, Empty } from "@quicknats/node";
const nc = await connect({ servers: "demo.nats.io:4222" });

const m = await nc.request(
  "q",
  Empty,
  { reply: "bar", noMux: true, timeout: 1000 },
);

await nc.close();
