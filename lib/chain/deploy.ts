import type { Abi, Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import { runCoordinatorAbi, stakeTokenAbi, stakingAbi } from "./abi.ts";
import { readArtifact } from "./render-abi.ts";

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
  deployer: Address;
  blockNumber: bigint;
}

type Wallet = WalletClient<Transport, Chain | undefined, Account>;

async function deploy(wallet: Wallet, client: PublicClient, name: string, abi: Abi, args: unknown[]): Promise<Address> {
  const { bytecode } = readArtifact(name);
  const hash = await wallet.deployContract({ abi, bytecode: bytecode as Hex, args, account: wallet.account, chain: wallet.chain });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress) throw new Error(`deploying ${name} failed in ${hash}`);
  return receipt.contractAddress;
}

/** Deploys the staking vault and the coordinator (and a stake token unless one is given), one transaction at a time. */
export async function deployVerihive(wallet: Wallet, client: PublicClient, opts: DeployOptions): Promise<Deployment> {
  const deployer = wallet.account.address;
  const token =
    opts.token ??
    (await deploy(wallet, client, "StakeToken.sol/StakeToken", stakeTokenAbi as Abi, [deployer, opts.initialSupply ?? 10n ** 27n]));
  const staking = await deploy(wallet, client, "Staking.sol/Staking", stakingAbi as Abi, [token, opts.unbondingPeriod]);
  const coordinator = await deploy(wallet, client, "RunCoordinator.sol/RunCoordinator", runCoordinatorAbi as Abi, [staking]);
  const hash = await wallet.writeContract({
    address: staking,
    abi: stakingAbi,
    functionName: "setCoordinator",
    args: [coordinator],
    account: wallet.account,
    chain: wallet.chain,
  });
  const receipt = await client.waitForTransactionReceipt({ hash });
  return { chainId: await client.getChainId(), token, staking, coordinator, deployer, blockNumber: receipt.blockNumber };
}
