import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import hardhatViemAssertions from "@nomicfoundation/hardhat-viem-assertions";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";

const require = createRequire(import.meta.url);

// Another EVM chain: set VERIHIVE_RPC_URL (and VERIHIVE_DEPLOYER_KEY for scripts that send transactions).
const externalRpc = process.env.VERIHIVE_RPC_URL;
const deployerKey = process.env.VERIHIVE_DEPLOYER_KEY;

export default defineConfig({
  plugins: [hardhatViem, hardhatViemAssertions, hardhatNetworkHelpers, hardhatMocha],
  solidity: {
    version: "0.8.30",
    // The solc npm package: no compiler download (the machine may have no internet).
    path: require.resolve("solc/soljson.js"),
    settings: {
      optimizer: { enabled: true, runs: 1 },
      viaIR: true,
      evmVersion: "cancun",
    },
  },
  networks: {
    // `hardhat node --network local` (npm start, end-to-end tests): block times follow the wall clock
    // even when many transactions land in one second, so round deadlines mean the same to every peer.
    local: {
      type: "edr-simulated",
      chainType: "l1",
      allowBlocksWithSameTimestamp: true,
    },
    ...(externalRpc
      ? {
          external: {
            type: "http" as const,
            chainType: "l1" as const,
            url: externalRpc,
            accounts: deployerKey ? [deployerKey] : [],
          },
        }
      : {}),
  },
  paths: {
    tests: { mocha: "test" },
  },
  test: {
    mocha: { timeout: 120_000 },
  },
});
