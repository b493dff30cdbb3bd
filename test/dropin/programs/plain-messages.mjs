// A plain message as a handler reads it: no reply subject is "" (so string
// methods work on it), and an empty headers() set arrives as no headers.
const { connect, headers } = await import(process.env.CLIENT);
const nc = await connect({ port: Number(process.env.NATS_PORT) });
const sub = nc.subscribe("plain.>", { max: 2 });
await nc.flush();
const h = headers();
if (process.env.TRACE_ID) h.set("Trace-Id", process.env.TRACE_ID);
nc.publish("plain.a", "one", { headers: h });
nc.publish("plain.b", "two");
for await (const m of sub) {
  console.log(m.subject, JSON.stringify(m.reply), m.reply.startsWith("_INBOX"), m.headers ? "headers" : "no headers");
}
try {
  h.set("Count", 5);
} catch (err) {
  console.log("header value 5:", err instanceof TypeError ? "TypeError" : err.name);
}
await nc.close();
