import type { Abi, Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import { disputeGameAbi, runCoordinatorAbi, stakeTokenAbi, stakingAbi } from "./abi.ts";
import { readArtifact, type Artifact } from "./render-abi.ts";

export interface DeployOptions {
  /** An existing ERC-20 to stake; when absent a StakeToken is deployed and `initialSupply` minted to the deployer. */
  token?: Address;
  initialSupply?: bigint;
  /** Seconds between requestUnstake and withdraw; must exceed every run's windows. */
  unbondingPeriod: bigint;
}

export interface Deployment {
  chainId: number;
  token: Address;
  staking: Address;
  coordinator: Address;
  /** The dispute game (contracts/DisputeGame.sol) the coordinator settles games of. */
  game: Address;
  deployer: Address;
  blockNumber: bigint;
}

type Wallet = WalletClient<Transport, Chain | undefined, Account>;

/** The artifact's creation code with each linked library's address in place of its placeholder. */
export function linkBytecode(artifact: Artifact, libraries: Readonly<Record<string, Address>>): Hex {
  let code = artifact.bytecode;
  for (const [file, names] of Object.entries(artifact.linkReferences ?? {})) {
    for (const [name, refs] of Object.entries(names)) {
      const address = libraries[name];
      if (!address) throw new Error(`${file}:${name} must be linked`);
      for (const { start, length } of refs) {
        const at = 2 + 2 * start;
        code = code.slice(0, at) + address.slice(2).toLowerCase().padStart(2 * length, "0") + code.slice(at + 2 * length);
      }
    }
  }
  return code as Hex;
}

async function deploy(wallet: Wallet, client: PublicClient, name: string, abi: Abi, args: unknown[], libraries: Record<string, Address> = {}): Promise<Address> {
  const bytecode = linkBytecode(readArtifact(name), libraries);
  const hash = await wallet.deployContract({ abi, bytecode, args, account: wallet.account, chain: wallet.chain });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress) throw new Error(`deploying ${name} failed in ${hash}`);
  return receipt.contractAddress;
}

async function send(wallet: Wallet, client: PublicClient, request: Parameters<Wallet["writeContract"]>[0]): Promise<bigint> {
  const receipt = await client.waitForTransactionReceipt({ hash: await wallet.writeContract(request) });
  if (receipt.status !== "success") throw new Error(`${request.functionName} failed in ${receipt.transactionHash}`);
  return receipt.blockNumber;
}

/**
 * Deploys the staking vault, the dispute game with its one-step prover, and the coordinator (linked with
 * RunSpecRules and AnnouncementSignature), then binds the game and the vault to the coordinator (and deploys a stake token unless one is
 * given), one transaction at a time.
 */
export async function deployVerihive(wallet: Wallet, client: PublicClient, opts: DeployOptions): Promise<Deployment> {
  const deployer = wallet.account.address;
  const token =
    opts.token ??
    (await deploy(wallet, client, "StakeToken.sol/StakeToken", stakeTokenAbi as Abi, [deployer, opts.initialSupply ?? 10n ** 27n]));
  const staking = await deploy(wallet, client, "Staking.sol/Staking", stakingAbi as Abi, [token, opts.unbondingPeriod]);
  const rules = await deploy(wallet, client, "libraries/RunSpecRules.sol/RunSpecRules", [], []);
  const signatures = await deploy(wallet, client, "libraries/AnnouncementSignature.sol/AnnouncementSignature", [], []);
  const prover = await deploy(wallet, client, "OneStepProver.sol/OneStepProver", [], []);
  const game = await deploy(wallet, client, "DisputeGame.sol/DisputeGame", disputeGameAbi as Abi, [prover]);
  const coordinator = await deploy(wallet, client, "RunCoordinator.sol/RunCoordinator", runCoordinatorAbi as Abi, [staking, game], { RunSpecRules: rules, AnnouncementSignature: signatures });
  const account = wallet.account;
  const chain = wallet.chain;
  await send(wallet, client, { address: game, abi: disputeGameAbi, functionName: "bind", args: [coordinator], account, chain });
  const blockNumber = await send(wallet, client, { address: staking, abi: stakingAbi, functionName: "setCoordinator", args: [coordinator], account, chain });
  return { chainId: await client.getChainId(), token, staking, coordinator, game, deployer, blockNumber };
}
