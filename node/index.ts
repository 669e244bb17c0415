// The trainer/verifier node (`npx verihive trainer|verifier`): its configuration and local persistence.
//   config.ts   flags, environment variables and the JSON config file, validated into one typed config
//               (precedence flag > env > file > default); ConfigError lists every problem; help texts
//   journal.ts  crash-safe storage in the data directory: the fsync'ed JSON-lines write-ahead journal,
//               the content-addressed blob store (atomic writes, hash-checked reads), atomic JSON state files
export * from "./config.ts";
export * from "./journal.ts";
