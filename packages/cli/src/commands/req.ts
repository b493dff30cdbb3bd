/** `quicknats req SUBJECT [BODY]`: sends a request and prints the reply (or replies). */
import { headers as makeHeaders, type Msg, type MsgHdrs } from "@quicknats/node";
import { bool, headerPairs, int, str } from "../args.js";
import { openConnection } from "../connection.js";
import { CliError, describeError, ExitCode } from "../errors.js";
import { formatDuration, headerLines, msgJson, renderTemplate, utf8 } from "../format.js";
import { type Command, type Invocation } from "../command.js";
import { sharedFlag } from "../flags.js";
import { bodyFrom, log, out } from "../io.js";

export const req: Command = {
  name: "req",
  summary: "Send a request and print the reply",
  usage: "SUBJECT [BODY]",
  description: [
    "Sends BODY to SUBJECT as a request and prints the reply: headers, a blank line, then",
    "the payload. Without BODY, the body is read from stdin when stdin is a pipe or a file.",
    "--timeout (default 5s) bounds the wait. With --replies N, waits for up to N replies",
    "(0: every reply until the timeout) and prints each.",
    "",
    "Exits with 4 when nobody is subscribed to SUBJECT (no responders) and with 5 when",
    "nothing answers in time.",
  ],
  args: { min: 1, max: 2 },
  flags: {
    header: sharedFlag.header("Add a header"),
    replies: { type: "string", arg: "N", help: "Wait for up to N replies (0: all until the timeout)" },
    raw: sharedFlag.raw("Print only the payload"),
    json: sharedFlag.json("Print each reply as a JSON object: subject, headers, data, size, rtt_ms"),
  },
  examples: [
    ["ask a service", "quicknats req time.now ''"],
    ["with a header and a 2 s timeout", "quicknats req orders.get '{\"id\":1}' -H Trace:1 --timeout 2s"],
    ["collect the answers of every instance for 1 s", "quicknats req service.ping '' --replies 0 --timeout 1s"],
  ],
  run,
};

function print(m: Msg, n: number, rtt: number, raw: boolean, json: boolean): void {
  if (json) {
    out(`${JSON.stringify(msgJson(m, n, { rtt_ms: Number(rtt.toFixed(3)) }))}\n`);
    return;
  }
  if (raw) {
    out(Buffer.concat([m.data, Buffer.from("\n")]));
    return;
  }
  const hl = headerLines(m.headers);
  let s = hl.length > 0 ? `${hl.join("\n")}\n\n` : "";
  const text = utf8(m.data) ?? `<${m.data.length} bytes of binary data; use --raw or --json>`;
  s += text.endsWith("\n") ? text : `${text}\n`;
  out(s);
}

async function run(inv: Invocation): Promise<number> {
  const { values, args, conn } = inv;
  const subject = args[0];
  const pairs = headerPairs("req", values);
  const replies = str(values, "replies") === undefined ? undefined : int("req", values, "replies", 1, 0);
  const raw = bool(values, "raw");
  const json = bool(values, "json");
  const body = await bodyFrom(args[1]);
  const text = utf8(body);
  const payload = text !== undefined && text.includes("{{") ? renderTemplate(text, { Count: 1 }) : body;
  let h: MsgHdrs | undefined;
  if (pairs.length > 0) {
    h = makeHeaders();
    for (const [k, v] of pairs) h.append(k, renderTemplate(v, { Count: 1 }));
  }

  const ctx = { phase: "request" as const, servers: conn.shown, subject, timeout: conn.timeout };
  const nc = await openConnection(conn);
  try {
    log(`Sending request on "${subject}"`);
    const start = performance.now();
    if (replies === undefined) {
      const m = await nc.request(subject, payload, { timeout: conn.timeout, headers: h });
      const rtt = performance.now() - start;
      log(`Received with rtt ${formatDuration(rtt)}`);
      print(m, 1, rtt, raw, json);
      return 0;
    }
    const iter = await nc.requestMany(subject, payload, {
      strategy: replies > 0 ? "count" : "timer",
      maxMessages: replies > 0 ? replies : undefined,
      maxWait: conn.timeout,
      headers: h,
    });
    let n = 0;
    for await (const m of iter) {
      n++;
      const rtt = performance.now() - start;
      log(`Received reply ${n} with rtt ${formatDuration(rtt)}`);
      print(m, n, rtt, raw, json);
    }
    if (n === 0) {
      throw new CliError(
        `request on "${subject}" timed out after ${formatDuration(conn.timeout)}: no replies — raise --timeout or check the service`,
        ExitCode.Timeout,
      );
    }
    if (replies > 0 && n < replies) log(`Received ${n} of ${replies} replies within ${formatDuration(conn.timeout)}`);
    return 0;
  } catch (err) {
    throw describeError(err, ctx);
  } finally {
    if (!nc.isClosed()) await nc.close();
  }
}
