/** `quicknats pub SUBJECT [BODY]`: publishes one or more messages. */
import { setTimeout as sleep } from "node:timers/promises";
import { headers as makeHeaders, type MsgHdrs, type PublishOptions } from "@quicknats/node";
import { bool, duration, headerPairs, int, str } from "../args.js";
import { openConnection, publishWhenReady, watchServerErrors } from "../connection.js";
import { describeError } from "../errors.js";
import { formatCount, plural, renderTemplate, utf8 } from "../format.js";
import { type Command, type Invocation } from "../command.js";
import { sharedFlag } from "../flags.js";
import { bodyFrom, log } from "../io.js";

/** Publishes between flushes when there is no pause: bounds what waits in memory. */
const FLUSH_EVERY = 10_000;

export const pub: Command = {
  name: "pub",
  summary: "Publish messages to a subject",
  usage: "SUBJECT [BODY]",
  description: [
    "Publishes BODY to SUBJECT. Without BODY, the body is read from stdin when stdin",
    "is a pipe or a file, and is empty otherwise. In the body and in header values,",
    "{{Count}} (or {{.Count}}) is the message number, starting at 1; {{ID}}, {{TimeStamp}},",
    "{{Unix}} and {{UnixNano}} are a unique id and the time.",
  ],
  args: { min: 1, max: 2 },
  flags: {
    count: sharedFlag.count("Publish N messages (default 1)"),
    sleep: { type: "string", arg: "DURATION", help: "Pause between messages, e.g. 100ms" },
    header: sharedFlag.header("Add a header"),
    reply: { type: "string", arg: "SUBJECT", help: "Reply subject to send with the message" },
    quiet: sharedFlag.quiet("Print nothing on success"),
  },
  examples: [
    ["one message", "quicknats pub orders.new '{\"id\":1}'"],
    ["ten numbered messages with a header, 100 ms apart", "quicknats pub orders.new 'order {{Count}}' --count 10 --sleep 100ms -H Source:cli"],
    ["the body from a file", "quicknats pub orders.new < order.json"],
  ],
  run,
};

async function run(inv: Invocation): Promise<number> {
  const { values, args, conn } = inv;
  const subject = args[0];
  const count = int("pub", values, "count", 1, 1);
  const pause = duration("pub", values, "sleep", 0);
  const pairs = headerPairs("pub", values);
  const reply = str(values, "reply");
  const quiet = bool(values, "quiet");
  const body = await bodyFrom(args[1]);

  // a body with placeholders is rendered per message; others are sent as bytes
  const text = utf8(body);
  const templated = text !== undefined && text.includes("{{");
  const headersTemplated = pairs.some(([, v]) => v.includes("{{"));
  const buildHeaders = (n: number): MsgHdrs | undefined => {
    if (pairs.length === 0) return undefined;
    const h = makeHeaders();
    for (const [k, v] of pairs) h.append(k, renderTemplate(v, { Count: n }));
    return h;
  };
  const fixedHeaders = headersTemplated ? undefined : buildHeaders(1);

  const nc = await openConnection(conn);
  const serverError = watchServerErrors(nc);
  let bytes = 0;
  try {
    for (let n = 1; n <= count; n++) {
      const payload = templated ? Buffer.from(renderTemplate(text, { Count: n }), "utf8") : body;
      const opts: PublishOptions = {};
      if (reply !== undefined) opts.reply = reply;
      const h = headersTemplated ? buildHeaders(n) : fixedHeaders;
      if (h !== undefined) opts.headers = h;
      await publishWhenReady(nc, subject, payload, opts);
      bytes += payload.length;
      if (pause > 0) {
        await nc.flush();
        const refused = serverError();
        if (refused) throw refused;
        if (!quiet) log(`Published ${plural(payload.length, "byte")} to "${subject}"`);
        if (n < count) await sleep(pause);
      } else if (n % FLUSH_EVERY === 0) {
        await nc.flush();
      }
    }
    // the server has everything once it answers the PING behind the messages
    await nc.flush();
    const refused = serverError();
    if (refused) throw refused;
  } catch (err) {
    await nc.close();
    throw describeError(err, { phase: "run", servers: conn.shown, subject });
  }
  if (!quiet && pause === 0) {
    log(count === 1
      ? `Published ${plural(bytes, "byte")} to "${subject}"`
      : `Published ${formatCount(count)} messages (${plural(bytes, "byte")}) to "${subject}"`);
  }
  await nc.close();
  return 0;
}
