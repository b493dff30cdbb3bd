/**
 * quicknats command-line tool: `main(argv)` parses the command line, runs one
 * command and resolves to the process exit code (see ExitCode); it prints
 * errors itself and never throws.
 */
import { parseArgs } from "node:util";
import { VERSION as LIB_VERSION } from "@quicknats/node";
import { COMMON_FLAGS, commandHelp, type Flags, parseArgsOptions, parseStrict, usageLine } from "./args.js";
import { bench } from "./commands/bench.js";
import { pub } from "./commands/pub.js";
import { reply } from "./commands/reply.js";
import { req } from "./commands/req.js";
import { rtt } from "./commands/rtt.js";
import { serverInfo } from "./commands/server.js";
import { sub } from "./commands/sub.js";
import { CONNECTION_FLAGS, connectionSettings } from "./connection.js";
import { CliError, describeError, ExitCode, UsageError } from "./errors.js";
import type { Command } from "./command.js";
import { VERSION } from "./version.js";

export { ExitCode } from "./errors.js";
export { VERSION } from "./version.js";

export const COMMANDS: Command[] = [pub, sub, req, reply, bench, rtt, serverInfo];

/** Command groups: `server` holds `server info`. */
const GROUPS: Record<string, string> = { server: "Inspect the server" };

const TOP_FLAGS: Flags = {
  version: { type: "boolean", help: "Print the version" },
};

function mainHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    "quicknats: the NATS command-line tool of the quicknats client",
    "",
    "Usage: quicknats COMMAND [flags] [args]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}${c.summary}`),
    "",
    "Every command takes the connection flags (--server/-s, --user, --password, --token,",
    "--creds, --nkey, --tlsca, --tlscert, --tlskey, --tlsfirst, --timeout, --name) and --debug.",
    "The default server is $NATS_URL, else 127.0.0.1:4222.",
    "",
    "Exit codes:",
    "  0 success                 4 no responders",
    "  1 other error             5 timeout",
    "  2 bad command line        6 not supported",
    "  3 connection failed       7 authorization or permission denied",
    "",
    "Run 'quicknats COMMAND --help' for a command's flags and examples.",
    "",
  ].join("\n");
}

