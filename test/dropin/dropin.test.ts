// Drop-in means real programs: each program in programs/ is run unchanged on
// the official client (@nats-io/transport-node, a devDependency of the tests)
// and on ours (CLIENT names the module it imports), against the same real
// nats-server, and must print the same and exit 0 on both. They are the
// programs a side-by-side run found breaking after the import switch (README,
// Differences): a loop that awaits drain() on a "stop" message, an iterator
// nobody reads, a handler still working at close(), a flush nobody awaits,
// options and call values from a configuration, helpers imported from the
// transport package, its default import, the server pool sorted in place,
// a server URL with credentials in it, a callback subscription's timeout as a
// watchdog, a handler reading a plain message's reply and headers, an
// authenticator switched off by configuration (`false`), calls with values
// of the wrong type (TypeErrors) and isClosed() right after close().
// Builds nothing: the suite's pretest builds the packages the programs import.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { NatsServer } from "../helpers/nats-server.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PROGRAMS = fileURLToPath(new URL("./programs/", import.meta.url));
/** Bound on one program's run: a program that hangs (a deadlocked drain) fails here. */
const RUN_MS = 20_000;
const CLIENTS = ["@nats-io/transport-node", "@quicknats/node"] as const;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(program: string, client: string, port: number): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [PROGRAMS + program],
      { cwd: ROOT, env: { ...process.env, CLIENT: client, NATS_PORT: String(port) }, timeout: RUN_MS, killSignal: "SIGKILL" },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("the same program on the official client and on quicknats", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start();
  });
  after(() => srv.stop());

  const programs = readdirSync(PROGRAMS).filter((f) => f.endsWith(".mjs")).sort();
  it("has programs to run", () => assert.ok(programs.length >= 6, programs.join(", ")));

  for (const program of programs) {
    it(program, async () => {
      const [official, ours] = [await run(program, CLIENTS[0], srv.port), await run(program, CLIENTS[1], srv.port)];
      assert.equal(official.code, 0, `on the official client: exit ${official.code}\n${official.stdout}${official.stderr}`);
      assert.ok(official.stdout.length > 0, "the program prints what it saw");
      assert.equal(ours.code, 0, `on quicknats: exit ${ours.code} (null: killed after ${RUN_MS} ms)\n${ours.stdout}${ours.stderr}`);
      assert.equal(ours.stdout, official.stdout);
      assert.equal(ours.stderr, "", "quicknats prints nothing on stderr");
    });
  }
});
