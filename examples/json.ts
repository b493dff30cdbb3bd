// The nats-core README's JSON example. The README shows only a fragment (no import,
// no connection): the first two statements below are added to connect, and
// the last one drains the connection (which closes it once the message has
// been seen), as the publish/subscribe example does.
import { connect } from "@quicknats/node";
const nc = await connect({ servers: "demo.nats.io:4222" });

interface Person {
  name: string;
}

// create a simple subscriber and iterate over messages
// matching the subscription
const sub = nc.subscribe("people");
(async () => {
  for await (const m of sub) {
    // typescript will see this as a Person
    const p = m.json<Person>();
    console.log(`[${sub.getProcessed()}]: ${p.name}`);
  }
})();

const p = { name: "Memo" } as Person;
nc.publish("people", JSON.stringify(p));

await nc.drain();
