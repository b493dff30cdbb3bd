/** Facts about the machine and the contenders, recorded with every run. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

export interface MachineFacts {
  date: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  natsServer: string;
  /** load average when the run started: other work on the machine makes numbers noisy */
  loadAverage: number[];
  versions: Record<string, string>;
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m) return m[1].trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? "unknown";
}

function serverVersion(bin: string): string {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 10_000 });
  return /v?\d+\.\d+\.\d+\S*/.exec(`${r.stdout}${r.stderr}`)?.[0] ?? "unknown";
}

/** The installed version of a package, found by walking up from its entry point. */
function packageVersion(name: string): string {
  const require = createRequire(import.meta.url);
  try {
    let dir = path.dirname(require.resolve(name));
    for (let i = 0; i < 6; i++) {
      try {
        const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
        if (pkg.name === name) return pkg.version ?? "unknown";
      } catch {
        // no package.json here
      }
      dir = path.dirname(dir);
    }
  } catch {
    // not installed
  }
  return "not installed";
}

export function machineFacts(natsServerBin: string): MachineFacts {
  return {
    date: new Date().toISOString(),
    cpuModel: cpuModel(),
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    natsServer: serverVersion(natsServerBin),
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    versions: Object.fromEntries(
      ["@quicknats/node", "@nats-io/transport-node", "nats"].map((p) => [p, packageVersion(p)]),
    ),
  };
}
