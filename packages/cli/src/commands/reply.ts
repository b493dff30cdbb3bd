/** `quicknats reply SUBJECT [BODY]`: answers requests, with a fixed body or a command's output. */
import { spawn } from "node:child_process";
import { headers as makeHeaders, type Msg, type MsgHdrs } from "@quicknats/node";
import { bool, headerPairs, int, str } from "../args.js";
import { openConnection, serve } from "../connection.js";
import { UsageError } from "../errors.js";
import { plural, renderMsg, renderTemplate, utf8 } from "../format.js";
import { type Command, type Invocation } from "../command.js";
import { sharedFlag } from "../flags.js";
import { log, out } from "../io.js";

export const reply: Command = {
  name: "reply",
  summary: "Answer requests on a subject",
  usage: "SUBJECT [BODY]",
  description: [
    "Subscribes to SUBJECT and answers every request with BODY ({{Count}} is the request",
    "number, {{Request}} the request's body), with the request itself (--echo), or with the",
    "standard output of a shell command run once per request with the request's body on",
    "its standard input (--command). The command also gets NATS_SUBJECT and NATS_COUNT in",
    "its environment; when it fails, the reply carries Nats-Service-Error headers.",
    "Each request is printed as `quicknats sub` prints messages. Ctrl-C drains and exits 0.",
  ],
  args: { min: 1, max: 2 },
  flags: {
    command: { type: "string", arg: "CMD", help: "Reply with the output of CMD (run by the shell; request body on stdin)" },
    echo: { type: "boolean", help: "Reply with the request's own body and headers" },
    queue: sharedFlag.queue("Join a queue group so that several repliers share the load"),
    count: sharedFlag.count("Exit after answering N requests"),
    header: sharedFlag.header("Add a header to every reply"),
    quiet: sharedFlag.quiet("Do not print the requests"),
  },
  examples: [
    ["a fixed answer", "quicknats reply service.hello 'hello there'"],
    ["upper-case whatever is asked", "quicknats reply service.upper --command 'tr a-z A-Z'"],
    ["three instances sharing the work", "quicknats reply service.time --queue time --command date"],
  ],
  run,
};

interface CommandResult {
  stdout: Buffer;
  /** why it failed, or undefined */
  error?: string;
}

/** Runs `cmd` through the shell with `input` on its stdin; its stderr goes to ours. */
function runCommand(cmd: string, input: Uint8Array, env: Record<string, string>): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, { shell: true, stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, ...env } });
    const chunks: Buffer[] = [];
    child.stdout!.on("data", (c: Buffer) => chunks.push(c));
    // a command that does not read its stdin closes it early: not an error
    child.stdin!.on("error", () => {});
    child.stdin!.end(input);
    child.on("error", (err) => resolve({ stdout: Buffer.concat(chunks), error: `cannot run the command: ${err.message}` }));
    child.on("close", (code, signal) => {
      const stdout = Buffer.concat(chunks);
      if (code === 0) resolve({ stdout });
      else resolve({ stdout, error: signal ? `the command was killed by ${signal}` : `the command exited with code ${code}` });
    });
  });
}

async function run(inv: Invocation): Promise<number> {
  const { values, args, conn } = inv;
  const subject = args[0];
  const body = args[1];
  const command = str(values, "command");
  const echo = bool(values, "echo");
  const queue = str(values, "queue");
  const count = int("reply", values, "count", 0, 1);
  const quiet = bool(values, "quiet");
  const pairs = headerPairs("reply", values);
  if ([body !== undefined, command !== undefined, echo].filter(Boolean).length > 1) {
    throw new UsageError("give only one of BODY, --command and --echo", "reply");
  }

  const replyHeaders = (n: number, extra?: Array<[string, string]>): MsgHdrs | undefined => {
    const all = [...pairs, ...(extra ?? [])];
    if (all.length === 0) return undefined;
    const h = makeHeaders();
    for (const [k, v] of all) h.append(k, renderTemplate(v, { Count: n }));
    return h;
  };

  const answer = async (m: Msg, n: number): Promise<void> => {
    if (echo) {
      const h = replyHeaders(n);
      if (h === undefined) {
        m.respond(m.data, m.headers ? { headers: m.headers } : {});
      } else {
        if (m.headers) for (const [k, vs] of m.headers) for (const v of vs) h.append(k, v);
        m.respond(m.data, { headers: h });
      }
      return;
    }
    if (command !== undefined) {
      const r = await runCommand(command, m.data, { NATS_SUBJECT: m.subject, NATS_COUNT: String(n) });
      if (r.error !== undefined) {
        log(`request ${n}: ${r.error} (${command})`);
        const h = replyHeaders(n, [["Nats-Service-Error", r.error], ["Nats-Service-Error-Code", "500"]]);
        m.respond(r.stdout, { headers: h });
      } else {
        const h = replyHeaders(n);
        m.respond(r.stdout, h ? { headers: h } : {});
      }
      return;
    }
    const text = body ?? "";
    const payload = text.includes("{{")
      ? renderTemplate(text, { Count: n, Request: utf8(m.data) ?? "" })
      : text;
    const h = replyHeaders(n);
    m.respond(payload, h ? { headers: h } : {});
  };

  const nc = await openConnection(conn, { reconnect: true });
  let n = 0;
  return serve(nc, conn, subject, async (draining) => {
    const s = nc.subscribe(subject, count > 0 ? { queue, max: count } : { queue });
    await nc.flush();
    log(`Listening on "${subject}"${queue ? ` in group "${queue}"` : ""}${count > 0 ? ` (exiting after ${plural(count, "request")})` : ""}`);
    for await (const m of s) {
      n++;
      if (!quiet) out(renderMsg(m, n));
      if (!m.reply) {
        log(`message ${n} has no reply subject: not answered`);
        continue;
      }
      try {
        await answer(m, n);
      } catch (err) {
        // a reply that cannot be sent (connection draining or closed) is not fatal here
        log(`request ${n}: cannot reply: ${(err as Error).message}`);
      }
    }
    // make sure the last replies reached the server before closing
    if (!nc.isClosed() && !draining()) await nc.flush();
  });
}
