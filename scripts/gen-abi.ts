// Writes lib/chain/abi.ts (typed viem bindings) from the compiled artifacts.
// Run after `hardhat build`; test/chain/abi.test.ts fails when the committed file is stale.
import { writeFileSync } from "node:fs";
import { renderAbiModule } from "../lib/chain/render-abi.ts";

const out = new URL("../lib/chain/abi.ts", import.meta.url);
writeFileSync(out, renderAbiModule());
console.log(`wrote ${out.pathname}`);
