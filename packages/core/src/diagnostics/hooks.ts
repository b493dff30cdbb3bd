/**
 * Where the API layer finds the code that builds diagnostics events: a slot
 * that stays empty until something uses the channels.
 *
 * The event classes (outgoing.ts, delivery.ts) and the channels themselves
 * are reached only through `DiagnosticsHooks`, which the slot holds once
 * `diagnosticsChannel()` or `useDiagnosticsChannel()` has been called (the
 * Node and Deno `connect()` call the latter). The API layer imports this
 * file and types only, so a browser bundle that never touches the channels
 * holds none of that code; a connection checks `slot.current` (undefined)
 * and nothing else. Where the slot is filled but nobody subscribes (Node,
 * Deno), a publish reads one `hasSubscribers` and a delivery two.
 *
 * The slot belongs to one copy of the core (its symbol is not registered):
 * a copy's connections build their events with that copy's classes, while
 * the channels are shared by all (registry.ts).
 */
import type { Msg, MsgHdrs, NatsConnection, Subscription } from "../types.js";
import type { DiagnosticsEmitter } from "./emitter.js";

/** What a request's later events need (RequestEventImpl). */
export interface RequestTap {
  /** the headers to publish the request with, once the start event is over */
  readonly headers: MsgHdrs | undefined;
  /** a reply (not a no-responders status) */
  respond(msg: Msg): void;
  /** the request completed */
  end(): void;
  /** the request failed with `err`, what the caller gets */
  fail(err: Error): void;
}

/** A connection as the outgoing events see it. */
export interface PublishingConnection extends NatsConnection {
  /** sends a message with its final headers: what a traced publish wraps */
  encodeAndSend(subject: string, reply: string | undefined, headers: MsgHdrs | undefined, payload: Uint8Array | string): boolean;
  /** the server takes headers (while reconnecting: the last server did), so subscribers may add some */
  headersSupported(): boolean;
}

/** A subscription as the delivery events see it: where a traced callback's error goes. */
export interface DeliveryTarget extends Subscription {
  reportCallbackError(err: unknown): void;
}

/**
 * The events, built and published by the diagnostics code: the public members
 * of DiagnosticsEmitter (emitter.ts), which documents each. A type only, so
 * this file still pulls no diagnostics code into a bundle. The hot paths
 * check the channel first (`hooks.channels.PublishStart.hasSubscribers`);
 * the lifecycle methods check it themselves.
 */
export type DiagnosticsHooks = Pick<DiagnosticsEmitter, keyof DiagnosticsEmitter>;

/** Holds this copy's hooks once diagnostics are in use. */
export interface DiagnosticsSlot {
  current: DiagnosticsHooks | undefined;
}

// not Symbol.for(): one slot per copy of the core
const SLOT = Symbol("quicknats.diagnostics.hooks");

type Global = typeof globalThis & { [SLOT]?: DiagnosticsSlot };

/** This copy's slot (made on first use; process-wide, like the channels). */
export function diagnosticsSlot(): DiagnosticsSlot {
  const g = globalThis as Global;
  let slot = g[SLOT];
  if (slot === undefined) {
    slot = { current: undefined };
    Object.defineProperty(g, SLOT, { value: slot, enumerable: false, writable: false, configurable: false });
  }
  return slot;
}
