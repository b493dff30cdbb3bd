/**
 * The runtime-matrix scenario, run unchanged by Node, Deno, Bun and Chromium
 * (scripts/runtime-matrix.mjs). It uses only the public API, and receives it
 * from the runtime's entry file (`api`), so this file resolves no package at
 * run time: its imports are type-only and erased by every runtime.
 *
 * Two scenarios:
 * - `basic`: connect, wildcard subscribe, 1000 messages with headers,
 *   request/reply, no responders, the diagnostics channels (publish,
 *   message, callback and request events; on Node, Bun and Deno the same
 *   channels as `node:diagnostics_channel`'s), @quicknats/otel's spans
 *   (A's request and B's process span in one trace, a producer and its
 *   consumer, a no-responders error), drain, `closed()`.
 * - `reconnect`: messages flow, the server is restarted on the same ports
 *   (by the parent, when `restart()` is called), both connections report
 *   disconnect + reconnect (status and diagnostics events), and messages
 *   flow again on the old subscription.
 *
 * Every wait is bounded. A failed check throws, naming the step.
 */
import type {
  ConnectionOptions,
  DiagnosticsChannel,
  diagnosticsChannel as diagnosticsChannelFn,
  DiagnosticsChannels as DiagnosticsChannelsType,
  Msg,
  MsgHdrs,
  NatsConnection,
  NoRespondersError as NoRespondersErrorType,
  RequestError as RequestErrorType,
  Status,
} from "@quicknats/core";
import type { instrument as instrumentFn } from "@quicknats/otel";
import type { TextMapPropagator, TracerProvider } from "@opentelemetry/api";

/** What a runtime entry hands to the scenario: its package's public API. */
export interface ScenarioApi {
  /** `connect` (TCP) or `wsconnect` (WebSocket), with any runtime-specific options already bound */
  connect(opts: ConnectionOptions): Promise<NatsConnection>;
  headers(): MsgHdrs;
  RequestError: typeof RequestErrorType;
  NoRespondersError: typeof NoRespondersErrorType;
  ClosedConnectionError: new (...args: never[]) => Error;
  /** the package's diagnostics channels */
  diagnosticsChannel: typeof diagnosticsChannelFn;
  DiagnosticsChannels: typeof DiagnosticsChannelsType;
  /**
   * The runtime's `node:diagnostics_channel` (Node, Bun, Deno): the channels
   * must be its own. Undefined in the browser (the core's own channels).
   */
  runtimeChannels?: { channel(name: string): unknown };
  /** @quicknats/otel and an SDK whose spans the scenario reads */
  otel: OtelApi;
}

/** What the otel step needs: `instrument`, and an SDK (tracer provider, propagator) with its finished spans. */
export interface OtelApi {
  instrument: typeof instrumentFn;
  /** a fresh SDK: spans go to an in-memory exporter */
  sdk(): { tracerProvider: TracerProvider; propagator: TextMapPropagator; spans(): FinishedSpan[] };
}

/** The part of the SDK's ReadableSpan the step reads. */
export interface FinishedSpan {
  name: string;
  kind: number;
  status: { code: number };
  attributes: Record<string, unknown>;
  parentSpanContext?: { spanId: string };
  spanContext(): { traceId: string; spanId: string };
}

export interface ScenarioConfig {
  scenario: "basic" | "reconnect";
  /** server URLs for this transport (nats://... or ws://...) */
  servers: string[];
  /** subject prefix, unique per row, so rows could share a server */
  prefix: string;
  /** e.g. "node-tcp", put in a header so the subscriber can check who sent it */
  runtime: string;
  /** number of messages in the basic scenario (1000) */
  count?: number;
  /** extra connection options (JSON), e.g. `{ tls: { ca } }` */
  options?: ConnectionOptions;
}

export interface StepResult {
  step: string;
  ms: number;
  detail?: string;
}

export interface ScenarioResult {
  ok: boolean;
  runtime: string;
  scenario: string;
  steps: StepResult[];
  /** the failed step and its error */
  error?: string;
  ms: number;
}

/** Hooks only the reconnect scenario needs: the parent restarts the server when asked. */
export interface ScenarioHooks {
  restart?: () => Promise<void>;
}

