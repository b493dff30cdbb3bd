// The official bench example's first line after connect: `nc.protocol.pendingLimit = ...`.
const { connect } = await import(process.env.CLIENT);
const nc = await connect({ port: Number(process.env.NATS_PORT) });
nc.protocol.pendingLimit = 32 * 1024;
const sub = nc.subscribe("tuned", { max: 100 });
for (let i = 0; i < 100; i++) nc.publish("tuned", `m${i}`);
let n = 0;
for await (const _m of sub) n++;
console.log("received", n, "after tuning nc.protocol");
await nc.close();