function groupHelp(group: string): string {
  const cmds = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
  return [
    `Usage: quicknats ${group} SUBCOMMAND [flags]`,
    "",
    `${GROUPS[group]}. Subcommands:`,
    ...cmds.map((c) => `  ${c.name.padEnd(14)}${c.summary}`),
    "",
  ].join("\n");
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

function unknownCommand(name: string): UsageError {
  const names = [...COMMANDS.map((c) => c.name.split(" ")[0]), "help"].filter((n, i, a) => a.indexOf(n) === i);
  const near = names.filter((n) => distance(n, name) <= 2);
  const hint = near.length > 0 ? ` (did you mean ${near.map((n) => `'${n}'`).join(" or ")}?)` : "";
  return new UsageError(`unknown command '${name}'${hint}; commands: ${names.join(", ")}`);
}

/** The command named by positionals, and how many positionals its name took. */
function findCommand(words: string[]): { command?: Command; used: number; group?: string } {
  const first = words[0];
  if (first !== undefined && Object.hasOwn(GROUPS, first)) {
    const cmd = COMMANDS.find((c) => c.name === `${first} ${words[1]}`);
    if (cmd) return { command: cmd, used: 2 };
    return { used: 1, group: first };
  }
  const cmd = COMMANDS.find((c) => c.name === first);
  return { command: cmd, used: cmd ? 1 : 0 };
}

/**
 * Finds the command words wherever they are among the flags
 * (`quicknats -s host pub x` and `quicknats pub -s host x` both work): a
 * lenient pass that knows every flag of every command, so that a flag's value
 * is never taken for the command.
 */
function prescan(argv: string[]): { words: Array<{ value: string; index: number }>; help: boolean; version: boolean } {
  const all = [CONNECTION_FLAGS, COMMON_FLAGS, TOP_FLAGS, ...COMMANDS.map((c) => c.flags)];
  const { values, tokens } = parseArgs({
    args: argv,
    options: parseArgsOptions(...all),
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const words = tokens
    .filter((t): t is Extract<typeof t, { kind: "positional" }> => t.kind === "positional")
    .map((t) => ({ value: t.value, index: t.index }));
  return { words, help: values.help === true, version: values.version === true };
}

async function dispatch(argv: string[]): Promise<number> {
  const { words, help, version } = prescan(argv);
  let names = words.map((w) => w.value);
  if (names[0] === "help") {
    // `quicknats help pub` is `quicknats pub --help`
    names = names.slice(1);
    if (names.length === 0) {
      process.stdout.write(mainHelp());
      return ExitCode.OK;
    }
    const found = findCommand(names);
    if (found.command) process.stdout.write(commandHelp(found.command, CONNECTION_FLAGS));
    else if (found.group) process.stdout.write(groupHelp(found.group));
    else throw unknownCommand(names[0]);
    return ExitCode.OK;
  }
  if (names.length === 0) {
    if (version) {
      process.stdout.write(`quicknats ${VERSION} (@quicknats/node ${LIB_VERSION}, node ${process.version})\n`);
      return ExitCode.OK;
    }
    if (help) {
      process.stdout.write(mainHelp());
      return ExitCode.OK;
    }
    process.stderr.write(mainHelp());
    process.stderr.write("\nquicknats: missing command\n");
    return ExitCode.Usage;
  }
  const found = findCommand(names);
  if (found.group) {
    if (help) {
      process.stdout.write(groupHelp(found.group));
      return ExitCode.OK;
    }
    const sub = names[1];
    process.stderr.write(groupHelp(found.group));
    throw new UsageError(sub === undefined ? `'${found.group}' needs a subcommand` : `unknown subcommand '${found.group} ${sub}'`);
  }
  const command = found.command;
  if (!command) throw unknownCommand(names[0]);
  if (help) {
    process.stdout.write(commandHelp(command, CONNECTION_FLAGS));
    return ExitCode.OK;
  }
  // the command's words out, the rest parsed strictly against its own flags
  const drop = new Set(words.slice(0, found.used).map((w) => w.index));
  const rest = argv.filter((_, i) => !drop.has(i));
  const { values, positionals } = parseStrict(command.name, rest, CONNECTION_FLAGS, COMMON_FLAGS, command.flags);
  if (positionals.length < command.args.min) {
    throw new UsageError(`missing ${command.usage.split(" ")[positionals.length].replace(/[[\]]/g, "")}`, command.name);
  }
  if (positionals.length > command.args.max) {
    throw new UsageError(`unexpected argument '${positionals[command.args.max]}'`, command.name);
  }
  const conn = connectionSettings(command.name, values);
  return await command.run({ values, args: positionals, conn });
}

function report(err: CliError, debug: boolean): number {
  process.stderr.write(`quicknats: ${err.message}\n`);
  if (err instanceof UsageError) {
    const spec = COMMANDS.find((c) => c.name === err.command);
    if (spec) process.stderr.write(`${usageLine(spec)}\n`);
    else if (err.command === undefined) process.stderr.write("Run 'quicknats --help' for the commands.\n");
  }
  if (debug) {
    let cause: unknown = err.cause;
    while (cause instanceof Error) {
      process.stderr.write(`caused by: ${cause.stack ?? cause.message}\n`);
      cause = cause.cause;
    }
  }
  return err.exitCode;
}

/** Runs the command line `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  // `quicknats sub x | head -1`: a closed stdout ends the program quietly
  const onStdoutError = (err: NodeJS.ErrnoException): void => {
    if (err.code === "EPIPE") process.exit(ExitCode.OK);
  };
  process.stdout.on("error", onStdoutError);
  try {
    return await dispatch(argv);
  } catch (err) {
    return report(describeError(err), debug);
  } finally {
    process.stdout.off("error", onStdoutError);
  }
}