const STEP_TIMEOUT_MS = 10_000;
const RECONNECT_TIMEOUT_MS = 15_000;

class StepError extends Error {
  constructor(readonly step: string, message: string, options?: ErrorOptions) {
    super(`${step}: ${message}`, options);
  }
}

function check(cond: unknown, step: string, message: string): asserts cond {
  if (!cond) throw new StepError(step, message);
}

/** Rejects after `ms` with a message naming what was awaited. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const te = new TextEncoder();

/** Runs one scenario; never throws (the result says what failed). */
export async function runScenario(api: ScenarioApi, cfg: ScenarioConfig, hooks: ScenarioHooks = {}): Promise<ScenarioResult> {
  const steps: StepResult[] = [];
  const started = Date.now();
  const conns: NatsConnection[] = [];
  let current = "setup";
  const step = async <T>(name: string, fn: () => Promise<T>, ms = STEP_TIMEOUT_MS): Promise<T> => {
    current = name;
    const t0 = Date.now();
    const out = await within(fn(), ms, name);
    steps.push({ step: name, ms: Date.now() - t0, ...(typeof out === "string" ? { detail: out } : {}) });
    return out;
  };
  const open = async (name: string, extra: ConnectionOptions = {}): Promise<NatsConnection> => {
    const nc = await api.connect({ servers: cfg.servers, name: `${cfg.runtime}-${name}`, timeout: 5_000, ...cfg.options, ...extra });
    conns.push(nc);
    return nc;
  };
  try {
    if (cfg.scenario === "basic") await basic(api, cfg, step, open);
    else await reconnect(api, cfg, step, open, hooks);
    return { ok: true, runtime: cfg.runtime, scenario: cfg.scenario, steps, ms: Date.now() - started };
  } catch (err) {
    const e = err as Error;
    const where = err instanceof StepError ? "" : `${current}: `;
    return {
      ok: false,
      runtime: cfg.runtime,
      scenario: cfg.scenario,
      steps,
      error: `${where}${e?.name ?? "Error"}: ${e?.message ?? String(err)}`,
      ms: Date.now() - started,
    };
  } finally {
    // whatever happened, leave nothing open (bounded: close() has its own grace)
    await Promise.allSettled(conns.map((nc) => (nc.isClosed() ? Promise.resolve() : within(nc.close(), 5_000, "close"))));
  }
}

type Step = <T>(name: string, fn: () => Promise<T>, ms?: number) => Promise<T>;
type Open = (name: string, extra?: ConnectionOptions) => Promise<NatsConnection>;

