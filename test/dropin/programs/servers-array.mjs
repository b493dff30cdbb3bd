// The server pool as plain JavaScript uses it: sorted in place, elements read.
const { connect } = await import(process.env.CLIENT);
const nc = await connect({
  servers: [`127.0.0.1:${process.env.NATS_PORT}`, "127.0.0.1:1"],
  noRandomize: true,
  reconnectToServer: (pool) => pool.sort((a, b) => a.listen.localeCompare(b.listen))[0],
});
const servers = nc.getServers();
servers.sort((a, b) => b.listen.localeCompare(a.listen));
console.log("servers:", servers.length, "first element frozen:", Object.isFrozen(servers[0]));
await nc.close();
