/** `npm run bench -- --micro`: the parser and encoder microbenchmarks, one after the other. */
import os from "node:os";
import { encoderBench } from "./encoder.js";
import { parserBench } from "./parser.js";

export async function runMicro(quick: boolean): Promise<void> {
  const o = { warmup: 3, iterations: quick ? 5 : 15 };
  console.log(`Node ${process.version}, ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores; median of ${o.iterations} iterations after ${o.warmup} warm-up\n`);
  console.log(parserBench(o));
  console.log();
  console.log(encoderBench(o));
}
