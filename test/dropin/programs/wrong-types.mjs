// Calls with a value of the wrong type, as code ported from older clients
// makes them: publish(subject, data, reply) (the v1 signature) and a Map as
// headers. 3.4 throws a TypeError for each; the connection stays usable.
// And a UI that renders isClosed() right after calling close().
const { connect } = await import(process.env.CLIENT);
const nc = await connect({ port: Number(process.env.NATS_PORT) });
const attempt = (what, fn) => {
  try {
    fn();
    console.log(what, "accepted");
  } catch (err) {
    console.log(what, "threw", err instanceof TypeError ? "a TypeError" : err?.constructor?.name);
  }
};
attempt("publish(subject, data, reply)", () => nc.publish("types.x", "data", "types.reply"));
attempt("headers as a Map", () => nc.publish("types.x", "data", { headers: new Map([["A", "1"], ["B", "2"]]) }));
const sub = nc.subscribe("types.ok", { max: 1 });
nc.publish("types.ok", "still usable");
for await (const m of sub) console.log(m.string());
const closing = nc.close();
console.log("isClosed() right after close():", nc.isClosed());
attempt("subscribe() right after close()", () => nc.subscribe("types.late"));
await closing;
