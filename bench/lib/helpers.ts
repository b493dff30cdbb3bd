import type { ClientName } from "../clients/types.js";
import type { Job } from "./ipc.js";
import { ChildProc, type ChildEntry } from "./proc.js";

/**
 * Helper processes of the scenario being run, by client: they serve every
 * round (a fresh one after a failed round), so a round spawns one process.
 */
export class Helpers {
  private readonly live = new Map<ClientName, { proc: ChildProc; ready: Promise<void> }>();

  constructor(
    private readonly entry: ChildEntry,
    private readonly job: Job,
    private readonly readyTimeoutMs: number,
    private readonly exitGraceMs: number,
  ) {}

  get(client: ClientName): { proc: ChildProc; ready: Promise<void> } {
    let h = this.live.get(client);
    if (!h) {
      const proc = new ChildProc(this.entry, { ...this.job, role: "helper", client });
      const ready = proc.expect("ready", Date.now() + this.readyTimeoutMs);
      ready.catch(() => {}); // awaited by the round; this only keeps an early failure from going unhandled
      h = { proc, ready };
      this.live.set(client, h);
    }
    return h;
  }

  async drop(client: ClientName): Promise<void> {
    const h = this.live.get(client);
    this.live.delete(client);
    await h?.proc.finish(0);
  }

  async quitAll(): Promise<void> {
    const all = [...this.live.values()];
    this.live.clear();
    for (const h of all) h.proc.send("quit");
    await Promise.all(all.map((h) => h.proc.finish(this.exitGraceMs)));
  }
}
