// Values a configuration gives: a request timeout as a string, no queue as null,
// no inbox prefix as null; and an error logged as JSON.
const { connect, createInbox } = await import(process.env.CLIENT);
const cfg = { timeout: "2000", queue: null, prefix: null };
const nc = await connect({ port: Number(process.env.NATS_PORT) });
nc.subscribe("cfg.svc", { queue: cfg.queue, callback: (_err, m) => m.respond("pong") });
await nc.flush();
console.log("reply:", (await nc.request("cfg.svc", "ping", { timeout: cfg.timeout })).string());
console.log("inbox prefix:", createInbox(cfg.prefix).split(".")[0]);
const err = await nc.request("cfg.nobody", "", { timeout: 1000 }).catch((e) => e);
const logged = JSON.parse(JSON.stringify(err));
console.log("logged error:", logged.name, logged.cause?.name, logged.cause?.subject);
await nc.close();