async function basic(api: ScenarioApi, cfg: ScenarioConfig, step: Step, open: Open): Promise<void> {
  const p = cfg.prefix;
  const count = cfg.count ?? 1000;

  const [pub, sub] = await step("connect", async () => {
    const a = await open("pub");
    const b = await open("sub");
    check(typeof a.info?.server_id === "string", "connect", "no server INFO on the connection");
    check(a.getServer() !== "", "connect", "getServer() is empty");
    return [a, b] as const;
  });

  await step(`wildcard subscribe + ${count} msgs with headers`, async () => {
    // '*' and '>' both: every message must reach each exactly once, in order
    const star = sub.subscribe(`${p}.*.msgs`, { max: count });
    const tail = sub.subscribe(`${p}.>`, { max: count });
    await sub.flush(); // the SUBs are on the server before the first PUB
    const seen = { star: 0, tail: 0 };
    const collect = async (s: typeof star, key: "star" | "tail"): Promise<void> => {
      for await (const m of s) {
        const i = seen[key];
        const want = `${p}.${i % 10}.msgs`;
        if (m.subject !== want) throw new StepError("wildcard", `${key} #${i}: subject ${m.subject}, want ${want}`);
        const h = m.headers;
        if (!h) throw new StepError("headers", `${key} #${i}: no headers`);
        if (h.get("Seq") !== String(i)) throw new StepError("headers", `${key} #${i}: Seq header '${h.get("Seq")}'`);
        if (h.get("Runtime") !== cfg.runtime) throw new StepError("headers", `${key} #${i}: Runtime header '${h.get("Runtime")}'`);
        if (h.values("Multi").join(",") !== "a,b") throw new StepError("headers", `${key} #${i}: Multi header ${JSON.stringify(h.values("Multi"))}`);
        if (m.string() !== `msg-${i}`) throw new StepError("payload", `${key} #${i}: payload '${m.string()}'`);
        seen[key]++;
      }
    };
    const done = Promise.all([collect(star, "star"), collect(tail, "tail")]);
    for (let i = 0; i < count; i++) {
      const h = api.headers();
      h.set("Seq", String(i));
      h.set("Runtime", cfg.runtime);
      h.append("Multi", "a");
      h.append("Multi", "b");
      // alternate string and byte payloads
      const data = i % 2 === 0 ? `msg-${i}` : te.encode(`msg-${i}`);
      pub.publish(`${p}.${i % 10}.msgs`, data, { headers: h });
    }
    await pub.flush();
    await done;
    check(seen.star === count && seen.tail === count, "wildcard", `received ${seen.star}/${seen.tail} of ${count}`);
    check(pub.stats().outMsgs >= count, "stats", `pub outMsgs ${pub.stats().outMsgs}`);
    check(sub.stats().inMsgs >= 2 * count, "stats", `sub inMsgs ${sub.stats().inMsgs}`);
    return `${count} x2 received`;
  });

  await step("request/reply", async () => {
    let served = 0;
    sub.subscribe(`${p}.echo`, {
      callback: (err, m: Msg) => {
        if (err) return;
        served++;
        const h = api.headers();
        h.set("Echo-Of", m.headers?.get("Req-Id") ?? "none");
        m.respond(te.encode(`echo:${m.string()}`), { headers: h });
      },
    });
    await sub.flush();
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const h = api.headers();
        h.set("Req-Id", `r${i}`);
        return pub.request(`${p}.echo`, `q${i}`, { timeout: 5_000, headers: h });
      }),
    );
    replies.forEach((r, i) => {
      check(r.string() === `echo:q${i}`, "request", `reply ${i}: '${r.string()}'`);
      check(r.headers?.get("Echo-Of") === `r${i}`, "request", `reply ${i}: Echo-Of '${r.headers?.get("Echo-Of")}'`);
    });
    check(served === 20, "request", `responder served ${served}`);
    return "20 replies";
  });

  await step("no responders", async () => {
    let err: unknown;
    try {
      await pub.request(`${p}.nobody.home`, "anyone?", { timeout: 5_000 });
    } catch (e) {
      err = e;
    }
    check(err !== undefined, "no responders", "request resolved");
    // as in @nats-io/nats-core 3.x: a RequestError whose cause is a NoRespondersError
    check(err instanceof api.RequestError, "no responders", `rejected with ${(err as Error).name}: ${(err as Error).message}`);
    const re = err as RequestErrorType;
    check(re.isNoResponders(), "no responders", "isNoResponders() is false");
    check(re.cause instanceof api.NoRespondersError, "no responders", "cause is not a NoRespondersError");
    return (err as Error).message;
  });

  await step("diagnostics channels", () => diagnostics(api, p, pub, sub));
  await step("@quicknats/otel spans", () => otelSpans(api, p, pub, sub));

  await step("drain", async () => {
    // messages sent before drain() reach the subscription before it closes
    let got = 0;
    const s = sub.subscribe(`${p}.drain.*`, {
      callback: (err) => {
        if (!err) got++;
      },
    });
    await sub.flush();
    for (let i = 0; i < 100; i++) pub.publish(`${p}.drain.x`, `d${i}`);
    await pub.flush();
    await sub.drain();
    check(got === 100, "drain", `${got} of 100 delivered before drain() resolved`);
    check(s.isClosed(), "drain", "subscription not closed after drain");
    check(sub.isClosed(), "drain", "connection not closed after drain");
    return "100 delivered";
  });

  await step("closed()", async () => {
    const r1 = await sub.closed();
    check(r1 === undefined, "closed", `drained connection's closed() gave ${String(r1)}`);
    await pub.close();
    const r2 = await pub.closed();
    check(r2 === undefined, "closed", `closed connection's closed() gave ${String(r2)}`);
    let threw: unknown;
    try {
      pub.publish(`${p}.after`, "x");
    } catch (e) {
      threw = e;
    }
    check(threw instanceof api.ClosedConnectionError, "closed", `publish after close: ${String(threw)}`);
    return "undefined";
  });
}

