/** A forked benchmark child seen from the orchestrator: its messages, bounded waits, and a sure end. */
import { fork, type ChildProcess } from "node:child_process";
import { type ChildResult, type Job, TimedOut, type ToChild, type ToParent } from "./ipc.js";

const STDERR_TAIL = 4_000;

/** How to start a child: the bundled child.mjs, or child.ts through tsx. */
export interface ChildEntry {
  file: string;
  execArgv: string[];
}

export class ChildProc {
  private readonly proc: ChildProcess;
  private readonly queue: ToParent[] = [];
  private wake: (() => void) | undefined;
  private exitInfo: string | undefined;
  private readonly exited: Promise<void>;
  private stderr = "";

  constructor(entry: ChildEntry, readonly job: Job) {
    this.proc = fork(entry.file, [JSON.stringify(job)], {
      execArgv: entry.execArgv,
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    this.proc.stderr?.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-STDERR_TAIL);
    });
    this.proc.on("message", (m: ToParent) => {
      this.queue.push(m);
      this.wake?.();
    });
    this.exited = new Promise((resolve) => {
      this.proc.once("exit", (code, signal) => {
        this.exitInfo = signal ? `signal ${signal}` : `code ${code}`;
        this.wake?.();
        resolve();
      });
    });
  }

  get label(): string {
    return `${this.job.client} ${this.job.role}`;
  }

  send(type: ToChild["type"]): void {
    if (this.proc.connected) this.proc.send({ type } satisfies ToChild);
  }

  /** The next message of `type`; rejects on an "error" message, exit, or at `deadline` (Date.now() ms). */
  expect(type: "ready" | "measured", deadline?: number): Promise<void>;
  expect(type: "result", deadline?: number): Promise<ChildResult>;
  async expect(type: "ready" | "measured" | "result", deadline = Infinity): Promise<ChildResult | void> {
    for (;;) {
      const m = this.queue.shift();
      if (m?.type === "error") throw m.timeout ? new TimedOut(`${this.label}: ${m.message}`) : new Error(`${this.label}: ${m.message}`);
      if (m?.type === type) return m.type === "result" ? m.result : undefined;
      if (m) continue;
      if (this.exitInfo) throw new Error(`${this.label} exited (${this.exitInfo}) before "${type}"\n${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new TimedOut(`${this.label}: no "${type}" in time`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 2_147_000_000));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Waits up to `ms` for the child to exit by itself, then SIGKILLs it. */
  async finish(ms: number): Promise<void> {
    if (this.exitInfo) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, true)));
    const killed = await Promise.race([this.exited.then(() => false), late]);
    clearTimeout(timer);
    if (killed) {
      this.proc.kill("SIGKILL");
      await this.exited;
    }
  }
}
