/**
 * A browser bundle as the packaging tests measure it: esbuild, the entry and
 * everything it imports, minified ESM for the browser (ES2022), with its size
 * gzipped at level 9 and esbuild's metafile (which module is in it, and how
 * many bytes each left in the output).
 */
import { gzipSync } from "node:zlib";
import { build, type Metafile } from "esbuild";

export interface BrowserBundle {
  /** the minified code */
  code: Uint8Array;
  /** its size gzipped at level 9 */
  gz: number;
  /** the modules bundled, as esbuild names them */
  inputs: string[];
  /** imports left unresolved (none for a self-contained bundle) */
  externals: string[];
  /** the output's modules with the bytes each contributes */
  modules: Metafile["outputs"][string]["inputs"];
}

/** Bundles `entry`; `nodePaths` are searched for bare imports as NODE_PATH would be. */
export async function browserBundle(entry: string, nodePaths: string[] = []): Promise<BrowserBundle> {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    minify: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    metafile: true,
    logLevel: "silent",
    nodePaths,
  });
  const code = r.outputFiles[0]!.contents;
  const output = Object.values(r.metafile.outputs)[0]!;
  return {
    code,
    gz: gzipSync(code, { level: 9 }).length,
    inputs: Object.keys(r.metafile.inputs),
    externals: output.imports.map((i) => i.path),
    modules: output.inputs,
  };
}