/**
 * Subscribes to the channels of the contract (the package's), checks the
 * events of a publish, its delivery to a callback and a request, with their
 * fields and in order; a header set at publish start reaches the subscriber.
 * Where the runtime has node:diagnostics_channel, the channels are its own.
 */
async function diagnostics(api: ScenarioApi, p: string, pub: NatsConnection, sub: NatsConnection): Promise<string> {
  const names = api.DiagnosticsChannels;
  const keys = ["PublishStart", "PublishEnd", "Message", "CallbackStart", "CallbackEnd", "RequestStart", "RequestResponse", "RequestEnd"] as const;
  const seen: { key: string; side: string; subject: string; size: number; ev: unknown }[] = [];
  const subscribed: [DiagnosticsChannel<any>, (m: any) => void][] = [];
  for (const key of keys) {
    const ch = api.diagnosticsChannel(names[key]) as DiagnosticsChannel<any>;
    const fn = (ev: { connection: unknown; subject: string; size: number }) => {
      const side = ev.connection === pub ? "pub" : ev.connection === sub ? "sub" : undefined;
      if (side !== undefined) seen.push({ key, side, subject: ev.subject, size: ev.size, ev });
    };
    ch.subscribe(fn);
    subscribed.push([ch, fn]);
  }
  const tag = (ev: { connection: unknown; setHeader(k: string, v: string): boolean }) => {
    if (ev.connection === pub) ev.setHeader("X-Diag", "set-at-start");
  };
  const start = api.diagnosticsChannel(names.PublishStart) as DiagnosticsChannel<any>;
  start.subscribe(tag);
  subscribed.push([start, tag]);
  try {
    let via = "the core's channels";
    if (api.runtimeChannels) {
      for (const key of keys) {
        check(api.diagnosticsChannel(names[key]) === api.runtimeChannels.channel(names[key]), "diagnostics", `${names[key]} is not node:diagnostics_channel's`);
      }
      via = "node:diagnostics_channel";
    }
    const got = new Promise<Msg>((resolve) => {
      sub.subscribe(`${p}.diag`, { max: 1, callback: (_e, m) => resolve(m) });
    });
    await sub.flush();
    seen.length = 0;
    pub.publish(`${p}.diag`, "héllo");
    const m = await within(got, STEP_TIMEOUT_MS, "the message");
    check(m.headers?.get("X-Diag") === "set-at-start", "diagnostics", `setHeader at publish start: '${m.headers?.get("X-Diag")}'`);
    const r = await pub.request(`${p}.echo`, "q", { timeout: 5_000 });
    check(r.string() === "echo:q", "diagnostics", `request: '${r.string()}'`);
    const order = seen.map((e) => `${e.side}:${e.key}`).join(",");
    const want = [
      "pub:PublishStart", "pub:PublishEnd", "sub:Message", "sub:CallbackStart", "sub:CallbackEnd",
      "pub:RequestStart", "pub:PublishStart", "pub:PublishEnd",
      "sub:Message", "sub:CallbackStart", "sub:PublishStart", "sub:PublishEnd", "sub:CallbackEnd",
      "pub:Message", "pub:RequestResponse", "pub:RequestEnd",
    ].join(",");
    check(order === want, "diagnostics", `events ${order}, want ${want}`);
    const first = seen[0]!;
    check(first.subject === `${p}.diag` && first.size === 6, "diagnostics", `publish start: ${first.subject} ${first.size} bytes`);
    check(seen[1]!.ev === first.ev, "diagnostics", "publish end is not the start's object");
    check(seen[2]!.subject === `${p}.diag` && seen[2]!.size === 6, "diagnostics", `message: ${seen[2]!.subject} ${seen[2]!.size} bytes`);
    return `${seen.length} events in order via ${via}`;
  } finally {
    for (const [ch, fn] of subscribed) ch.unsubscribe(fn);
  }
}

