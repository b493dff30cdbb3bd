// The nats-core README's status example. The README shows only a fragment (no import,
// and `opts` is not defined): the first two statements below are added to
// define `opts`, and the last one closes the connection.
import { connect } from "@quicknats/node";
const opts = { servers: "demo.nats.io:4222" };

const nc = await connect(opts);
(async () => {
  console.info(`connected ${nc.getServer()}`);
  for await (const s of nc.status()) {
    switch (s.type) {
      case "disconnect":
      case "reconnect":
        console.log(s);
        break;
      default:
        // ignored
    }
  }
})().then();

nc.closed()
  .then((err) => {
    console.log(
      `connection closed ${err ? " with error: " + err.message : ""}`,
    );
  });

await nc.close();
