// A request handler that is still working when the application closes the
// connection: the process must go on and end normally.
const { connect } = await import(process.env.CLIENT);
const nc = await connect({ port: Number(process.env.NATS_PORT) });
const client = await connect({ port: Number(process.env.NATS_PORT) });
const sub = nc.subscribe("svc");
const loop = (async () => {
  for await (const m of sub) {
    await new Promise((r) => setTimeout(r, 200));
    m.respond("done");
  }
  console.log("service loop ended");
})();
await nc.flush();
const reply = client.request("svc", "job", { timeout: 500 }).then(() => "reply", (e) => e.name);
await client.flush();
await new Promise((r) => setTimeout(r, 50)); // the job is being handled
await nc.close();
await loop;
console.log("request:", await reply);
await client.close();
console.log("process still alive");
