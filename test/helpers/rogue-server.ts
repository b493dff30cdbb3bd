/**
 * A misbehaving NATS server for tests: a small scriptable TCP server (node:net)
 * that speaks just enough of the protocol to get a client connected, then does
 * whatever a scenario tells it to (garbage, malformed INFO, absurd frames,
 * drip-fed bytes, silence, `-ERR` lines, closing mid-frame).
 *
 * ```ts
 * const rogue = await RogueServer.start({ scenario: (c) => c.send("-ERR 'Slow Consumer'\r\n").end() });
 * t.after(() => rogue.stop());
 * const nc = await connect({ servers: rogue.url, reconnect: false });
 * ```
 *
 * Per connection: INFO (configurable, or a raw line, or none), then
 * `preHandshake` if given, then the client's `CONNECT ...` + `PING` is answered
 * with `PONG` (unless `handshake: false`), then `scenario` runs. Client PINGs
 * after the handshake are answered unless `answerPings: false`. Every byte the
 * client sends is kept (`RogueConn.received`) and parsed into frames
 * (`RogueConn.frames`), so a scenario can wait for a `SUB` and use its sid.
 *
 * Also exports `parseClientFrames()`, a strict parser of the client-to-server
 * protocol used by tests that check what reaches the wire.
 */
import net from "node:net";

const te = new TextEncoder();

/** One client-to-server frame, as found on the wire. */
export interface ClientFrame {
  /** upper-cased operation: PUB, HPUB, SUB, UNSUB, PING, PONG, CONNECT, or what else came */
  op: string;
  /** the control line without CRLF */
  line: Uint8Array;
  /** the arguments of the control line, split on single spaces */
  args: Uint8Array[];
  /** PUB/HPUB: the header block (HPUB) and the data */
  headers?: Uint8Array;
  data?: Uint8Array;
  /** every byte of the frame, control line to the payload's CRLF */
  raw: Uint8Array;
}

/**
 * Splits `bytes` into client frames. Strict: a control line must end with CRLF
 * and contain no other CR or LF, arguments are separated by exactly one space,
 * a PUB/HPUB payload must be followed by CRLF. Anything else is reported in
 * `error` with the offset where parsing stopped; `rest` is the unparsed tail
 * (an incomplete frame at the end is not an error).
 */
export function parseClientFrames(bytes: Uint8Array): { frames: ClientFrame[]; rest: number; error?: string } {
  const frames: ClientFrame[] = [];
  let i = 0;
  while (i < bytes.length) {
    const lf = bytes.indexOf(10, i);
    if (lf < 0) return { frames, rest: i };
    if (lf === i || bytes[lf - 1] !== 13) return { frames, rest: i, error: `line at ${i} does not end with CRLF` };
    const line = bytes.subarray(i, lf - 1);
    if (line.indexOf(13) >= 0) return { frames, rest: i, error: `bare CR in the line at ${i}` };
    const text = Buffer.from(line).toString("latin1");
    const opEnd = text.indexOf(" ");
    const op = (opEnd < 0 ? text : text.slice(0, opEnd)).toUpperCase();
    const args: Uint8Array[] = [];
    if (opEnd >= 0 && op !== "CONNECT") {
      let s = opEnd + 1;
      for (let k = s; k <= line.length; k++) {
        if (k === line.length || line[k] === 32) {
          if (k === s) return { frames, rest: i, error: `empty argument in the line at ${i}: ${JSON.stringify(text)}` };
          args.push(line.subarray(s, k));
          s = k + 1;
        }
      }
    }
    let end = lf + 1;
    const frame: ClientFrame = { op, line, args, raw: bytes.subarray(i, end) };
    if (op === "PUB" || op === "HPUB") {
      const nums = op === "PUB" ? 1 : 2;
      const sizes = args.slice(-nums).map((a) => Buffer.from(a).toString("latin1"));
      if (args.length < 1 + nums || args.length > 2 + nums || !sizes.every((s) => /^\d+$/.test(s))) {
        return { frames, rest: i, error: `bad ${op} arguments at ${i}: ${JSON.stringify(text)}` };
      }
      const total = Number(sizes[sizes.length - 1]);
      const hdr = op === "HPUB" ? Number(sizes[0]) : 0;
      if (hdr > total) return { frames, rest: i, error: `HPUB header size > total at ${i}` };
      if (end + total + 2 > bytes.length) return { frames, rest: i };
      if (bytes[end + total] !== 13 || bytes[end + total + 1] !== 10) {
        return { frames, rest: i, error: `${op} payload at ${end} not followed by CRLF` };
      }
      if (op === "HPUB") frame.headers = bytes.subarray(end, end + hdr);
      frame.data = bytes.subarray(end + hdr, end + total);
      end += total + 2;
      frame.raw = bytes.subarray(i, end);
    }
    frames.push(frame);
    i = end;
  }
  return { frames, rest: i };
}

