// Helpers imported from the transport package (it re-exports nats-core's internal entry).
const {
  collect, DataBuffer, DEFAULT_MAX_RECONNECT_ATTEMPTS, extend, isIP, parseSemVer, render, SimpleMutex, TD, TE, timeout,
} = await import(process.env.CLIENT);
console.log("DEFAULT_MAX_RECONNECT_ATTEMPTS", DEFAULT_MAX_RECONNECT_ATTEMPTS);
console.log("parseSemVer", JSON.stringify(parseSemVer("2.9.10")));
console.log("render", render(TE.encode("PING\r\n")));
console.log("extend", JSON.stringify(extend({ a: 1 }, { b: 2 })));
console.log("isIP", isIP("127.0.0.1"), isIP("::1"), isIP("nats.io"));
const buf = new DataBuffer();
buf.fill(TE.encode("ab"), TE.encode("cd"));
console.log("DataBuffer", TD.decode(buf.drain(3)), buf.size());
const m = new SimpleMutex(1);
await m.lock();
const second = m.lock().then(() => "second got the lock");
m.unlock();
console.log(await second);
async function* three() { yield 1; yield 2; yield 3; }
console.log("collect", await collect(three()));
await timeout(10).catch((e) => console.log("timeout", e.name));
