/**
 * `--baseline <git-ref>`: quicknats as built from another commit, a
 * contender next to the current build in the same run (`quicknats-base`),
 * so a change's cost shows side by side with no other difference.
 *
 * The ref is checked out in a temporary git worktree under os.tmpdir(); its
 * node_modules is a directory of links to this repository's packages, except
 * @quicknats/core and @quicknats/node, which link to the worktree's own;
 * those two are built there with the worktree's build script. `remove()`
 * deletes the worktree (and its registration in the repository).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const BUILD_TIMEOUT_MS = 5 * 60_000;
const OWN = ["core", "node"];

export interface Baseline {
  /** the ref as given, and the commit it names */
  ref: string;
  commit: string;
  /** the ESM entry of the baseline's @quicknats/node */
  entry: string;
  remove(): void;
}

function git(root: string, args: string[]): string {
  return execFileSync("git", ["-C", root, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** Checks out `ref` in a temporary worktree and builds its core and Node packages. */
export function buildBaseline(root: string, ref: string, log: (line: string) => void): Baseline {
  let commit: string;
  try {
    commit = git(root, ["rev-parse", "--verify", "--short", `${ref}^{commit}`]);
  } catch {
    throw new Error(`--baseline: '${ref}' is not a commit of ${root}`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "quicknats-baseline-"));
  const tree = path.join(dir, "tree");
  let added = false;
  const remove = (): void => {
    if (added) {
      try {
        git(root, ["worktree", "remove", "--force", tree]);
      } catch {
        // removed below; prune forgets it
      }
    }
    rmSync(dir, { recursive: true, force: true });
    if (added) {
      try {
        git(root, ["worktree", "prune"]);
      } catch {
        // nothing to prune
      }
    }
  };
  try {
    log(`baseline: checking out ${ref} (${commit}) in ${tree}`);
    git(root, ["worktree", "add", "--detach", tree, commit]);
    added = true;
    linkModules(root, tree);
    for (const pkg of OWN) {
      const pkgDir = path.join(tree, "packages", pkg);
      if (!existsSync(path.join(pkgDir, "package.json"))) throw new Error(`${ref} has no packages/${pkg}`);
      log(`baseline: building packages/${pkg}`);
      execFileSync(process.execPath, [path.join(tree, "scripts/build-package.mjs")], {
        cwd: pkgDir,
        stdio: ["ignore", "ignore", "pipe"],
        timeout: BUILD_TIMEOUT_MS,
      });
    }
    const entry = path.join(tree, "packages/node/dist/esm/mod.js");
    if (!existsSync(entry)) throw new Error(`the build of ${ref} made no ${entry}`);
    return { ref, commit, entry, remove };
  } catch (err) {
    remove();
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`--baseline ${ref}: ${(err as Error).message}${stderr ? `\n${stderr}` : ""}`);
  }
}

/** The worktree's node_modules: this repository's packages, but our own from the worktree. */
function linkModules(root: string, tree: string): void {
  const from = path.join(root, "node_modules");
  const to = path.join(tree, "node_modules");
  mkdirSync(to);
  for (const name of readdirSync(from)) {
    if (name === "@quicknats" || name === ".bin" || name.startsWith(".")) continue;
    symlinkSync(path.join(from, name), path.join(to, name));
  }
  mkdirSync(path.join(to, "@quicknats"));
  for (const pkg of OWN) symlinkSync(path.join(tree, "packages", pkg), path.join(to, "@quicknats", pkg));
}
