/** `quicknats server info`: the INFO the server sent on connect. */
import { bool } from "../args.js";
import { openConnection } from "../connection.js";
import { formatBytes, table } from "../format.js";
import { type Command, type Invocation } from "../command.js";
import { sharedFlag } from "../flags.js";
import { out } from "../io.js";

export const serverInfo: Command = {
  name: "server info",
  summary: "Show the server's INFO: id, version, limits, features",
  usage: "",
  description: [
    "Connects and prints the INFO the server sent: its id and name, version, the",
    "address and client id of this connection, limits and features.",
  ],
  args: { min: 0, max: 0 },
  flags: {
    json: sharedFlag.json("Print the INFO as JSON, as the server sent it"),
  },
  examples: [
    ["readable", "quicknats server info"],
    ["the version, with jq", "quicknats server info --json | jq -r .version"],
  ],
  run,
};

const yesNo = (v: boolean | undefined): string => (v ? "yes" : "no");

async function run(inv: Invocation): Promise<number> {
  const { values, conn } = inv;
  const nc = await openConnection(conn);
  const info = nc.info!;
  const server = nc.getServer();
  await nc.close();
  if (bool(values, "json")) {
    out(`${JSON.stringify(info, null, 2)}\n`);
    return 0;
  }
  const who = info.server_name && info.server_name !== info.server_id ? `${info.server_name} (${info.server_id})` : info.server_id;
  out(`Server information for ${who}, connected to ${server}\n\n`);
  out(table([
    ["Server ID", info.server_id],
    ["Name", info.server_name !== info.server_id ? info.server_name : undefined],
    ["Version", info.version],
    ["Git commit", info.git_commit],
    ["Go", info.go],
    ["Host", `${info.host}:${info.port}`],
    ["Protocol", info.proto],
    ["Cluster", info.cluster],
    ["Connect URLs", info.connect_urls?.join(", ")],
    ["Max payload", `${formatBytes(info.max_payload)} (${info.max_payload} bytes)`],
    ["Headers", yesNo(info.headers)],
    ["JetStream", yesNo(info.jetstream)],
    ["Auth required", yesNo(info.auth_required)],
    ["TLS required", yesNo(info.tls_required)],
    ["TLS available", yesNo(info.tls_available)],
    ["Lame duck mode", info.ldm ? "yes" : undefined],
    ["Client ID", info.client_id],
    ["Client IP", info.client_ip],
  ]));
  return 0;
}
