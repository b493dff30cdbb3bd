/**
 * Command-line parsing on top of `node:util` `parseArgs`: flag tables that
 * carry their own help text, typed accessors for counts, durations and sizes,
 * and the help pages.
 */
import { parseArgs } from "node:util";
import { UsageError } from "./errors.js";

/** One flag: a `parseArgs` option plus what `--help` shows. */
export interface Flag {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** placeholder shown in help, e.g. `N`, `DURATION` */
  arg?: string;
  help: string;
}
export type Flags = Record<string, Flag>;

/** Parsed flag values, by long name. */
export type Values = Record<string, string | boolean | string[] | undefined>;

/** What a command looks like from the outside. */
export interface CommandSpec {
  /** `pub`, or `server info` for a subcommand */
  name: string;
  /** one line for the command list */
  summary: string;
  /** arguments after the flags, e.g. `SUBJECT [BODY]` */
  usage: string;
  /** the lines of `--help`'s paragraphs (an empty line between paragraphs) */
  description: string[];
  /** how many positional arguments it takes */
  args: { min: number; max: number };
  flags: Flags;
  /** `[comment, command line]` pairs for `--help` */
  examples: Array<[string, string]>;
}

/** Flags every command takes besides the connection flags. */
export const COMMON_FLAGS: Flags = {
  help: { type: "boolean", short: "h", help: "Show this help" },
  debug: { type: "boolean", help: "Print the protocol trace (secrets redacted) and error details to stderr" },
};

/** `parseArgs` options from flag tables (help texts stripped). */
export function parseArgsOptions(...tables: Flags[]): Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> {
  const out: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const t of tables) {
    for (const [name, f] of Object.entries(t)) {
      const prev = out[name];
      if (prev && (prev.type !== f.type || prev.short !== f.short || Boolean(prev.multiple) !== Boolean(f.multiple))) {
        // a programming error: the pre-scan of main.ts needs one meaning per flag
        throw new Error(`flag --${name} is declared twice with different types`);
      }
      out[name] = { type: f.type };
      if (f.short) out[name].short = f.short;
      if (f.multiple) out[name].multiple = true;
    }
  }
  return out;
}

/** `--name` as the user would type it, with its short form if it has one (parseArgs names it only in its message). */
function flagName(message: string): string {
  const m = /'(-{1,2}[^' ]+)/.exec(message);
  return m ? m[1] : "";
}

/** The declared type of the flag named in a parseArgs message (`'-s, --server <value>'`, `'--help'`). */
function flagType(message: string, tables: Flags[]): Flag["type"] | undefined {
  const long = /--([^'\s,<]+)/.exec(message)?.[1];
  if (long === undefined) return undefined;
  for (const t of tables) if (t[long]) return t[long].type;
  return undefined;
}

/**
 * Parses `args` strictly against the flag tables. Errors become UsageErrors
 * that name the flag but never echo a value (it could be a password).
 */
export function parseStrict(command: string, args: string[], ...tables: Flags[]): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: parseArgsOptions(...tables),
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Values, positionals };
  } catch (err) {
    const e = err as Error & { code?: string };
    const flag = flagName(e.message);
    switch (e.code) {
      case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
        throw new UsageError(`unknown flag ${flag}`, command);
      case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
        if (flagType(e.message, tables) === "boolean") {
          throw new UsageError(`flag ${flag} does not take a value`, command);
        }
        throw new UsageError(`flag ${flag} needs a value`, command);
      case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
        throw new UsageError("too many arguments", command);
      default:
        throw new UsageError(e.message, command);
    }
  }
}

// ---- typed values ----------------------------------------------------------

export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

export function bool(values: Values, name: string): boolean {
  return values[name] === true;
}

export function list(values: Values, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
}

