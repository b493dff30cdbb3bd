// The nats-core README's subscription options example (max, and a timeout on the
// first message). The README shows only a fragment (no import, no connection):
// the first two statements below are added to connect. Nothing is added at
// the end: the fragment closes the connection itself once the timeout fires.
import { connect, TimeoutError } from "@quicknats/node";
const nc = await connect({ servers: "demo.nats.io:4222" });

// subscriptions can auto unsubscribe after a certain number of messages
nc.subscribe("foo", { max: 10 });

// create subscription with a timeout, if no message arrives
// within the timeout, the subscription throws a timeout error
const sub = nc.subscribe("hello", { timeout: 1000 });
(async () => {
  for await (const _m of sub) {
    // handle the messages
  }
})().catch((err) => {
  if (err instanceof TimeoutError) {
    console.log(`sub timed out!`);
  } else {
    console.log(`sub iterator got an error!`);
  }
  nc.close();
});
