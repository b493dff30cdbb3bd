/** `quicknats rtt [ITERATIONS]`: the round-trip time to the server. */
import { bool } from "../args.js";
import { openConnection } from "../connection.js";
import { describeError, UsageError } from "../errors.js";
import { formatDuration } from "../format.js";
import { type Command, type Invocation } from "../command.js";
import { sharedFlag } from "../flags.js";
import { out } from "../io.js";

export const rtt: Command = {
  name: "rtt",
  summary: "Measure the round-trip time to the server",
  usage: "[ITERATIONS]",
  description: [
    "Connects, then times ITERATIONS (default 5) PING/PONG round trips and prints their",
    "average, minimum and maximum.",
  ],
  args: { min: 0, max: 1 },
  flags: {
    json: sharedFlag.json("Print a JSON object: server, iterations, avg_ms, min_ms, max_ms, samples_ms"),
  },
  examples: [
    ["the default 5 round trips", "quicknats rtt"],
    ["20 round trips to another server", "quicknats rtt 20 -s nats://10.0.0.5:4222"],
  ],
  run,
};

async function run(inv: Invocation): Promise<number> {
  const { values, args, conn } = inv;
  let iterations = 5;
  if (args[0] !== undefined) {
    if (!/^\d+$/.test(args[0]) || Number(args[0]) < 1) {
      throw new UsageError(`ITERATIONS must be an integer >= 1, got '${args[0]}'`, "rtt");
    }
    iterations = Number(args[0]);
  }
  const nc = await openConnection(conn);
  const samples: number[] = [];
  try {
    for (let i = 0; i < iterations; i++) samples.push(await nc.rtt());
  } catch (err) {
    throw describeError(err, { phase: "run", servers: conn.shown });
  } finally {
    await nc.close();
  }
  const server = nc.getServer() || conn.shown;
  const avg = samples.reduce((a, b) => a + b, 0) / samples.length;
  const min = Math.min(...samples);
  const max = Math.max(...samples);
  if (bool(values, "json")) {
    const r = (v: number) => Number(v.toFixed(3));
    out(`${JSON.stringify({ server, iterations, avg_ms: r(avg), min_ms: r(min), max_ms: r(max), samples_ms: samples.map(r) })}\n`);
  } else {
    out(`${server}: rtt ${formatDuration(avg)} (average of ${iterations}; min ${formatDuration(min)}, max ${formatDuration(max)})\n`);
  }
  return 0;
}