export type Script = (c: RogueConn) => void | Promise<void>;

export interface RogueOptions {
  /**
   * The INFO line sent on connect: an object (merged over a default INFO and
   * sent as `INFO <json>\r\n`), a raw string sent as it is (e.g. `"INFO {nope\r\n"`),
   * or null to send nothing.
   */
  info?: Record<string, unknown> | string | null;
  /** runs right after INFO is sent, before the client's CONNECT is answered */
  preHandshake?: Script;
  /** answer the client's handshake PING with PONG (default true) */
  handshake?: boolean;
  /** runs once the handshake PONG has been sent */
  scenario?: Script;
  /** answer client PINGs after the handshake (default true) */
  answerPings?: boolean;
}

/** The default INFO: a 2.9-like server with headers, 1 MiB max_payload. */
export const DEFAULT_INFO = {
  server_id: "ROGUE",
  server_name: "rogue",
  version: "2.9.10",
  proto: 1,
  go: "go1.19",
  host: "127.0.0.1",
  port: 0,
  headers: true,
  max_payload: 1024 * 1024,
};

/** One client connection to the rogue server. */
export class RogueConn {
  readonly socket: net.Socket;
  /** index of this connection on its server, from 0 */
  readonly index: number;
  /** the chunks received from the client, in order */
  private chunks: Buffer[] = [];
  private joined: Buffer | undefined;
  /** received bytes not yet parsed into frames (an incomplete frame) */
  private tail: Buffer = Buffer.alloc(0);
  /** the client frames parsed so far */
  readonly frames: ClientFrame[] = [];
  /** whether the handshake PONG was sent */
  handshaken = false;
  /** the client's SUBs: sid -> subject */
  readonly subs = new Map<number, string>();
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(socket: net.Socket, index: number) {
    this.socket = socket;
    this.index = index;
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Every byte received from the client (joined on demand: a test may receive many MB). */
  get received(): Buffer {
    if (this.joined === undefined || this.joined.length !== this.receivedBytes) {
      this.joined = Buffer.concat(this.chunks);
      this.chunks = [this.joined];
    }
    return this.joined;
  }

  /** How many bytes were received. */
  receivedBytes = 0;

  /** Writes bytes (a string is sent as UTF-8); a no-op once the socket is gone. */
  send(data: string | Uint8Array): this {
    if (!this.socket.destroyed && this.socket.writable) {
      this.socket.write(typeof data === "string" ? te.encode(data) : data);
    }
    return this;
  }

  /** Writes `data` one byte per write, `gapMs` apart (so each byte is its own TCP segment). */
  async drip(data: string | Uint8Array, gapMs = 1): Promise<void> {
    const bytes = typeof data === "string" ? te.encode(data) : data;
    for (let k = 0; k < bytes.length; k++) {
      if (this.closed) return;
      this.send(bytes.subarray(k, k + 1));
      await new Promise((r) => setTimeout(r, gapMs));
    }
  }

  /** Half-closes after what was written (FIN). */
  end(): void {
    if (!this.socket.destroyed) this.socket.end();
  }

  /** Closes at once (RST if data is pending). */
  destroy(): void {
    this.socket.destroy();
  }

  /**
   * Resolves with the first client frame (from the start of the connection)
   * that satisfies `match`; rejects after `ms` or if the socket closes first.
   */
  waitFrame(match: (f: ClientFrame) => boolean, ms = 5000, what = "a client frame"): Promise<ClientFrame> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const f = this.frames.find(match);
        if (f) {
          done();
          resolve(f);
          return true;
        }
        if (this.closed) {
          done();
          reject(new Error(`rogue: connection closed while waiting for ${what}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`rogue: no ${what} within ${ms} ms`));
      }, ms);
      const waiter = (): void => {
        check();
      };
      const done = (): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      if (!check()) this.waiters.push(waiter);
    });
  }

  /** The sid of the client's first SUB to `subject` (waits for it). */
  async sidOf(subject: string, ms = 5000): Promise<number> {
    const f = await this.waitFrame(
      (x) => x.op === "SUB" && Buffer.from(x.args[0]).toString() === subject,
      ms,
      `SUB ${subject}`,
    );
    return Number(Buffer.from(f.args[f.args.length - 1]).toString());
  }

  /** @internal fed by the server */
  onData(chunk: Buffer, onFrame: (f: ClientFrame) => void): void {
    this.chunks.push(chunk);
    this.receivedBytes += chunk.length;
    // only the unparsed tail is joined with the new chunk: parsing stays linear in the bytes received
    const pending = this.tail.length === 0 ? chunk : Buffer.concat([this.tail, chunk]);
    const { frames, rest, error } = parseClientFrames(pending);
    this.tail = pending.subarray(rest);
    for (const f of frames) {
      this.frames.push(f);
      if (f.op === "SUB") {
        const sid = Number(Buffer.from(f.args[f.args.length - 1]).toString());
        this.subs.set(sid, Buffer.from(f.args[0]).toString());
      }
      onFrame(f);
    }
    if (error) {
      // a real server would answer -ERR 'Unknown Protocol Operation' and close
      this.send("-ERR 'Unknown Protocol Operation'\r\n").end();
    }
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** The server: accepts any number of connections and runs the same script on each. */
export class RogueServer {
  readonly connections: RogueConn[] = [];
  private readonly server: net.Server;
  private readonly opts: RogueOptions;
  private readonly acceptWaiters: Array<() => void> = [];

  private constructor(server: net.Server, opts: RogueOptions) {
    this.server = server;
    this.opts = opts;
  }

  /** Listens on a free loopback port. */
  static async start(opts: RogueOptions = {}): Promise<RogueServer> {
    const server = net.createServer();
    const rogue = new RogueServer(server, opts);
    server.on("connection", (socket) => rogue.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    return rogue;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Resolves once `n` connections have been accepted in all; rejects after `ms`. */
  waitConnections(n: number, ms = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.connections.length < n) return false;
        clearTimeout(timer);
        resolve();
        return true;
      };
      const timer = setTimeout(() => {
        const k = this.acceptWaiters.indexOf(waiter);
        if (k >= 0) this.acceptWaiters.splice(k, 1);
        reject(new Error(`rogue: ${this.connections.length} connections after ${ms} ms, wanted ${n}`));
      }, ms);
      const waiter = (): void => {
        if (check()) this.acceptWaiters.splice(this.acceptWaiters.indexOf(waiter), 1);
      };
      if (!check()) this.acceptWaiters.push(waiter);
    });
  }

  /** Stops listening and destroys every connection; resolves once all are closed. */
  async stop(): Promise<void> {
    const closing = this.connections
      .filter((c) => !c.isClosed)
      .map((c) => new Promise<void>((r) => c.socket.once("close", () => r())));
    for (const c of this.connections) c.destroy();
    await Promise.all([
      new Promise<void>((r) => this.server.close(() => r())),
      ...closing,
    ]);
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    // a client that resets the connection must not crash the test process
    socket.on("error", () => {});
    const c = new RogueConn(socket, this.connections.length);
    this.connections.push(c);
    for (const w of [...this.acceptWaiters]) w();
    const o = this.opts;
    const answerPings = o.answerPings ?? true;
    socket.on("data", (chunk: Buffer) =>
      c.onData(chunk, (f) => {
        if (f.op !== "PING") return;
        if (!c.handshaken) {
          if (o.handshake === false) return;
          c.handshaken = true;
          c.send("PONG\r\n");
          if (o.scenario) run(o.scenario, c);
        } else if (answerPings) {
          c.send("PONG\r\n");
        }
      })
    );
    const info = o.info === undefined ? DEFAULT_INFO : o.info;
    if (typeof info === "string") {
      c.send(info);
    } else if (info !== null) {
      c.send(`INFO ${JSON.stringify({ ...DEFAULT_INFO, ...info, port: this.port })}\r\n`);
    }
    if (o.preHandshake) run(o.preHandshake, c);
  }
}

function run(script: Script, c: RogueConn): void {
  Promise.resolve()
    .then(() => script(c))
    .catch(() => {
      // a script racing a client that went away (waitFrame rejects): the
      // test's own assertions report what matters
      c.destroy();
    });
}

// ---- the misbehaviours, ready-made -------------------------------------------

/**
 * Ready-made misbehaviours. Those that need a sid wait for the client's SUB to
 * `subject` (so a test subscribes first, and may call status() before it), and
 * put the client's own sid into the frame they send.
 */
export const scenarios = {
  /** bytes that are no NATS operation, right after INFO (before the handshake completes) */
  garbageAfterInfo: (garbage = "\u0000\u0001garbage\r\n"): RogueOptions => ({
    preHandshake: (c) => void c.send(garbage),
  }),
  /** an INFO line that is not `INFO <json object>` */
  malformedInfo: (line = "INFO {nope\r\n"): RogueOptions => ({ info: line }),
  /** garbage once the client subscribes to `subject` */
  garbage: (subject: string, garbage = "GARBAGE \u00ff\r\n"): RogueOptions => ({
    scenario: async (c) => {
      await c.sidOf(subject);
      c.send(garbage);
    },
  }),
  /** a MSG for a sid the client never had, then one for its subscription to `subject` */
  unknownSid: (subject: string, ghostSid = 99999): RogueOptions => ({
    scenario: async (c) => {
      const sid = await c.sidOf(subject);
      c.send(`MSG ${subject} ${ghostSid} 5\r\nghost\r\n`);
      c.send(`MSG ${subject} ${sid} 4\r\nreal\r\n`);
    },
  }),
  /** a MSG claiming `size` bytes (2 GiB by default), followed by `follow` bytes of it */
  hugeFrame: (subject: string, size = 2 ** 31, follow = 1024 * 1024, hangUpAfterMs?: number): RogueOptions => ({
    scenario: async (c) => {
      const sid = await c.sidOf(subject);
      c.send(`MSG ${subject} ${sid} ${size}\r\n`);
      for (let sent = 0; sent < follow && !c.isClosed; sent += 64 * 1024) {
        c.send(new Uint8Array(Math.min(64 * 1024, follow - sent)).fill(0x41));
      }
      if (hangUpAfterMs !== undefined) {
        await new Promise((r) => setTimeout(r, hangUpAfterMs));
        c.end();
      }
    },
  }),
  /** `frame(sid)` one byte per write, `gapMs` apart */
  dripFeed: (subject: string, frame: (sid: number) => Uint8Array | string, gapMs = 1): RogueOptions => ({
    scenario: async (c) => {
      const sid = await c.sidOf(subject);
      await c.drip(frame(sid), gapMs);
    },
  }),
  /** completes the handshake, then never answers a PING */
  noPong: (): RogueOptions => ({ answerPings: false }),
  /** `partial(sid)` (a frame cut short), then a close */
  closeMidFrame: (subject: string, partial: (sid: number) => string | Uint8Array, afterMs = 50): RogueOptions => ({
    scenario: async (c) => {
      const sid = await c.sidOf(subject);
      c.send(partial(sid));
      await new Promise((r) => setTimeout(r, afterMs));
      c.end();
    },
  }),
  /**
   * `-ERR '<text>'` once the client subscribes to `subject`, then a close
   * (what nats-server does after most errors) unless `close` is false.
   */
  err: (text: string, subject: string, close = true): RogueOptions => ({
    scenario: async (c) => {
      await c.sidOf(subject);
      c.send(`-ERR '${text}'\r\n`);
      if (close) c.end();
    },
  }),
};

