// The nats-core README's request example (a client of service.ts); only the import
// line differs. The README imports StringCodec, which v3 dropped; quicknats
// still exports StringCodec() so this runs as written.
import { connect, Empty, StringCodec } from "@quicknats/node";

// create a connection
const nc = await connect({ servers: "demo.nats.io:4222" });

// create an encoder
const sc = StringCodec();

// the client makes a request and receives a promise for a message
// by default the request times out after 1s (1000 millis) and has
// no payload.
await nc.request("time", Empty, { timeout: 1000 })
  .then((m) => {
    console.log(`got response: ${sc.decode(m.data)}`);
  })
  .catch((err) => {
    console.log(`problem with request: ${err.message}`);
  });

await nc.close();
