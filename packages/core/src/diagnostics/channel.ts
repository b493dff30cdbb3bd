/**
 * A diagnostics channel: the shape of `node:diagnostics_channel`'s `Channel`
 * that quicknats uses, and `LocalChannel`, a small implementation of it for
 * runtimes without that module (browsers, Deno without the Node layer, and
 * Node until the Node package plugs its module in; see registry.ts).
 *
 * LocalChannel follows Node's semantics (lib/diagnostics_channel.js, Node
 * 20): subscribers run synchronously in subscription order; one that throws
 * does not stop the others nor the publisher, its error is rethrown from a
 * microtask (Node uses process.nextTick: an uncaught exception either way);
 * `runStores` enters every bound store, publishes, then calls the function;
 * a channel "has subscribers" while it has a subscriber or a bound store.
 */
import { argumentTypeError } from "../errors.js";

/** A subscriber: the message, and the channel's name. */
export type DiagnosticsListener<M> = (message: M, name: string | symbol) => void;

/**
 * What `bindStore()` takes: anything with `run(value, fn)`, such as
 * `AsyncLocalStorage`, or an adapter over OpenTelemetry's `context.with()`.
 */
export interface DiagnosticsStore<S> {
  run<R>(value: S, fn: () => R): R;
}

/** The part of `node:diagnostics_channel`'s `Channel` that quicknats publishes on. */
export interface DiagnosticsChannel<M = unknown> {
  readonly name: string | symbol;
  /** true while anyone listens (a subscriber or a bound store); check it before building a message */
  readonly hasSubscribers: boolean;
  publish(message: M): void;
  subscribe(listener: DiagnosticsListener<M>): void;
  /** removes the first registration of `listener`; false if there was none */
  unsubscribe(listener: DiagnosticsListener<M>): boolean;
  /**
   * Makes `runStores(message, fn)` call `fn` inside `store.run(transform(message), ...)`.
   * Binding the same store again replaces its transform.
   */
  bindStore<S>(store: DiagnosticsStore<S>, transform?: (message: M) => S): void;
  unbindStore<S>(store: DiagnosticsStore<S>): boolean;
  /** Enters the bound stores, publishes `message`, and returns `fn.apply(thisArg, args)`. */
  runStores<R, A extends unknown[]>(message: M, fn: (...args: A) => R, thisArg?: unknown, ...args: A): R;
}

/** Marks a LocalChannel of any copy of this module (registry.ts moves their subscribers). */
export const LOCAL_CHANNEL = Symbol.for("quicknats.diagnostics.localChannel");

/** What registry.ts needs of a LocalChannel, whichever copy of the core made it. */
export interface MovableChannel {
  readonly [LOCAL_CHANNEL]: true;
  /** Hands every subscriber and store to `target`; from then on this channel forwards to it. */
  moveTo(target: DiagnosticsChannel<unknown>): void;
}

type Transform = ((message: never) => unknown) | undefined;

function rethrowLater(err: unknown): void {
  queueMicrotask(() => {
    throw err;
  });
}

/** A channel for runtimes without `node:diagnostics_channel`. */
export class LocalChannel<M = unknown> implements DiagnosticsChannel<M>, MovableChannel {
  readonly [LOCAL_CHANNEL] = true as const;
  readonly name: string;
  // replaced, never modified in place: a publish iterates the array it started with
  private listeners: DiagnosticsListener<M>[] = [];
  private stores: Map<DiagnosticsStore<unknown>, Transform> | undefined = undefined;
  private active = false;
  /** set once the subscribers moved to a runtime channel: everything forwards there */
  private target: DiagnosticsChannel<M> | undefined = undefined;

  constructor(name: string) {
    this.name = name;
  }

  get hasSubscribers(): boolean {
    return this.target === undefined ? this.active : this.target.hasSubscribers;
  }

  publish(message: M): void {
    if (this.target !== undefined) {
      this.target.publish(message);
      return;
    }
    const listeners = this.listeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i](message, this.name);
      } catch (err) {
        rethrowLater(err);
      }
    }
  }

  subscribe(listener: DiagnosticsListener<M>): void {
    if (this.target !== undefined) {
      this.target.subscribe(listener);
      return;
    }
    if (typeof listener !== "function") throw argumentTypeError("listener must be a function");
    this.listeners = [...this.listeners, listener];
    this.active = true;
  }

  unsubscribe(listener: DiagnosticsListener<M>): boolean {
    if (this.target !== undefined) return this.target.unsubscribe(listener);
    const i = this.listeners.indexOf(listener);
    if (i === -1) return false;
    this.listeners = [...this.listeners.slice(0, i), ...this.listeners.slice(i + 1)];
    this.updateActive();
    return true;
  }

  bindStore<S>(store: DiagnosticsStore<S>, transform?: (message: M) => S): void {
    if (this.target !== undefined) {
      this.target.bindStore(store, transform);
      return;
    }
    // a copy, for the same reason as the listeners
    const stores = new Map(this.stores);
    stores.set(store as DiagnosticsStore<unknown>, transform as Transform);
    this.stores = stores;
    this.active = true;
  }

  unbindStore<S>(store: DiagnosticsStore<S>): boolean {
    if (this.target !== undefined) return this.target.unbindStore(store);
    if (this.stores === undefined || !this.stores.has(store as DiagnosticsStore<unknown>)) return false;
    const stores = new Map(this.stores);
    stores.delete(store as DiagnosticsStore<unknown>);
    this.stores = stores.size === 0 ? undefined : stores;
    this.updateActive();
    return true;
  }

  runStores<R, A extends unknown[]>(message: M, fn: (...args: A) => R, thisArg?: unknown, ...args: A): R {
    if (this.target !== undefined) return this.target.runStores(message, fn, thisArg, ...args);
    // as in Node: a channel nobody listens to only calls fn
    if (!this.active) return fn.apply(thisArg, args);
    let run = (): R => {
      this.publish(message);
      return fn.apply(thisArg, args);
    };
    const stores = this.stores;
    if (stores !== undefined) {
      // the last store bound is entered first, as in Node
      for (const [store, transform] of stores) run = enterStore(store, transform, message, run);
    }
    return run();
  }

  moveTo(target: DiagnosticsChannel<unknown>): void {
    if (this.target !== undefined) return;
    const t = target as DiagnosticsChannel<M>;
    for (const l of this.listeners) t.subscribe(l);
    if (this.stores !== undefined) {
      for (const [store, transform] of this.stores) t.bindStore(store, transform as ((m: M) => unknown) | undefined);
    }
    this.listeners = [];
    this.stores = undefined;
    this.active = false;
    this.target = t;
  }

  private updateActive(): void {
    this.active = this.listeners.length > 0 || this.stores !== undefined;
  }
}

/** `next` inside `store`, with the transformed message; a throwing transform skips the store, as in Node. */
function enterStore<M, R>(store: DiagnosticsStore<unknown>, transform: Transform, message: M, next: () => R): () => R {
  return () => {
    let value: unknown;
    try {
      value = transform === undefined ? message : (transform as (m: M) => unknown)(message);
    } catch (err) {
      rethrowLater(err);
      return next();
    }
    return store.run(value, next);
  };
}
