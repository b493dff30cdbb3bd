// `import nats from "<transport>"`, then everything through the default export.
const { default: nats } = await import(process.env.CLIENT);
const nc = await nats.connect({ port: Number(process.env.NATS_PORT) });
const sub = nc.subscribe("def", { max: 1 });
nc.publish("def", "via the default export");
for await (const m of sub) console.log(m.string(), typeof nats.headers, typeof nats.createInbox);
await nc.close();
