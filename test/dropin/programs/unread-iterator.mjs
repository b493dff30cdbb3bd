// A subscription whose iterator is never read, then a graceful shutdown.
const { connect } = await import(process.env.CLIENT);
const nc = await connect({ port: Number(process.env.NATS_PORT) });
const sub = nc.subscribe("unread");
await nc.flush();
nc.publish("unread", "one");
nc.publish("unread", "two");
await nc.flush();
await nc.drain();
console.log("drained; closed:", nc.isClosed());
const late = [];
for await (const m of sub) late.push(m.string());
console.log("a late reader still gets", late);
