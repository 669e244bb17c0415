// Runs before `npm install`: Hardhat 3 needs Node >= 22, and under an older npm its native EDR
// package is silently skipped, which later fails with an obscure error. Say so in one sentence instead.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  console.error(
    `Verihive needs Node >= 22 to install (found ${process.versions.node}); on an older system Node run: npx -y -p node@24 npm ci`,
  );
  process.exit(1);
}
