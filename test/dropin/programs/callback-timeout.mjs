// A callback subscription's `timeout` as a "nothing yet" watchdog: the
// callback hears of it, and a reading that comes late is still delivered.
const { connect } = await import(process.env.CLIENT);
const nc = await connect({ port: Number(process.env.NATS_PORT) });
const events = [];
let timedOut;
const warned = new Promise((resolve) => (timedOut = resolve));
const sub = nc.subscribe("sensor.data", {
  timeout: 200,
  callback: (err, msg) => {
    events.push(err ? `error ${err.name}` : `msg ${msg.string()}`);
    if (err) timedOut();
  },
});
await warned;
nc.publish("sensor.data", "late reading");
await nc.flush();
console.log(events.join(" | "), "| received", sub.getReceived());
await nc.close();
