/**
 * `--micro --baseline REF`: the publish and delivery paths of this build
 * against the baseline's, in one process, far less noisy than whole runs
 * (which include the socket, nats-server and the scheduler): what a change
 * to those paths costs, in ns.
 *
 * - publish: a synchronous burst of `publish()` calls (128 B, below the
 *   high-water mark), timed; the flush that follows is not.
 * - delivery: `deliver()` of a callback subscription called in a loop with
 *   a frame made by hand (no socket, no parser): what the subscription adds
 *   per message. Internal API: both builds must take the same frame shape.
 *
 * Bursts of the two builds alternate (the order flips every round); the
 * result is the median of the round-by-round differences, next to an A/A
 * check of the same harness (this build against itself) that shows its noise.
 */
import { pathToFileURL } from "node:url";
import { NatsServer } from "../../test/helpers/nats-server.js";
import { median } from "../lib/stats.js";

interface Conn {
  publish(subject: string, data: Uint8Array): boolean;
  flush(): Promise<void>;
  subscribe(subject: string, opts: { callback: () => void }): { getID(): number };
  close(): Promise<void>;
}
type Connect = (opts: { port: number }) => Promise<Conn>;
interface Deliverable {
  deliver(args: unknown, payload: Uint8Array): void;
  getID(): number;
}

const PUBLISH_BURST = 40_000;
const DELIVERY_BURST = 50_000;
const WARMUP_ROUNDS = 20;

function quantile(a: number[], p: number): number {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
}

function pct(x: number): string {
  return `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(1)} %`;
}

/** Alternating rounds of `burst` on `a` and `b`; ns per operation of each, and the paired differences. */
async function alternate<T>(a: T, b: T, rounds: number, burst: (x: T) => number, between: (x: T) => Promise<void>) {
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < rounds + WARMUP_ROUNDS; r++) {
    for (const [x, out] of r % 2 === 0 ? [[a, ta], [b, tb]] as const : [[b, tb], [a, ta]] as const) {
      const ns = burst(x);
      if (r >= WARMUP_ROUNDS) out.push(ns);
      await between(x);
    }
  }
  const paired = ta.map((v, i) => v / tb[i] - 1);
  return { a: quantile(ta, 0.1), b: quantile(tb, 0.1), paired: median(paired), q1: quantile(paired, 0.25), q3: quantile(paired, 0.75) };
}

function publishBurst(nc: Conn): number {
  const data = new Uint8Array(128);
  const t0 = performance.now();
  for (let i = 0; i < PUBLISH_BURST; i++) nc.publish("micro.publish", data);
  return ((performance.now() - t0) * 1e6) / PUBLISH_BURST;
}

function deliveryBurst(sub: Deliverable): number {
  const buf = new TextEncoder().encode("MSG micro.deliver 1 128");
  const args = { buf, subjectStart: 4, subjectEnd: 17, replyStart: 17, replyEnd: 17, sid: sub.getID(), hdrLen: 0, size: 128 };
  const payload = new Uint8Array(128);
  const t0 = performance.now();
  for (let i = 0; i < DELIVERY_BURST; i++) sub.deliver(args, payload);
  return ((performance.now() - t0) * 1e6) / DELIVERY_BURST;
}

export async function hotPathsBench(baselineEntry: string, label: string, quick: boolean): Promise<string> {
  const rounds = quick ? 60 : 300;
  const { connect: current } = (await import("@quicknats/node")) as unknown as { connect: Connect };
  const { connect: baseline } = (await import(pathToFileURL(baselineEntry).href)) as { connect: Connect };
  const srv = await NatsServer.start();
  const conns: Conn[] = [];
  const open = async (c: Connect) => {
    const nc = await c({ port: srv.port });
    conns.push(nc);
    return nc;
  };
  try {
    const [cur, base, again] = [await open(current), await open(baseline), await open(current)];
    const flush = (nc: Conn) => nc.flush();
    const tick = () => new Promise<void>((r) => setImmediate(r));
    const sub = (nc: Conn) => nc.subscribe("micro.deliver", { callback: () => {} }) as unknown as Deliverable;
    const lines: string[] = [];
    const report = (what: string, unit: string, r: Awaited<ReturnType<typeof alternate>>, aa: Awaited<ReturnType<typeof alternate>>) => {
      lines.push(
        `- ${what}: this build ${r.a.toFixed(1)} ${unit}, ${label} ${r.b.toFixed(1)} ${unit} (10th percentiles, ${r.a - r.b >= 0 ? "+" : "−"}${Math.abs(r.a - r.b).toFixed(1)} ns);` +
          ` round by round ${pct(r.paired)} (quartiles ${pct(r.q1)} .. ${pct(r.q3)}); A/A (this build twice) ${pct(aa.paired)}`,
      );
    };
    report("publish path, ns per publish()", "ns", await alternate(cur, base, rounds, publishBurst, flush), await alternate(cur, again, rounds, publishBurst, flush));
    const [sc, sb, sa] = [sub(cur), sub(base), sub(again)];
    report("delivery path, ns per message to a callback", "ns", await alternate(sc, sb, rounds, deliveryBurst, tick), await alternate(sc, sa, rounds, deliveryBurst, tick));
    return [`Hot paths against ${label}, ${rounds} alternating rounds after ${WARMUP_ROUNDS} of warm-up:`, ...lines].join("\n");
  } finally {
    await Promise.allSettled(conns.map((c) => c.close()));
    await srv.stop();
  }
}
