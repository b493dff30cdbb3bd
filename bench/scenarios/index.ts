/** Every scenario, in the order of the table (issue 6; the naive loops: issue 11). */
import { idleSubscriptions } from "./idle-subs.js";
import { naivePubSubYield, naivePublish128, naivePublish16k } from "./naive.js";
import { jsConsume, jsConsumeNoAck, jsPublishInFlight, jsPublishSequential, kvGet } from "./jetstream.js";
import { publish128, publish16k } from "./publish.js";
import { fanOut, pubSub } from "./pubsub.js";
import { requestInFlight, requestSequential } from "./request.js";
import { subscribeCallback, subscribeIterator } from "./subscribe.js";
import type { Scenario } from "./types.js";

export const scenarios: readonly Scenario[] = [
  publish128,
  publish16k,
  subscribeCallback,
  subscribeIterator,
  pubSub,
  requestSequential,
  requestInFlight,
  fanOut,
  idleSubscriptions,
  naivePublish128,
  naivePublish16k,
  naivePubSubYield,
  jsPublishSequential,
  jsPublishInFlight,
  jsConsume,
  jsConsumeNoAck,
  kvGet,
];

export function scenarioById(id: string): Scenario {
  const s = scenarios.find((x) => x.id === id);
  if (!s) throw new Error(`unknown scenario ${id}; known: ${scenarios.map((x) => x.id).join(", ")}`);
  return s;
}
