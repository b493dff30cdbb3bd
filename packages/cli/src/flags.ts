/**
 * The flags several commands take, each spelled once (type, short name,
 * placeholder); each command says in `help` what the flag means for it.
 */
import type { Flag } from "./args.js";

export const sharedFlag = {
  /** `--count N` */
  count: (help: string): Flag => ({ type: "string", arg: "N", help }),
  /** `--queue GROUP` */
  queue: (help: string): Flag => ({ type: "string", arg: "GROUP", help }),
  /** `-H, --header KEY:VALUE`, repeatable */
  header: (help: string): Flag => ({ type: "string", short: "H", multiple: true, arg: "KEY:VALUE", help }),
  /** `-q, --quiet` */
  quiet: (help: string): Flag => ({ type: "boolean", short: "q", help }),
  /** `-r, --raw` */
  raw: (help: string): Flag => ({ type: "boolean", short: "r", help }),
  /** `--json` */
  json: (help: string): Flag => ({ type: "boolean", help }),
};
