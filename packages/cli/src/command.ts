/** What a command is: its spec (flags, help) and its `run()`. */
import type { CommandSpec, Values } from "./args.js";
import type { ConnectionSettings } from "./connection.js";

/** One parsed command line, handed to a command's `run()`. */
export interface Invocation {
  values: Values;
  /** positional arguments after the command name */
  args: string[];
  conn: ConnectionSettings;
}

/** A command: its spec and what it does; resolves to the exit code. */
export interface Command extends CommandSpec {
  run(inv: Invocation): Promise<number>;
}
