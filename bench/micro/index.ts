/**
 * `npm run bench -- --micro`: the parser and encoder microbenchmarks, one
 * after the other; with `--baseline REF`, the publish and delivery paths
 * against that build's too (hot-paths.ts).
 */
import os from "node:os";
import { encoderBench } from "./encoder.js";
import { hotPathsBench } from "./hot-paths.js";
import { parserBench } from "./parser.js";

export async function runMicro(quick: boolean, baseline?: { entry: string; label: string }): Promise<void> {
  const o = { warmup: 3, iterations: quick ? 5 : 15 };
  console.log(`Node ${process.version}, ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores; median of ${o.iterations} iterations after ${o.warmup} warm-up\n`);
  console.log(parserBench(o));
  console.log();
  console.log(encoderBench(o));
  if (baseline) {
    console.log();
    console.log(await hotPathsBench(baseline.entry, baseline.label, quick));
  }
}
