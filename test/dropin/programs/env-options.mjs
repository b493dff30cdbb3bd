// Options as a configuration loader gives them: strings from the environment, nulls.
const { connect } = await import(process.env.CLIENT);
const env = { PORT: process.env.NATS_PORT, TIMEOUT: "5000", PING: "30000", WAIT: "250" };
const nc = await connect({
  port: env.PORT,
  timeout: env.TIMEOUT,
  pingInterval: env.PING,
  reconnectTimeWait: env.WAIT,
  name: null,
  tls: false,
});
const sub = nc.subscribe("env", { max: 1 });
nc.publish("env", "hello");
for await (const m of sub) console.log("round trip:", m.string());
await nc.close();
