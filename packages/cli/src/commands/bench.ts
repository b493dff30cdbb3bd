/**
 * `quicknats bench SUBJECT`: publish/subscribe or request/reply throughput,
 * reported the way `nats bench` reports it (per client and aggregate msgs/s
 * and MB/s, min/avg/max/stddev), plus latency percentiles for requests.
 *
 * Each publisher, subscriber, requester and responder has its own
 * connection. A publisher's time runs from its first publish to the PONG
 * after its last message; a subscriber's from its first message to its last,
 * as in nats.go's `bench` package.
 */
import type { MultiBar, SingleBar } from "cli-progress";
import { type NatsConnection } from "@quicknats/node";
import { bool, int, size as sizeFlag } from "../args.js";
import { type ConnectionSettings, openConnection } from "../connection.js";
import { CliError, describeError, ExitCode, UsageError } from "../errors.js";
import { formatBytes, formatCount, formatDuration } from "../format.js";
import { type Command, type Invocation } from "../command.js";
import { sharedFlag } from "../flags.js";
import { log, out } from "../io.js";

const MiB = 1024 * 1024;
/** Progress bars are redrawn this often. */
const PROGRESS_MS = 100;
/** Messages published between two yields to the event loop: at most 10k, and about 1 MiB. */
function batchSize(size: number): number {
  return Math.max(1, Math.min(10_000, Math.floor(MiB / Math.max(size, 64))));
}

export const bench: Command = {
  name: "bench",
  summary: "Benchmark publish/subscribe or request/reply throughput and latency",
  usage: "SUBJECT",
  description: [
    "Runs --pub publishers and --sub subscribers, each on its own connection, and",
    "reports the throughput of each and of all together (msgs/s and MB/s, with the",
    "min/avg/max/stddev of the clients' rates), as `nats bench` does. The messages",
    "(--msgs) are shared among the publishers; every subscriber receives all of them.",
    "\"End-to-end\" is what the subscribers received per second from the first publish",
    "to the last arrival: the number the benchmark suite (bench/) reports for pubsub.",
    "",
    "With --request, the publishers send requests one after the other and wait for",
    "each reply; the subscribers (at least one) answer them as a queue group, so each",
    "request is answered once. Latency percentiles (p50, p90, p99, max) are reported.",
    "",
    "Progress bars are drawn on stderr when it is a terminal. Exits with 5 when the",
    "subscribers stop receiving for --timeout (messages lost).",
  ],
  args: { min: 1, max: 1 },
  flags: {
    pub: { type: "string", arg: "N", help: "Publishers (requesters with --request) (default 1)" },
    sub: { type: "string", arg: "N", help: "Subscribers (responders with --request) (default 0; 1 with --request)" },
    msgs: { type: "string", arg: "N", help: "Messages to publish, shared among the publishers (default 100000)" },
    size: { type: "string", arg: "SIZE", help: "Payload size: 128, 1KB, 1MB (default 128)" },
    request: { type: "boolean", help: "Request/reply mode: measure round trips" },
    json: sharedFlag.json("Print the results as one JSON object"),
    "no-progress": { type: "boolean", help: "Do not draw progress bars" },
  },
  examples: [
    ["one publisher, no subscriber", "quicknats bench bench.test --msgs 1000000 --size 16"],
    ["4 publishers and 4 subscribers", "quicknats bench bench.test --pub 4 --sub 4"],
    ["request/reply latency with 2 responders", "quicknats bench bench.rpc --request --sub 2 --msgs 10000"],
    ["machine-readable", "quicknats bench bench.test --pub 1 --sub 1 --json | jq .sub.msgs_per_sec"],
  ],
  run,
};

// ---- statistics ------------------------------------------------------------

/** What one client did: `start`/`end` are `performance.now()` ms. */
interface Sample {
  msgs: number;
  bytes: number;
  start: number;
  end: number;
}

export interface ClientStats {
  msgs: number;
  bytes: number;
  seconds: number;
  msgs_per_sec: number;
  mb_per_sec: number;
}

export interface GroupStats extends ClientStats {
  /** min/avg/max/stddev of the clients' msgs/s */
  min: number;
  avg: number;
  max: number;
  stddev: number;
  clients: ClientStats[];
}

function stats(msgs: number, bytes: number, ms: number): ClientStats {
  const seconds = ms / 1000;
  return {
    msgs,
    bytes,
    seconds: Number(seconds.toFixed(6)),
    msgs_per_sec: seconds > 0 ? Math.round(msgs / seconds) : 0,
    mb_per_sec: seconds > 0 ? Number((bytes / seconds / MiB).toFixed(3)) : 0,
  };
}

