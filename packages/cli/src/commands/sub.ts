/** `quicknats sub SUBJECT`: prints the messages published to a subject. */
import { bool, int, str } from "../args.js";
import { openConnection, serve } from "../connection.js";
import { plural, renderMsg } from "../format.js";
import { type Command, type Invocation } from "../command.js";
import { sharedFlag } from "../flags.js";
import { log, out } from "../io.js";

export const sub: Command = {
  name: "sub",
  summary: "Print the messages published to a subject",
  usage: "SUBJECT",
  description: [
    "Subscribes to SUBJECT (wildcards * and > allowed) and prints each message: its",
    "number, subject and reply subject, then its headers, then its payload, as `nats sub`",
    "does. Ctrl-C drains the subscription (messages already on their way are printed)",
    "and exits with 0. \"Subscribing on ...\" is printed to stderr once the server has",
    "the subscription.",
  ],
  args: { min: 1, max: 1 },
  flags: {
    queue: sharedFlag.queue("Join a queue group: each message goes to one member"),
    count: sharedFlag.count("Exit after N messages"),
    raw: sharedFlag.raw("Print only the payloads, one per line"),
    "headers-only": { type: "boolean", help: "Print the headers but not the payloads" },
    json: sharedFlag.json("Print one JSON object per message: seq, subject, reply, headers, data, size"),
  },
  examples: [
    ["everything under orders.", "quicknats sub 'orders.>'"],
    ["as a member of a queue group, exiting after 10 messages", "quicknats sub orders.new --queue workers --count 10"],
    ["JSON lines, for jq", "quicknats sub orders.new --json | jq .data"],
  ],
  run,
};

async function run(inv: Invocation): Promise<number> {
  const { values, args, conn } = inv;
  const subject = args[0];
  const queue = str(values, "queue");
  const count = int("sub", values, "count", 0, 1);
  const render = {
    raw: bool(values, "raw"),
    headersOnly: bool(values, "headers-only"),
    json: bool(values, "json"),
  };

  const nc = await openConnection(conn, { reconnect: true });
  let n = 0;
  // ends on --count, on Ctrl-C (drain), or when the connection is lost
  return serve(nc, conn, subject, async () => {
    const s = nc.subscribe(subject, count > 0 ? { queue, max: count } : { queue });
    // the server has the subscription once it answers the PING behind the SUB
    await nc.flush();
    log(`Subscribing on "${subject}"${queue ? ` in group "${queue}"` : ""}${count > 0 ? ` (exiting after ${plural(count, "message")})` : ""}`);
    for await (const m of s) {
      n++;
      out(renderMsg(m, n, render));
    }
  });
}
