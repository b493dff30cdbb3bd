// The nats-core README's "no responders" example; only the import lines differ.
import { connect } from "@quicknats/node";
import {
  NoRespondersError,
  RequestError,
  TimeoutError,
} from "@quicknats/node";

const nc = await connect({
  servers: `demo.nats.io`,
});

try {
  const m = await nc.request("hello.world");
  console.log(m.data);
} catch (err) {
  if (err instanceof RequestError) {
    if (err.cause instanceof TimeoutError) {
      console.log("someone is listening but didn't respond");
    } else if (err.cause instanceof NoRespondersError) {
      console.log("no one is listening to 'hello.world'");
    } else {
      console.log(
        `failed due to unknown error: ${(err.cause as Error)?.message}`,
      );
    }
  } else {
    console.log(`request failed: ${(err as Error).message}`);
  }
}

await nc.close();