/** Aggregate of a group: total messages over the group's whole span. */
function group(samples: Sample[]): GroupStats {
  const clients = samples.map((s) => stats(s.msgs, s.bytes, s.end - s.start));
  const active = samples.filter((s) => s.msgs > 0);
  const span = active.length === 0 ? 0 : Math.max(...active.map((s) => s.end)) - Math.min(...active.map((s) => s.start));
  const total = stats(
    samples.reduce((a, s) => a + s.msgs, 0),
    samples.reduce((a, s) => a + s.bytes, 0),
    span,
  );
  const rates = clients.map((c) => c.msgs_per_sec);
  const avg = rates.reduce((a, b) => a + b, 0) / rates.length;
  // population standard deviation, as nats.go's bench.SampleGroup.StdDev
  const stddev = Math.sqrt(rates.reduce((a, r) => a + (r - avg) ** 2, 0) / rates.length);
  return {
    ...total,
    min: Math.min(...rates),
    avg: Math.round(avg),
    max: Math.max(...rates),
    stddev: Math.round(stddev),
    clients,
  };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface Latency {
  count: number;
  min: number;
  avg: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function latency(values: Float64Array): Latency {
  const sorted = Float64Array.from(values).sort();
  const r = (v: number) => Number(v.toFixed(4));
  return {
    count: sorted.length,
    min: r(sorted[0] ?? 0),
    avg: r(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
    p50: r(percentile(sorted, 50)),
    p90: r(percentile(sorted, 90)),
    p99: r(percentile(sorted, 99)),
    max: r(sorted[sorted.length - 1] ?? 0),
  };
}

// ---- progress ----------------------------------------------------------------

/** Progress bars on stderr, redrawn from counters; a no-op when off. */
class Progress {
  private multi: MultiBar | undefined;
  private bars: SingleBar[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly counters: number[]) {}

  async start(labels: string[], totals: number[]): Promise<void> {
    // loaded only when drawn: most commands never need it
    const mod = await import("cli-progress");
    const cp = ((mod as unknown as { default?: typeof mod }).default ?? mod) as typeof mod;
    this.multi = new cp.MultiBar({
      format: "{label} |{bar}| {percentage}% | {value}/{total} msgs | {duration_formatted}",
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      barsize: 30,
      fps: 10,
    }, cp.Presets.shades_classic);
    const w = Math.max(...labels.map((l) => l.length));
    this.bars = labels.map((l, i) => this.multi!.create(totals[i], 0, { label: l.padEnd(w) }));
    this.timer = setInterval(() => this.update(), PROGRESS_MS);
  }

  private update(): void {
    this.bars.forEach((b, i) => b.update(this.counters[i]));
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.multi) {
      this.update();
      this.multi.stop();
    }
  }
}

// ---- clients -------------------------------------------------------------------

/**
 * Publishes `count` messages as fast as the connection takes them. When the
 * outbound queue is full, publish() throws and `ready()` says when to go on
 * (socket backpressure). Between batches the loop yields, so that the
 * socket is written, other clients of this process run and the bars move.
 * The time ends with the PONG after the last message: the server has them all.
 */
async function publisher(nc: NatsConnection, subject: string, payload: Uint8Array, count: number, progress: number[], i: number): Promise<Sample> {
  const batch = batchSize(payload.length);
  const start = performance.now();
  let sent = 0;
  while (sent < count) {
    const end = Math.min(sent + batch, count);
    while (sent < end) {
      try {
        nc.publish(subject, payload);
        sent++;
      } catch (err) {
        // a full outbound queue; anything else (closed connection) ends the run
        if (nc.isClosed()) throw err;
        await nc.ready();
      }
    }
    progress[i] = sent;
    await yieldToIO();
  }
  await nc.flush();
  return { msgs: count, bytes: count * payload.length, start, end: performance.now() };
}

/** Lets pending I/O (socket writes, inbound messages) and timers run. */
function yieldToIO(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Subscribes; the promise resolves when `expected` messages arrived. */
function subscriber(nc: NatsConnection, subject: string, expected: number, progress: number[], i: number): Promise<Sample> {
  return new Promise((resolve, reject) => {
    let start = 0;
    let n = 0;
    let bytes = 0;
    nc.subscribe(subject, {
      max: expected,
      callback: (err, m) => {
        if (err) {
          reject(err);
          return;
        }
        if (n === 0) start = performance.now();
        n++;
        bytes += m.data.length;
        progress[i] = n;
        if (n === expected) resolve({ msgs: n, bytes, start, end: performance.now() });
      },
    });
  });
}

/** A responder in the bench's queue group; echoes each request. */
function responder(nc: NatsConnection, subject: string): () => Sample {
  const s: Sample = { msgs: 0, bytes: 0, start: 0, end: 0 };
  nc.subscribe(subject, {
    queue: "quicknats-bench",
    callback: (err, m) => {
      if (err) return;
      if (s.msgs === 0) s.start = performance.now();
      s.msgs++;
      s.bytes += m.data.length;
      m.respond(m.data);
      s.end = performance.now();
    },
  });
  return () => ({ ...s });
}

/** Sends `count` requests one after the other, recording each round trip in `lat` from `offset`. */
async function requester(
  nc: NatsConnection,
  subject: string,
  payload: Uint8Array,
  count: number,
  timeout: number,
  lat: Float64Array,
  offset: number,
  progress: number[],
  i: number,
): Promise<Sample> {
  const start = performance.now();
  for (let k = 0; k < count; k++) {
    const t0 = performance.now();
    await nc.request(subject, payload, { timeout });
    lat[offset + k] = performance.now() - t0;
    progress[i] = k + 1;
  }
  return { msgs: count, bytes: count * payload.length, start, end: performance.now() };
}

/** Rejects when the sum of the counters has not moved for `ms`. */
function stallGuard(counters: number[], ms: number, what: () => string): { promise: Promise<never>; stop(): void } {
  let last = -1;
  let since = performance.now();
  let timer: ReturnType<typeof setInterval> | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      const total = counters.reduce((a, b) => a + b, 0);
      const now = performance.now();
      if (total !== last) {
        last = total;
        since = now;
      } else if (now - since >= ms) {
        clearInterval(timer);
        reject(new CliError(what(), ExitCode.Timeout));
      }
    }, Math.min(250, ms));
  });
  return { promise, stop: () => clearInterval(timer) };
}

