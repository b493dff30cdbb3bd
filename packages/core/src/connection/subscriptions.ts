/**
 * The subscriptions of one connection, by sid: inbound messages are routed
 * by it, and every new connection subscribes them all again, each with the
 * messages it still expects before its auto-unsubscribe.
 */
import { OutboundBuffer } from "../protocol/encoder.js";
import type { MsgArgs } from "../protocol/parser.js";

/** What the engine needs of a subscription. */
export interface SubscriptionSink {
  readonly sid: number;
  readonly subject: string;
  readonly queue?: string;
  /** messages still to deliver before auto-unsubscribe, undefined without a max (re-sent after a reconnect) */
  remaining(): number | undefined;
  /** A message for this sid. Must not throw (user code is guarded inside). */
  deliver(args: MsgArgs, payload: Uint8Array): void;
}

export class SubscriptionRegistry {
  readonly #subs = new Map<number, SubscriptionSink>();
  #lastSid = 0;

  nextSid(): number {
    return ++this.#lastSid;
  }

  /** The sid the next subscription will get (its SUB line's length is checked first). */
  upcomingSid(): number {
    return this.#lastSid + 1;
  }

  add(sub: SubscriptionSink): void {
    this.#subs.set(sub.sid, sub);
  }

  /** Forgets a subscription: later messages for its sid are dropped. */
  remove(sid: number): void {
    this.#subs.delete(sid);
  }

  get(sid: number): SubscriptionSink | undefined {
    return this.#subs.get(sid);
  }

  get size(): number {
    return this.#subs.size;
  }

  /** The registered subscriptions, as a copy. */
  list(): SubscriptionSink[] {
    return [...this.#subs.values()];
  }

  /** SUB (and UNSUB with the remaining count) for every subscription; undefined when there is none. */
  resubscribeFrames(): Uint8Array | undefined {
    if (this.#subs.size === 0) return undefined;
    const buf = new OutboundBuffer(4096);
    for (const sub of this.#subs.values()) {
      buf.sub(sub.subject, sub.queue, sub.sid);
      const remaining = sub.remaining();
      if (remaining !== undefined) buf.unsub(sub.sid, remaining);
    }
    return buf.take();
  }
}
