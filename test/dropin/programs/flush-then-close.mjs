// A flush nobody awaits, then close().
const { connect } = await import(process.env.CLIENT);
const nc = await connect({ port: Number(process.env.NATS_PORT) });
nc.publish("x", "y");
nc.flush();
await nc.close();
console.log("closed() gives", await nc.closed());