/** Rejects when one of the connections is lost (e.g. the server cut a slow consumer). */
function lossGuard(conns: NatsConnection[], settings: ConnectionSettings): Promise<never> {
  return new Promise<never>((_, reject) => {
    for (const nc of conns) {
      nc.closed().then((err) => {
        if (err) reject(describeError(err, { phase: "run", servers: settings.shown }));
      });
    }
  });
}

// ---- output -----------------------------------------------------------------------

function rateLine(s: ClientStats): string {
  return `${formatCount(s.msgs_per_sec)} msgs/sec ~ ${formatBytes(s.mb_per_sec * MiB)}/sec`;
}

function groupLines(title: string, g: GroupStats): string[] {
  const lines = [` ${title} stats: ${rateLine(g)}`];
  g.clients.forEach((c, i) => lines.push(`  [${i + 1}] ${rateLine(c)} (${formatCount(c.msgs)} msgs)`));
  lines.push(`  min ${formatCount(g.min)} | avg ${formatCount(g.avg)} | max ${formatCount(g.max)} | stddev ${formatCount(g.stddev)} msgs`);
  return lines;
}

// ---- run -----------------------------------------------------------------------------

async function run(inv: Invocation): Promise<number> {
  const { values, args, conn } = inv;
  const subject = args[0];
  const request = bool(values, "request");
  const pubs = int("bench", values, "pub", 1, 1);
  const subs = int("bench", values, "sub", request ? 1 : 0, request ? 1 : 0);
  const msgs = int("bench", values, "msgs", 100_000, 1);
  const size = sizeFlag("bench", values, "size", 128);
  const json = bool(values, "json");
  const showProgress = process.stderr.isTTY === true && !bool(values, "no-progress");
  if (pubs > msgs) throw new UsageError(`--pub ${pubs} is more than --msgs ${msgs}: every publisher needs a message`, "bench");
  const name = conn.options.name;

  const shares = Array.from({ length: pubs }, (_, i) => Math.floor(msgs / pubs) + (i < msgs % pubs ? 1 : 0));
  const payload = new Uint8Array(size);
  const conns: NatsConnection[] = [];
  const closeAll = () => Promise.allSettled(conns.map((c) => (c.isClosed() ? undefined : c.close())));

  const mode = request ? "request" : "pubsub";
  log(`Starting ${request ? "request/reply" : "pub/sub"} benchmark [subject=${subject}, msgs=${formatCount(msgs)}, size=${formatBytes(size)}, ${request ? "requesters" : "pubs"}=${pubs}, ${request ? "responders" : "subs"}=${subs}]`);

  let progress: Progress | undefined;
  try {
    // subscribers (responders) first, each flushed so it is known to the server before anything is sent
    const subConns: NatsConnection[] = [];
    for (let i = 0; i < subs; i++) {
      const nc = await openConnection(conn, { name: `${name} bench ${request ? "responder" : "sub"} ${i + 1}` });
      conns.push(nc);
      subConns.push(nc);
    }
    const pubConns: NatsConnection[] = [];
    for (let i = 0; i < pubs; i++) {
      const nc = await openConnection(conn, { name: `${name} bench ${request ? "requester" : "pub"} ${i + 1}` });
      conns.push(nc);
      pubConns.push(nc);
    }
    const maxPayload = pubConns[0].info?.max_payload ?? Infinity;
    if (size > maxPayload) {
      throw new UsageError(`--size ${size} is more than the server's max_payload (${maxPayload} bytes)`, "bench");
    }

    const pubCount = new Array<number>(pubs).fill(0);
    const subCount = new Array<number>(request ? 0 : subs).fill(0);
    const labels = [
      ...pubCount.map((_, i) => `${request ? "req" : "pub"} ${i + 1}`),
      ...subCount.map((_, i) => `sub ${i + 1}`),
    ];
    // per-client counts, read by the progress bars and the stall guard: publishers first
    const counters = [...pubCount, ...subCount];
    if (showProgress) {
      progress = new Progress(counters);
      await progress.start(labels, [...shares, ...subCount.map(() => msgs)]);
    }

    let result: Record<string, unknown>;
    const human: string[] = [];
    if (!request) {
      const subDone = subConns.map((nc, i) => subscriber(nc, subject, msgs, counters, pubs + i));
      await Promise.all(subConns.map((nc) => nc.flush()));
      const stall = stallGuard(counters, conn.timeout, () => {
        const got = counters.slice(pubs);
        return `bench: subscribers stopped receiving for ${formatDuration(conn.timeout)} (received ${got.map(formatCount).join(", ")} of ${formatCount(msgs)}): messages were lost — try fewer or smaller messages, or more subscribers`;
      });
      let pubSamples: Sample[];
      let subSamples: Sample[];
      try {
        const pubDone = pubConns.map((nc, i) => publisher(nc, subject, payload, shares[i], counters, i));
        [pubSamples, subSamples] = await Promise.race([
          Promise.all([Promise.all(pubDone), Promise.all(subDone)]),
          stall.promise,
          lossGuard(conns, conn),
        ]);
      } finally {
        stall.stop();
      }
      progress?.stop();
      progress = undefined;
      const pubG = group(pubSamples);
      result = { mode, subject, msgs, size, pubs, subs, pub: pubG };
      if (subs > 0) {
        const subG = group(subSamples);
        const all = [...pubSamples, ...subSamples];
        const span = Math.max(...all.map((s) => s.end)) - Math.min(...all.map((s) => s.start));
        const total = stats(pubG.msgs + subG.msgs, pubG.bytes + subG.bytes, span);
        // messages delivered per second from the first publish to the last arrival: the
        // headline number of the benchmark suite's pubsub and fanout scenarios (bench/)
        const firstPub = Math.min(...pubSamples.map((s) => s.start));
        const lastSub = Math.max(...subSamples.map((s) => s.end));
        const endToEnd = stats(subG.msgs, subG.bytes, lastSub - firstPub);
        result = { mode, subject, msgs, size, pubs, subs, total, end_to_end: endToEnd, pub: pubG, sub: subG };
        human.push(
          `NATS Pub/Sub stats: ${rateLine(total)}`,
          ...groupLines("Pub", pubG),
          ...groupLines("Sub", subG),
          ` End-to-end: ${rateLine(endToEnd)} delivered (first publish to last arrival)`,
        );
      } else {
        human.push(...groupLines("Pub", pubG));
      }
    } else {
      const handled = subConns.map((nc) => responder(nc, subject));
      await Promise.all(subConns.map((nc) => nc.flush()));
      const lat = new Float64Array(msgs);
      const offsets = shares.map((_, i) => shares.slice(0, i).reduce((a, b) => a + b, 0));
      let reqSamples: Sample[];
      try {
        reqSamples = await Promise.race([
          Promise.all(pubConns.map((nc, i) => requester(nc, subject, payload, shares[i], conn.timeout, lat, offsets[i], counters, i))),
          lossGuard(conns, conn),
        ]);
      } catch (err) {
        throw describeError(err, { phase: "request", servers: conn.shown, subject, timeout: conn.timeout });
      }
      progress?.stop();
      progress = undefined;
      const reqG = group(reqSamples);
      const repG = group(handled.map((h) => h()));
      const l = latency(lat);
      result = { mode, subject, msgs, size, pubs, subs, pub: reqG, sub: repG, latency_ms: l };
      human.push(
        `NATS Request/Reply stats: ${rateLine(reqG)}`,
        ...groupLines("Requester", reqG),
        ...groupLines("Responder", repG),
        ` Latency (${formatCount(l.count)} requests): min ${formatDuration(l.min)} | p50 ${formatDuration(l.p50)} | p90 ${formatDuration(l.p90)} | p99 ${formatDuration(l.p99)} | max ${formatDuration(l.max)} | avg ${formatDuration(l.avg)}`,
      );
    }
    out(json ? `${JSON.stringify(result, null, 2)}\n` : `\n${human.join("\n")}\n`);
    return 0;
  } finally {
    progress?.stop();
    await closeAll();
  }
}
