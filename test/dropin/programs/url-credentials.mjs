// A server URL copied from a nats.go configuration, credentials and all: the
// official client ignores them, so against a server without authorization it
// connects, and so must we (we use them: this server accepts any).
const { connect } = await import(process.env.CLIENT);
const nc = await connect({ servers: `nats://app:s3cret@127.0.0.1:${process.env.NATS_PORT}` });
const sub = nc.subscribe("url.creds", { max: 1 });
nc.publish("url.creds", "hi");
for await (const m of sub) console.log("got", m.string());
console.log("server:", nc.getServer());
await nc.close();
