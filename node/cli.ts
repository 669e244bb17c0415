#!/usr/bin/env node
// verihive: the command line of a Verihive peer.
//   verihive trainer [flags]   stake, join a shard of a run, train and exchange updates (verihive trainer --help)
//   verihive verifier [flags]  stake, take a verifier seat, audit, sit on juries (verihive verifier --help)
// This entry only turns on Node's compile cache and hands over to node/commands.ts (bundled: node/bundle.ts).
import nodeModule from "node:module";

// Node keeps each module's compiled code, TypeScript already stripped, on disk (NODE_COMPILE_CACHE, else
// <tmpdir>/node-compile-cache), so every start after the first skips most of a peer's module loading: about
// 0.2 s of CPU (docs/BENCHMARKS.md). It must run before those modules load, hence the dynamic import below.
// It never throws, entries are checked against their sources, and NODE_DISABLE_COMPILE_CACHE=1 turns it off.
// Node 22.0 lacks it (22.1 added it), hence the lookup instead of a named import, which would fail to link.
(nodeModule.enableCompileCache as typeof nodeModule.enableCompileCache | undefined)?.();

// The commands as one bundle when it is up to date with the sources (built first when it is not): about
// 0.4 s less CPU per start (node/bundle.ts). The sources are the fallback, and load the same code.
const { ensureBundle } = await import("./bundle.ts");
const bundle = await ensureBundle();
type Commands = typeof import("./commands.ts");
const bundled = bundle
  ? await (import(bundle) as Promise<Commands>).catch((e: unknown) => {
      process.stderr.write(`verihive: the bundled code did not load (${String(e)}); loading the sources (VERIHIVE_NO_BUNDLE=1 skips the bundle)\n`);
      return undefined;
    })
  : undefined;
const { main, VerihiveError } = bundled ?? (await import("./commands.ts"));
main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    const err = e as Error;
    // Typed errors carry a sentence a user can act on; anything else is a bug worth its stack.
    process.stderr.write(`verihive: ${err instanceof VerihiveError ? err.message : (err.stack ?? String(err))}\n`);
    process.exit(1);
  },
);
