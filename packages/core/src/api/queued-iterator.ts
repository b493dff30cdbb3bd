/**
 * A single-consumer async queue: producers push synchronously, one consumer
 * pulls with `for await`. Used by subscriptions, `status()` and `requestMany`.
 * A waiting consumer is handed the next item directly; otherwise items wait
 * in an array consumed from a moving head (no `shift()` per item).
 */
import { InvalidOperationError } from "../errors.js";
import type { QueuedIterator } from "../types.js";

type Waiter<T> = {
  resolve: (r: IteratorResult<T>) => void;
  reject: (err: Error) => void;
};

export class QueuedIteratorImpl<T> implements QueuedIterator<T> {
  private items: T[] = [];
  private head = 0;
  private waiter: Waiter<T> | undefined;
  private done = false;
  private err: Error | undefined;
  private iterating = false;
  /** called when the consumer leaves the loop early (break, return, throw) */
  onBreak: (() => void) | undefined;
  /** called once the consumer has seen the end (all items, then done or the error) */
  onDrained: (() => void) | undefined;
  /** called by stop(): no more items will come, whether or not anyone reads the rest */
  onStop: (() => void) | undefined;
  received = 0;
  processed = 0;
  /** the byte size of an item, when pending bytes are counted (subscriptions) */
  sizeOf: ((v: T) => number) | undefined;
  /** bytes of the items waiting, when `sizeOf` is set */
  pendingBytes = 0;

  /** Queues an item; dropped if the queue was stopped. */
  push(v: T): void {
    if (this.done) return;
    this.received++;
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      this.processed++;
      w.resolve({ value: v, done: false });
    } else {
      this.items.push(v);
      if (this.sizeOf !== undefined) this.pendingBytes += this.sizeOf(v);
    }
  }

  /** Ends the queue after the items already in it; with `err`, the consumer gets it after them. */
  stop(err?: Error): void {
    if (this.done) return;
    this.done = true;
    this.err = err;
    this.onStop?.();
    if (this.head >= this.items.length) this.settleEnd();
  }

  getPending(): number {
    return this.items.length - this.head;
  }

  getProcessed(): number {
    return this.processed;
  }

  getReceived(): number {
    return this.received;
  }

  private settleEnd(): void {
    const w = this.waiter;
    if (w === undefined) {
      if (!this.iterating) this.drained();
      return;
    }
    this.waiter = undefined;
    const err = this.err;
    this.err = undefined;
    if (err) w.reject(err);
    else w.resolve({ value: undefined, done: true });
    this.drained();
  }

  private drained(): void {
    const cb = this.onDrained;
    this.onDrained = undefined;
    cb?.();
  }

  private next(): Promise<IteratorResult<T>> {
    if (this.head < this.items.length) {
      const v = this.items[this.head];
      this.items[this.head++] = undefined as T;
      if (this.sizeOf !== undefined) this.pendingBytes -= this.sizeOf(v);
      if (this.head === this.items.length) {
        this.items.length = 0;
        this.head = 0;
      } else if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      this.processed++;
      return Promise.resolve({ value: v, done: false });
    }
    if (this.done) {
      const err = this.err;
      this.err = undefined;
      this.drained();
      return err ? Promise.reject(err) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterating) {
      throw new InvalidOperationError("iterator is already yielding");
    }
    this.iterating = true;
    return {
      next: () => this.next(),
      return: (): Promise<IteratorResult<T>> => {
        const wasDone = this.done;
        this.done = true;
        this.items.length = 0;
        this.head = 0;
        this.pendingBytes = 0;
        if (!wasDone) this.onBreak?.();
        this.drained();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
