/**
 * The child entry point. Starting a child through tsx costs ~0.3 s of
 * compilation, and a run starts a hundred or more children, so child.ts is
 * bundled once with esbuild (the repository's build tool; libraries stay
 * external) and run by plain node. Without esbuild, children go through tsx.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ChildEntry } from "./proc.js";

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export async function childEntry(): Promise<ChildEntry> {
  const src = path.join(benchDir, "child.ts");
  // --expose-gc: the idle-subscription scenario measures heap after a full GC
  // BENCH_PROF=dir: a CPU profile of each child in dir (NODE_OPTIONS may not carry --cpu-prof)
  const prof = process.env.BENCH_PROF;
  const execArgv = ["--expose-gc", ...(prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : [])];
  try {
    const esbuild = await import("esbuild");
    const outfile = path.join(benchDir, ".build", "child.mjs");
    await esbuild.build({
      entryPoints: [src],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      logLevel: "error",
    });
    return { file: outfile, execArgv };
  } catch (err) {
    console.error(`bench: esbuild unavailable (${(err as Error).message}); children start through tsx`);
    return { file: src, execArgv: ["--import", "tsx", ...execArgv] };
  }
}
