/**
 * The bridge to @nats-io/nats-core's error classes, for libraries built on
 * it (@nats-io/jetstream, kv, obj, services) running on a quicknats
 * connection. They decide with `instanceof` on the OFFICIAL classes:
 * `err instanceof RequestError && err.isNoResponders()` turns a request
 * nobody answered into `JetStreamNotEnabled`, `err instanceof
 * errors.TimeoutError` retries a JetStream publish, `err instanceof
 * errors.ClosedConnectionError` stops a pull consumer. Those are plain
 * classes (prototype-chain `instanceof`), so our errors would never match.
 *
 * How: every copy of nats-core's errors module that the process has loaded
 * (found in the CommonJS module cache, where nats-core, a CommonJS-only
 * package, always lands) gets a `Symbol.hasInstance` on each error class
 * whose name we share: it answers as before, and also true for an object
 * carrying our brand of the same name (the brands behind our own
 * `instanceof`, see core's errors.ts). So `ourTimeout instanceof
 * official.TimeoutError` holds, official instances are judged exactly as
 * before, and subclasses of the official classes keep the ordinary check.
 * `isNoResponders()` is our own method on our RequestError, with the same
 * meaning. The other way round, each such class's prototype gets our brand
 * of its name, so an error the libraries make with nats-core's classes
 * (`consumer.fetch({ expires: 500 })` throws its InvalidArgumentError) is
 * `instanceof` ours, as it is of the classes the official transport exports.
 *
 * Why this and not re-parenting our errors onto the official prototypes:
 * one object has one prototype chain, but a process can hold several
 * copies of nats-core (@nats-io/services pins its own), and an error made
 * before the official package was loaded would stay unmatched. A class-level
 * check covers every copy, and every error whenever it was made.
 *
 * When: at each `connect()` or `wsconnect()`, and on every failed request
 * (the connection calls the transport factory's `adaptError`), so a library
 * imported after connecting is bridged by the time it looks at an error of
 * ours. A module already bridged is marked and skipped. Nothing runs when no
 * official package is loaded, and nothing is imported from one: it stays the
 * user's dependency. The module cache is Node's (and Bun's): found through
 * `process.getBuiltinModule` (Node 20.16+), or given by the Node package,
 * which has `node:module`. Browsers, and bundles that inline nats-core (no
 * module cache), get no bridge.
 */
import { errors } from "../errors.js";

/** nats-core's compiled errors module, in any copy (nested node_modules too). */
const ERRORS_MODULE = /[\\/]@nats-io[\\/]nats-core[\\/]lib[\\/]errors\.js$/;
/** marks an official class already bridged */
const BRIDGED = Symbol.for("quicknats.bridged");
/** where our errors keep the brands behind `instanceof` (errors.ts) */
const BRANDS = Symbol.for("quicknats.error.brands");

type Class = { [Symbol.hasInstance](v: unknown): boolean };

/** How many modules the cache held at the last scan (the module cache is process-wide, and so is this). */
let scannedSize = -1;

export type ModuleCache = Record<string, { exports?: unknown } | undefined>;

/** What this needs of Node's `process` (there is none in a browser). */
interface NodeProcess {
  cwd(): string;
  getBuiltinModule?(id: string): { createRequire(path: string): { cache: ModuleCache } } | undefined;
}

/** The CommonJS module cache, looked up once (one object per process, whatever path it is asked from). */
let cacheLookedUp = false;
let cachedModuleCache: ModuleCache | undefined;

/** The CommonJS module cache of the runtime, or undefined (a browser, Deno, Node before 20.16). */
function runtimeModuleCache(): ModuleCache | undefined {
  if (!cacheLookedUp) {
    cacheLookedUp = true;
    try {
      const proc = (globalThis as { process?: NodeProcess }).process;
      cachedModuleCache = proc?.getBuiltinModule?.("module")?.createRequire(`${proc.cwd()}/noop.js`).cache;
    } catch {
      cachedModuleCache = undefined;
    }
  }
  return cachedModuleCache;
}

/**
 * Bridges every loaded, not yet bridged copy of @nats-io/nats-core's errors
 * found in `cache` (by default the runtime's). Cheap when there is nothing
 * to do (a scan of the cache's keys); never throws.
 */
export function bridgeOfficialErrors(cache: ModuleCache | undefined = runtimeModuleCache()): void {
  if (cache === undefined) return;
  const files = Object.keys(cache);
  // a module loaded since the last scan grows the cache; a flood of failed requests costs a count each
  if (files.length === scannedSize) return;
  scannedSize = files.length;
  for (const file of files) {
    if (!ERRORS_MODULE.test(file)) continue;
    const exported = cache[file]?.exports as Record<string, unknown> | undefined;
    if (typeof exported !== "object" || exported === null) continue;
    for (const [name, ours] of Object.entries(errors)) {
      const theirs = exported[name];
      if (typeof theirs === "function") bridgeClass(theirs as unknown as Class, ours as unknown as Class);
    }
  }
}

function bridgeClass(theirs: Class, ours: Class): void {
  if (Object.prototype.hasOwnProperty.call(theirs, BRIDGED)) return;
  try {
    // the check they had: Function.prototype's, or one of their own
    const previous = theirs[Symbol.hasInstance];
    Object.defineProperty(theirs, Symbol.hasInstance, {
      configurable: true,
      value(this: Class, v: unknown): boolean {
        if (previous.call(this, v)) return true;
        // a subclass of theirs inherits this: it keeps the ordinary check
        return this === theirs && ours[Symbol.hasInstance](v);
      },
    });
    // and the other way: their errors (thrown by @nats-io/jetstream, say) are
    // instances of ours of the same name, as when our classes were theirs
    // (the brand our `instanceof` looks for, on their prototype)
    const proto = (theirs as unknown as { prototype: object }).prototype;
    const brand = (ours as unknown as { brand: string }).brand;
    if (!Object.prototype.hasOwnProperty.call(proto, BRANDS)) Object.defineProperty(proto, BRANDS, { value: [brand] });
    Object.defineProperty(theirs, BRIDGED, { value: true });
  } catch {
    // a frozen class: leave it as it is
  }
}
