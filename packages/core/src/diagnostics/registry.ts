/**
 * The process-wide table of diagnostics channels.
 *
 * Channels are process-wide by nature: a subscriber (an APM agent,
 * @quicknats/otel) must see the events of every connection, whichever copy
 * of the core made it. A process can hold several copies (the ESM and the
 * CommonJS build, nested installs), and the core keeps no module-level
 * mutable state, so the table lives on `globalThis` under
 * `Symbol.for("quicknats.diagnostics")`, created by the first copy that asks
 * and shared by all. Its shape is part of the contract between copies:
 *
 *     { channels: Map<name, DiagnosticsChannel>,            every channel made, by name
 *       bundle: { [DiagnosticsChannelKey]: DiagnosticsChannel },  the same, by key (the hot paths read it)
 *       provider: { channel(name) } | undefined }           the diagnostics_channel module plugged in
 *
 * Until a runtime package plugs in its `node:diagnostics_channel`
 * (`useDiagnosticsChannel()`; @quicknats/node does it in `connect()`), the
 * channels are LocalChannels. Plugging in replaces each by the runtime's
 * channel of the same name, after moving its subscribers there; a
 * LocalChannel someone kept forwards to its replacement from then on, so
 * nothing is lost whichever of subscribing and plugging in comes first.
 */
import { argumentTypeError } from "../errors.js";
import { type DiagnosticsChannel, LOCAL_CHANNEL, LocalChannel, type MovableChannel } from "./channel.js";
import { DiagnosticsEmitter } from "./emitter.js";
import type { DiagnosticsMessages } from "./events.js";
import { diagnosticsSlot } from "./hooks.js";
import { type DiagnosticsChannelKey, type DiagnosticsChannelName, DiagnosticsChannels } from "./names.js";

const REGISTRY = Symbol.for("quicknats.diagnostics");

/** A `node:diagnostics_channel`-like module: what `useDiagnosticsChannel()` takes. */
export interface DiagnosticsChannelProvider {
  channel(name: string): DiagnosticsChannel<any>;
}

/** Every channel of the contract, by key, typed with its message. What the core's hot paths read. */
export type Diagnostics = {
  readonly [K in DiagnosticsChannelKey]: DiagnosticsChannel<DiagnosticsMessages[typeof DiagnosticsChannels[K]]>;
};

interface Registry {
  readonly channels: Map<string, DiagnosticsChannel<any>>;
  readonly bundle: Record<string, DiagnosticsChannel<any>>;
  provider: DiagnosticsChannelProvider | undefined;
}

type Global = typeof globalThis & { [REGISTRY]?: Registry };

function registry(): Registry {
  const g = globalThis as Global;
  let r = g[REGISTRY];
  if (r === undefined) {
    r = { channels: new Map(), bundle: {}, provider: undefined };
    // not enumerable, not writable: nobody replaces it by accident
    Object.defineProperty(g, REGISTRY, { value: r, enumerable: false, writable: false, configurable: false });
  }
  return r;
}

function channelIn<M>(r: Registry, name: string): DiagnosticsChannel<M> {
  let ch = r.channels.get(name);
  if (ch === undefined) {
    ch = r.provider !== undefined ? r.provider.channel(name) : new LocalChannel(name);
    r.channels.set(name, ch);
  }
  return ch;
}

/**
 * The channels of the contract, by key: one object per process, shared by
 * every copy of the core. A connection takes it once; the hot paths then
 * check `d.PublishStart.hasSubscribers` before building a message.
 */
export function diagnostics(): Diagnostics {
  const r = registry();
  const bundle = r.bundle;
  // a copy of a newer core may know more keys; each copy adds what it lacks
  for (const key in DiagnosticsChannels) {
    if (bundle[key] === undefined) bundle[key] = channelIn(r, DiagnosticsChannels[key as DiagnosticsChannelKey]);
  }
  return bundle as Diagnostics;
}

/**
 * Makes this copy's connections publish their events from now on (see
 * hooks.ts): until the channels are used, the event code is not even
 * reached, and a bundle that never uses them leaves it out.
 */
function activate(): void {
  const slot = diagnosticsSlot();
  if (slot.current === undefined) slot.current = new DiagnosticsEmitter(diagnostics());
}

/**
 * The channel of that name (any name, as `diagnostics_channel.channel()`):
 * the runtime's `node:diagnostics_channel` channel once plugged in, a
 * LocalChannel before (which then forwards to it). Typed with its message
 * for the names of `DiagnosticsChannels`.
 *
 * ```ts
 * diagnosticsChannel("tracing:quicknats:publish:start").subscribe((ev) => {
 *   if (ev.connection === nc) ev.setHeader("x-origin", "billing");
 * });
 * ```
 */
export function diagnosticsChannel<N extends DiagnosticsChannelName>(name: N): DiagnosticsChannel<DiagnosticsMessages[N]>;
export function diagnosticsChannel(name: string): DiagnosticsChannel<unknown>;
export function diagnosticsChannel(name: string): DiagnosticsChannel<unknown> {
  if (typeof name !== "string") throw argumentTypeError("diagnostics channel name must be a string");
  activate();
  return channelIn(registry(), name);
}

function isMovable(ch: DiagnosticsChannel<unknown>): ch is DiagnosticsChannel<unknown> & MovableChannel {
  const m = ch as unknown as Partial<MovableChannel>;
  return m[LOCAL_CHANNEL] === true && typeof m.moveTo === "function";
}

/**
 * Publishes quicknats' diagnostics on this `diagnostics_channel` module
 * from now on, for every copy of the core in the process: pass
 * `node:diagnostics_channel` (@quicknats/node does, in `connect()`).
 * Subscribers of the core's own channels move over. Calling it again with
 * the same module does nothing; the first module given stays in use. Also
 * makes this copy's connections publish their events (see hooks.ts).
 */
export function useDiagnosticsChannel(provider: DiagnosticsChannelProvider): void {
  if (provider === null || typeof provider !== "object" && typeof provider !== "function" || typeof provider.channel !== "function") {
    throw argumentTypeError("useDiagnosticsChannel() takes a diagnostics_channel module");
  }
  const r = registry();
  if (r.provider === undefined) plugIn(r, provider);
  // after plugging in: the connections' channels are the runtime's from the start
  activate();
}

function plugIn(r: Registry, provider: DiagnosticsChannelProvider): void {
  r.provider = provider;
  for (const [name, ch] of r.channels) {
    // channels of the runtime (or of a provider plugged in before, in another way) stay
    if (!isMovable(ch)) continue;
    const target = provider.channel(name);
    if (target === ch) continue;
    ch.moveTo(target);
    r.channels.set(name, target);
  }
  for (const key of Object.keys(r.bundle)) {
    const name = r.bundle[key].name;
    if (typeof name === "string") r.bundle[key] = channelIn(r, name);
  }
}