/**
 * @quicknats/otel on both connections with an SDK of the runtime: a request
 * answered by the other connection is one trace (client span, and the
 * responder's process span its child); a publish gives a producer span whose
 * consumer span is its child; a no-responders request records its error.
 */
async function otelSpans(api: ScenarioApi, p: string, pub: NatsConnection, sub: NatsConnection): Promise<string> {
  const sdk = api.otel.sdk();
  const opts = { tracerProvider: sdk.tracerProvider, propagator: sdk.propagator, metrics: false };
  const a = api.otel.instrument(pub, opts);
  const b = api.otel.instrument(sub, opts);
  try {
    const got = new Promise<Msg>((resolve) => sub.subscribe(`${p}.otel`, { max: 1, callback: (_e, m) => resolve(m) }));
    await sub.flush();
    pub.publish(`${p}.otel`, "x");
    const m = await within(got, STEP_TIMEOUT_MS, "the traced message");
    check(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/.test(m.headers?.get("traceparent") ?? ""), "otel", `traceparent '${m.headers?.get("traceparent")}'`);
    await pub.request(`${p}.echo`, "q", { timeout: 5_000 });
    let nr: unknown;
    try {
      await pub.request(`${p}.otel.nobody`, "", { timeout: 5_000 });
    } catch (e) {
      nr = e;
    }
    check(nr instanceof api.RequestError, "otel", "no-responders request resolved");
    // the responder's process span ends right after its callback, maybe after the requester saw the reply
    for (let i = 0; i < 100 && !sdk.spans().some((s) => s.name === `process ${p}.echo`); i++) await new Promise((r) => setTimeout(r, 20));
    const spans = sdk.spans();
    const one = (name: string): FinishedSpan => {
      const found = spans.filter((s) => s.name === name);
      check(found.length === 1, "otel", `${found.length} spans '${name}' among ${spans.map((s) => s.name).join(", ")}`);
      return found[0]!;
    };
    const producer = one(`publish ${p}.otel`);
    const consumer = one(`process ${p}.otel`);
    check(consumer.parentSpanContext?.spanId === producer.spanContext().spanId, "otel", "the consumer span is not the producer's child");
    const client = one(`request ${p}.echo`);
    const server = one(`process ${p}.echo`);
    check(server.spanContext().traceId === client.spanContext().traceId, "otel", "request and process span in two traces");
    check(server.parentSpanContext?.spanId === client.spanContext().spanId, "otel", "the process span is not the request's child");
    check(client.attributes["messaging.system"] === "nats", "otel", `messaging.system ${String(client.attributes["messaging.system"])}`);
    const failed = one(`request ${p}.otel.nobody`);
    check(failed.status.code === 2 && failed.attributes["error.type"] === "NATS_NO_RESPONDERS", "otel", `no-responders span: status ${failed.status.code}, ${String(failed.attributes["error.type"])}`);
    return `${spans.length} spans`;
  } finally {
    a.stop();
    b.stop();
  }
}

/** Resolves with the first status of `type` from an iterator started before the event. */
function waitStatus(nc: NatsConnection, types: Status["type"][]): { seen: Set<string>; all: Promise<void> } {
  const seen = new Set<string>();
  const all = (async () => {
    for await (const s of nc.status()) {
      seen.add(s.type);
      if (types.every((t) => seen.has(t))) return;
    }
  })();
  return { seen, all };
}

