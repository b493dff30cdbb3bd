// The core's layers import one way: a file may import at run time only from
// its own layer or a lower one (type-only imports may go anywhere: they
// leave no trace in the build). The layers, lowest first:
//
//   ground      types.ts errors.ts timers.ts ... (src/*.ts but the entries)
//   protocol/   bytes <-> frames, validation: no I/O
//   auth/       authenticators
//   transport/  byte pipes (the interface and the W3C WebSocket)
//   connection/ the engine: dial, handshake, writer, reconnect, heartbeat
//   api/        NatsConnection, subscriptions, messages, headers, requests;
//   diagnostics/ its events, at the same level (it builds headers, the API emits)
//   compat/     helpers @nats-io/transport-node also exports, at the same level
//   entries     mod.ts exports.ts internal.ts compat.ts wsconnect.ts
//
// And the core imports nothing from `node:`, and no file but the parser
// passes 500 lines (one concept per file, issue 13).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));
/** The most lines a source file may have; the parser, one state machine, may pass it. */
const MAX_LINES = 500;
const ENTRIES = new Set(["mod.ts", "exports.ts", "internal.ts", "compat.ts", "wsconnect.ts"]);
const LAYERS = ["ground", "protocol", "auth", "transport", "connection", "api", "entries"] as const;
type Layer = typeof LAYERS[number];

/** Folders that share a layer with another. */
const SAME_LAYER: Record<string, Layer> = { diagnostics: "api", compat: "api" };

function layerOf(rel: string): Layer {
  const parts = rel.split("/");
  if (parts.length === 1) return ENTRIES.has(rel) ? "entries" : "ground";
  const dir = (SAME_LAYER[parts[0]!] ?? parts[0]) as Layer;
  assert.ok(LAYERS.includes(dir), `${rel}: a folder with no layer (add it to this test and the README)`);
  return dir;
}

function sources(dir = SRC): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(full));
    else if (e.name.endsWith(".ts")) out.push(path.relative(SRC, full).split(path.sep).join("/"));
  }
  return out.sort();
}

interface Import {
  from: string;
  typeOnly: boolean;
}

/** The import and re-export statements of a file (`import x from`, `export {..} from`, side-effect imports). */
function importsOf(text: string): Import[] {
  const out: Import[] = [];
  const re = /^(import|export)\s+(type\s+)?([^;]*?)\s*from\s*["']([^"']+)["']|^import\s+["']([^"']+)["']/gms;
  for (const m of text.matchAll(re)) {
    if (m[5] !== undefined) {
      out.push({ from: m[5], typeOnly: false });
      continue;
    }
    const clause = m[3] ?? "";
    // `import { type A, type B } from` is type-only too
    const braces = /^\{([^}]*)\}$/s.exec(clause.trim());
    const allTypes = braces !== null &&
      braces[1].split(",").map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith("type "));
    out.push({ from: m[4], typeOnly: m[2] !== undefined || allTypes });
  }
  return out;
}

describe("layers of packages/core/src", () => {
  const files = sources();

  it("finds the sources and their imports", () => {
    assert.ok(files.length > 30, `${files.length} files`);
    const engine = importsOf(readFileSync(path.join(SRC, "connection/protocol-engine.ts"), "utf8"));
    assert.ok(engine.some((i) => i.from === "../errors.js" && !i.typeOnly));
    assert.ok(engine.some((i) => i.from === "../types.js" && i.typeOnly));
  });

  it("no file imports at run time from a higher layer", () => {
    const upward: string[] = [];
    for (const rel of files) {
      const from = layerOf(rel);
      for (const imp of importsOf(readFileSync(path.join(SRC, rel), "utf8"))) {
        if (imp.typeOnly || !imp.from.startsWith(".")) continue;
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), imp.from)).replace(/\.js$/, ".ts");
        const to = layerOf(target);
        if (LAYERS.indexOf(to) > LAYERS.indexOf(from)) upward.push(`${rel} (${from}) imports ${target} (${to})`);
      }
    }
    assert.deepEqual(upward, [], `upward runtime imports:\n${upward.join("\n")}`);
  });

  it("nothing is imported from node:", () => {
    const bad: string[] = [];
    for (const rel of files) {
      for (const imp of importsOf(readFileSync(path.join(SRC, rel), "utf8"))) {
        if (imp.from.startsWith("node:")) bad.push(`${rel}: ${imp.from}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it("no file but the parser passes 500 lines (one concept per file)", () => {
    const long = files
      .filter((rel) => rel !== "protocol/parser.ts")
      .map((rel) => ({ rel, lines: readFileSync(path.join(SRC, rel), "utf8").split("\n").length - 1 }))
      .filter((f) => f.lines > MAX_LINES)
      .map((f) => `${f.rel}: ${f.lines} lines`);
    assert.deepEqual(long, [], `split these by concept:\n${long.join("\n")}`);
  });

  it("the check sees an upward import (a fixture)", () => {
    const imps = importsOf(`import { NatsConnectionImpl } from "../api/connection.js";\nimport type { X } from "../api/x.js";\nimport { type Y } from "../api/y.js";\n`);
    assert.deepEqual(imps, [
      { from: "../api/connection.js", typeOnly: false },
      { from: "../api/x.js", typeOnly: true },
      { from: "../api/y.js", typeOnly: true },
    ]);
  });
});
