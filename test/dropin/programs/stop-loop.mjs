// A service loop that drains its connection when told to stop, and awaits it
// inside the loop: the classic "admin.stop" handler.
const { connect } = await import(process.env.CLIENT);
const nc = await connect({ port: Number(process.env.NATS_PORT) });
const other = await connect({ port: Number(process.env.NATS_PORT) });
const sub = nc.subscribe("ctl.*");
await nc.flush();
for (const s of ["ctl.a", "ctl.stop", "ctl.b"]) other.publish(s);
await other.flush();
await nc.flush();
for await (const m of sub) {
  console.log("handled", m.subject);
  if (m.subject === "ctl.stop") {
    await nc.drain();
    console.log("drained; closed:", nc.isClosed());
  }
}
console.log("loop ended; closed() gives", await nc.closed());
await other.close();
