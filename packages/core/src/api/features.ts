/**
 * Server feature flags by version: `nc.features`, as @nats-io/nats-core 3.4
 * has it. The JetStream, KV and Object Store libraries ask it whether the
 * connected server supports an API before they use it (e.g.
 * `nc.features.get(Feature.JS_NEW_CONSUMER_CREATE_API)`), so the names and
 * minimum versions are theirs.
 */
import { InvalidArgumentError } from "../errors.js";

/** A server version: `2.10.3` is `{ major: 2, minor: 10, micro: 3 }`. */
export interface SemVer {
  major: number;
  minor: number;
  micro: number;
}

/**
 * Reads the first `x.y.z` in `s` (`"2.11.0-beta.1"` gives 2.11.0).
 * @throws InvalidArgumentError when there is none
 */
export function parseSemVer(s = ""): SemVer {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(s);
  if (m === null) throw new InvalidArgumentError(`'${s}' is not a semver value`);
  return { major: Number(m[1]), minor: Number(m[2]), micro: Number(m[3]) };
}

/** The version in a server's INFO; undefined without an INFO, or when it is not x.y.z. */
export function serverVersion(info: { version?: unknown } | undefined): SemVer | undefined {
  if (info === undefined) return undefined;
  try {
    return parseSemVer(String(info.version));
  } catch {
    return undefined;
  }
}

/** -1, 0 or 1 as `a` is older than, the same as, or newer than `b`. */
export function compare(a: SemVer, b: SemVer): number {
  const d = a.major - b.major || a.minor - b.minor || a.micro - b.micro;
  return d < 0 ? -1 : d > 0 ? 1 : 0;
}

/** Feature names, the values of @nats-io/nats-core 3.4's `Feature`. */
export const Feature = /* @__PURE__ */ Object.freeze({
  JS_KV: "js_kv",
  JS_OBJECTSTORE: "js_objectstore",
  JS_PULL_MAX_BYTES: "js_pull_max_bytes",
  JS_NEW_CONSUMER_CREATE_API: "js_new_consumer_create",
  JS_ALLOW_DIRECT: "js_allow_direct",
  JS_MULTIPLE_CONSUMER_FILTER: "js_multiple_consumer_filter",
  JS_SIMPLIFICATION: "js_simplification",
  JS_STREAM_CONSUMER_METADATA: "js_stream_consumer_metadata",
  JS_CONSUMER_FILTER_SUBJECTS: "js_consumer_filter_subjects",
  JS_STREAM_FIRST_SEQ: "js_stream_first_seq",
  JS_STREAM_SUBJECT_TRANSFORM: "js_stream_subject_transform",
  JS_STREAM_SOURCE_SUBJECT_TRANSFORM: "js_stream_source_subject_transform",
  JS_STREAM_COMPRESSION: "js_stream_compression",
  JS_DEFAULT_CONSUMER_LIMITS: "js_default_consumer_limits",
  JS_BATCH_DIRECT_GET: "js_batch_direct_get",
  JS_PRIORITY_GROUPS: "js_priority_groups",
  JS_CONSUMER_RESET: "js_consumer_reset",
} as const);
export type Feature = typeof Feature[keyof typeof Feature];

/**
 * The first server version with each feature (nats-server release notes, as
 * nats-core 3.4 lists them), by `Feature` value: literal keys, so a bundle
 * that never names a `Feature` leaves that object out.
 */
const MIN_VERSION: Readonly<Record<Feature, string>> = {
  js_kv: "2.6.2",
  js_objectstore: "2.6.3",
  js_pull_max_bytes: "2.8.3",
  js_new_consumer_create: "2.9.0",
  js_allow_direct: "2.9.0",
  js_multiple_consumer_filter: "2.10.0",
  js_simplification: "2.9.4",
  js_stream_consumer_metadata: "2.10.0",
  js_consumer_filter_subjects: "2.10.0",
  js_stream_first_seq: "2.10.0",
  js_stream_subject_transform: "2.10.0",
  js_stream_source_subject_transform: "2.10.0",
  js_stream_compression: "2.10.0",
  js_default_consumer_limits: "2.10.0",
  js_batch_direct_get: "2.11.0",
  js_priority_groups: "2.11.0",
  js_consumer_reset: "2.14.0",
};

/** Whether a feature is available, and the version that brought it. */
export interface FeatureVersion {
  ok: boolean;
  min: string;
}

/** What the connected server's version supports; see `Feature`. */
export class Features {
  server: SemVer;
  private readonly features = new Map<string, FeatureVersion>();
  private readonly disabled: string[] = [];

  constructor(v: SemVer | string) {
    this.server = typeof v === "string" ? parseSemVer(v) : v;
    this.update(this.server);
  }

  /** Recomputes every flag for server version `v`. */
  update(v: SemVer | string): void {
    this.server = typeof v === "string" ? parseSemVer(v) : v;
    this.features.clear();
    for (const f in MIN_VERSION) {
      if (!this.disabled.includes(f)) this.set(f, MIN_VERSION[f as Feature]);
    }
  }

  /** Registers a feature that needs server version `requires` or newer. */
  set(f: string, requires: string): void {
    this.features.set(f, { min: requires, ok: compare(this.server, parseSemVer(requires)) >= 0 });
  }

  /** The feature's flag; `{ ok: false, min: "unknown" }` for a name not known (or disabled). */
  get(f: string): FeatureVersion {
    return this.features.get(f) ?? { min: "unknown", ok: false };
  }

  /** true when the server has the feature */
  supports(f: string): boolean {
    return this.get(f).ok;
  }

  /** true when the server is version `v` or newer */
  require(v: SemVer | string): boolean {
    return compare(this.server, typeof v === "string" ? parseSemVer(v) : v) >= 0;
  }

  /** Turns a feature off (tests of fallbacks for older servers). */
  disable(f: string): void {
    this.disabled.push(f);
    this.update(this.server);
  }

  isDisabled(f: string): boolean {
    return this.disabled.includes(f);
  }

  /** Turns every disabled feature back on. */
  resetDisabled(): void {
    this.disabled.length = 0;
    this.update(this.server);
  }
}