async function reconnect(api: ScenarioApi, cfg: ScenarioConfig, step: Step, open: Open, hooks: ScenarioHooks): Promise<void> {
  const p = cfg.prefix;
  if (!hooks.restart) throw new StepError("setup", "the reconnect scenario needs a restart hook");
  const opts: ConnectionOptions = { reconnectTimeWait: 100, reconnectJitter: 0, maxReconnectAttempts: -1 };
  const [pub, sub] = await step("connect", async () => [await open("pub", opts), await open("sub", opts)] as const);

  const received: string[] = [];
  const s = sub.subscribe(`${p}.>`, {
    callback: (err, m) => {
      if (!err) received.push(m.string());
    },
  });
  const waitFor = async (n: number, what: string): Promise<void> => {
    for (let i = 0; i < 500 && received.length < n; i++) await new Promise((r) => setTimeout(r, 20));
    check(received.length >= n, what, `${received.length} of ${n} messages`);
  };

  await step("before restart", async () => {
    await sub.flush();
    for (let i = 0; i < 10; i++) pub.publish(`${p}.before`, `b${i}`);
    await pub.flush();
    await waitFor(10, "before restart");
    return "10 delivered";
  });

  const pubEvents = waitStatus(pub, ["disconnect", "reconnect"]);
  const subEvents = waitStatus(sub, ["disconnect", "reconnect"]);
  // the lifecycle's diagnostics events, as an APM agent sees them
  const lifecycle: string[] = [];
  const watched: [DiagnosticsChannel<any>, (m: any) => void][] = [];
  for (const key of ["Disconnect", "Reconnect"] as const) {
    const ch = api.diagnosticsChannel(api.DiagnosticsChannels[key]) as DiagnosticsChannel<any>;
    const fn = (ev: { connection: unknown; server: string }) => {
      if (ev.connection === pub || ev.connection === sub) lifecycle.push(`${ev.connection === pub ? "pub" : "sub"}:${key}`);
    };
    ch.subscribe(fn);
    watched.push([ch, fn]);
  }
  await step("server restart", async () => {
    try {
      await hooks.restart!();
      await within(Promise.all([pubEvents.all, subEvents.all]), RECONNECT_TIMEOUT_MS, "disconnect+reconnect on both connections");
    } finally {
      for (const [ch, fn] of watched) ch.unsubscribe(fn);
    }
    for (const side of ["pub", "sub"]) {
      const mine = lifecycle.filter((e) => e.startsWith(`${side}:`)).join(",");
      check(mine === `${side}:Disconnect,${side}:Reconnect`, "diagnostics", `${side}: ${mine}`);
    }
    return `pub ${[...pubEvents.seen].join(",")}; sub ${[...subEvents.seen].join(",")}; diagnostics ${lifecycle.length} events`;
  }, RECONNECT_TIMEOUT_MS + 5_000);

  await step("after reconnect", async () => {
    check(!pub.isClosed() && !sub.isClosed(), "after reconnect", "a connection closed");
    // the old subscription was re-sent on the new connection
    await sub.flush();
    for (let i = 0; i < 10; i++) pub.publish(`${p}.after`, `a${i}`);
    await pub.flush();
    await waitFor(20, "after reconnect");
    check(received.slice(10, 20).join(",") === Array.from({ length: 10 }, (_, i) => `a${i}`).join(","), "after reconnect", `got ${received.slice(10).join(",")}`);
    const r = await within(
      (async () => {
        sub.subscribe(`${p}.svc`, { callback: (_e, m) => m.respond("up") });
        await sub.flush();
        return (await pub.request(`${p}.svc`, "?", { timeout: 5_000 })).string();
      })(),
      STEP_TIMEOUT_MS,
      "request after reconnect",
    );
    check(r === "up", "after reconnect", `request got '${r}'`);
    check(!s.isClosed(), "after reconnect", "subscription closed");
    return "10 delivered + request";
  });

  await step("drain + closed()", async () => {
    await sub.drain();
    await pub.close();
    const [a, b] = [await sub.closed(), await pub.closed()];
    check(a === undefined && b === undefined, "closed", `closed() gave ${String(a)} / ${String(b)}`);
    return "undefined";
  });
}

/**
 * The child-process side (Node, Deno, Bun): parses the config from argv,
 * runs, prints `RESTART` when the server must be restarted (the parent does
 * it, then the scenario sees the reconnect), and a final `RESULT <json>`.
 */
export async function runChild(api: ScenarioApi, argv: string[], print: (line: string) => void): Promise<boolean> {
  const cfg = JSON.parse(argv[0] ?? "{}") as ScenarioConfig;
  const hooks: ScenarioHooks = {
    restart: async () => {
      print("RESTART");
    },
  };
  const result = await runScenario(api, cfg, hooks);
  print(`RESULT ${JSON.stringify(result)}`);
  return result.ok;
}
