// The trainer/verifier node (`npx verihive trainer`): command line, configuration, logs, persistence, trainer.
//   cli.ts                 the `verihive` command (bin entry): turns on Node's compile cache, then commands.ts
//   bundle.ts              commands.ts and the peers as one esbuild bundle, used while it matches the sources
//   commands.ts            the trainer and verifier commands, each loading only its own peer; Ctrl-C stops cleanly
//   config-checks.ts       checks of single values (URL, address, shard, stake, multiaddr, …)
//   config-options.ts      every setting (flag, variable, file key, default) and the help texts built from them
//   config.ts              flags, environment variables and the JSON config file, validated into one typed
//                          config (flag > env > file > default); ConfigError lists every problem
//   log.ts                 JSON lines (non-terminal) or short human lines (terminal)
//   persistence-common.ts  shared errors, limits and atomic-write helpers of the three stores below
//   journal.ts             the fsync'ed JSON-lines write-ahead journal (re-exports the other two stores)
//   blob-store.ts          content-addressed blobs, atomic writes, hash-checked reads
//   state-file.ts          small JSON state files replaced atomically
//   trainer/               the trainer peer: round loop, chain views, update exchange
export * from "./config.ts";
export * from "./journal.ts";
