// Credentials switched on by configuration: `authenticator: useCreds &&
// credsAuthenticator(...)` gives `false` when they are off, which 3.4 takes
// as no authenticator.
const { connect, credsAuthenticator } = await import(process.env.CLIENT);
const useCreds = process.env.USE_CREDS === "1";
const nc = await connect({
  port: Number(process.env.NATS_PORT),
  authenticator: useCreds && credsAuthenticator(new TextEncoder().encode(process.env.CREDS ?? "")),
});
const sub = nc.subscribe("config.creds", { max: 1 });
nc.publish("config.creds", "connected without credentials");
for await (const m of sub) console.log(m.string());
await nc.close();
