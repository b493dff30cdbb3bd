/**
 * A connection's status() events, collected for a test to look at and wait on.
 */
import type { NatsConnection, Status } from "@quicknats/node";
import { eventually } from "./wait.js";

/** The status events of one type, narrowed (`of("update")` gives UpdateStatus[]). */
type Of<T extends Status["type"]> = Extract<Status, { type: T }>;

/** Every status event of a connection from now on, with the time each was seen. */
export class StatusLog {
  /** The events, in the order the iterator gave them. */
  readonly events: Status[] = [];
  /** Date.now() when each event was seen, index for index with `events`. */
  readonly times: number[] = [];
  /** Resolves when the iterator ends: the connection has closed. */
  readonly done: Promise<void>;

  constructor(nc: NatsConnection) {
    this.done = (async () => {
      for await (const s of nc.status()) {
        this.events.push(s);
        this.times.push(Date.now());
      }
    })();
  }

  types(): string[] {
    return this.events.map((e) => e.type);
  }

  count(type: Status["type"]): number {
    return this.events.filter((e) => e.type === type).length;
  }

  of<T extends Status["type"]>(type: T): Of<T>[] {
    return this.events.filter((e): e is Of<T> => e.type === type);
  }

  /** Index of the first `type` event at or after `from`; waits up to `ms` for it. */
  async waitFor(type: Status["type"], ms: number, from = 0): Promise<number> {
    let found = -1;
    await eventually(() => {
      found = this.events.findIndex((e, i) => i >= from && e.type === type);
      return found >= 0;
    }, ms, () => `status '${type}' (seen: ${this.types().join(",")})`);
    return found;
  }

  /** The first event `pred` accepts; waits up to `ms` for it. */
  async waitForMatch(pred: (s: Status) => boolean, ms = 5000): Promise<Status> {
    let hit: Status | undefined;
    await eventually(() => {
      hit = this.events.find(pred);
      return hit !== undefined;
    }, ms, () => `a matching status (seen: ${this.types().join(",")})`);
    return hit!;
  }
}
