/** Command line of run.ts. */
import path from "node:path";
import { parseArgs } from "node:util";
import { ALL_CLIENTS, type ClientName, KNOWN_CLIENTS } from "../clients/types.js";

export interface Options {
  quick: boolean;
  rounds: number;
  only: string[] | undefined;
  json: string;
  clients: ClientName[];
  micro: boolean;
  /** a git ref whose quicknats runs as the `quicknats-base` contender */
  baseline: string | undefined;
}

export const USAGE = `usage: npm run bench -- [options]
  --quick                 smaller counts and 2 rounds (one to two minutes)
  --rounds N              rounds per client and scenario (default 3, quick 2)
  --only a,b              scenarios to run (ids: see the table or README)
  --clients a,b           ${KNOWN_CLIENTS.join(",")}
                          (default: ${ALL_CLIENTS.join(",")})
  --baseline REF          also run quicknats built from git REF (a branch, tag or commit),
                          as the client quicknats-base, and compare the quicknats row with it
  --json FILE             where to write raw numbers (default bench/results/latest.json)
  --micro                 run the parser and encoder microbenchmarks instead`;

export function parseOptions(argv: string[], defaultJson: string): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      rounds: { type: "string" },
      only: { type: "string" },
      json: { type: "string" },
      clients: { type: "string" },
      micro: { type: "boolean", default: false },
      baseline: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const rounds = values.rounds === undefined ? (values.quick ? 2 : 3) : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) throw new Error(`--rounds: want 1..100, got ${values.rounds}`);
  const list = (s: string | undefined): string[] | undefined =>
    s === undefined ? undefined : s.split(",").map((x) => x.trim()).filter(Boolean);
  const clients = (list(values.clients) ?? [...ALL_CLIENTS]) as ClientName[];
  for (const c of clients) {
    if (!KNOWN_CLIENTS.includes(c)) throw new Error(`--clients: unknown client ${c}; known: ${KNOWN_CLIENTS.join(", ")}`);
  }
  const baseline = values.baseline?.trim() || undefined;
  if (baseline !== undefined && !clients.includes("quicknats-base")) clients.push("quicknats-base");
  if (baseline === undefined && clients.includes("quicknats-base")) throw new Error("--clients quicknats-base needs --baseline <git-ref>");
  return {
    quick: values.quick ?? false,
    rounds,
    only: list(values.only),
    // npm runs workspace scripts in bench/; a relative --json is taken from where npm was started
    json: values.json ? path.resolve(process.env.INIT_CWD ?? process.cwd(), values.json) : defaultJson,
    clients,
    micro: values.micro ?? false,
    baseline,
  };
}