/** An integer flag: `--count 5`. */
export function int(command: string, values: Values, name: string, def: number, min = 0): number {
  const v = str(values, name);
  if (v === undefined) return def;
  const t = v.replace(/_/g, "");
  if (!/^\d+$/.test(t) || !Number.isSafeInteger(Number(t)) || Number(t) < min) {
    throw new UsageError(`--${name} must be an integer >= ${min}, got '${v}'`, command);
  }
  return Number(t);
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  "μs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * A Go duration (`500ms`, `2s`, `1m30s`, `1.5h`) in milliseconds. A bare
 * number is refused, as Go does, because `5` could mean 5 ms or 5 s.
 */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (t === "0") return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while (pos < t.length) {
    re.lastIndex = pos;
    m = re.exec(t);
    if (m === null) return undefined;
    total += Number(m[1]) * DURATION_UNITS[m[2]];
    pos = re.lastIndex;
  }
  return pos === 0 ? undefined : total;
}

/** A duration flag: `--sleep 100ms`. */
export function duration(command: string, values: Values, name: string, def: number): number {
  const v = str(values, name);
  if (v === undefined) return def;
  const ms = parseDuration(v);
  if (ms === undefined) {
    throw new UsageError(`--${name} must be a duration such as 500ms, 2s or 1m, got '${v}'`, command);
  }
  return ms;
}

/** A size flag: `--size 16`, `1KB`, `1MiB` (K and M are powers of 1024, as in `nats bench`). */
export function size(command: string, values: Values, name: string, def: number): number {
  const v = str(values, name);
  if (v === undefined) return def;
  const m = /^(\d+)\s*(b|k|kb|kib|m|mb|mib)?$/i.exec(v.trim());
  if (!m) throw new UsageError(`--${name} must be a size such as 128, 1KB or 1MB, got '${v}'`, command);
  const unit = (m[2] ?? "b").toLowerCase();
  const mult = unit.startsWith("k") ? 1024 : unit.startsWith("m") ? 1024 * 1024 : 1;
  return Number(m[1]) * mult;
}

/** `--header k:v` values as pairs; the key is trimmed, the value keeps inner spaces. */
export function headerPairs(command: string, values: Values): Array<[string, string]> {
  return list(values, "header").map((h) => {
    const i = h.indexOf(":");
    if (i <= 0) throw new UsageError(`--header must be KEY:VALUE, got '${h}'`, command);
    return [h.slice(0, i).trim(), h.slice(i + 1).trim()];
  });
}

// ---- help --------------------------------------------------------------------

function flagLines(flags: Flags): string[] {
  const rows = Object.entries(flags).map(([name, f]) => {
    const short = f.short ? `-${f.short}, ` : "    ";
    const arg = f.type === "string" ? ` ${f.arg ?? "VALUE"}` : "";
    return [`  ${short}--${name}${arg}`, f.help + (f.multiple ? " (repeatable)" : "")];
  });
  const w = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, h]) => l.padEnd(w) + h);
}

/** A command's `--help` page. */
export function commandHelp(spec: CommandSpec, connectionFlags: Flags): string {
  const lines = [
    `Usage: quicknats ${spec.name} [flags]${spec.usage ? ` ${spec.usage}` : ""}`,
    "",
    ...spec.description,
    "",
  ];
  if (Object.keys(spec.flags).length > 0) lines.push("Flags:", ...flagLines(spec.flags), "");
  lines.push("Connection flags:", ...flagLines({ ...connectionFlags, ...COMMON_FLAGS }), "");
  if (spec.examples.length > 0) {
    lines.push("Examples:");
    for (const [comment, cmd] of spec.examples) lines.push(`  # ${comment}`, `  ${cmd}`, "");
  }
  return lines.join("\n");
}

/** The one-line reminder printed after a usage error. */
export function usageLine(spec: CommandSpec): string {
  return `usage: quicknats ${spec.name} [flags]${spec.usage ? ` ${spec.usage}` : ""}\nRun 'quicknats ${spec.name} --help' for flags and examples.`;
}
