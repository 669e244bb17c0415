import type { Address, Hash, Hex, PublicClient } from "viem";
import { runCoordinatorAbi, stakeTokenAbi, stakingAbi } from "../lib/chain/abi.ts";
import { ChainError, describeChainError, type Wallet } from "../lib/chain/index.ts";
import type { CommitStatus } from "../lib/core/spec.ts";
import { backoffDelay } from "./retry.ts";

/** Tries of a transaction whose sending failed without a revert (RPC unreachable). */
const SEND_ATTEMPTS = 3;

// The verifier's chain actions: the views it reads and the transactions it sends (openAudits, attest,
// challenge, reportUnavailable, drawJury, commitVote, revealVote, resolve, proveEquivocation, claim).
// Transactions from one account go out one at a time (a local chain refuses a nonce gap), each waits for
// its receipt, and a revert becomes a ChainError whose context names the contract's custom error, so a
// caller can tell a lost race (RoundAlreadyOpen, DisputePhaseInvalid, …) from a real failure.

export interface Leaf {
  segment: number;
  startHash: Hex;
  endHash: Hex;
}

export interface Claim {
  root: Hex;
  updateHash: Hex;
  samples: bigint;
}

export interface SignedClaim {
  shard: number;
  root: Hex;
  updateHash: Hex;
  signature: Hex;
}

/** The contract's custom error behind a ChainError (undefined for other failures). */
export function errorNameOf(e: unknown): string | undefined {
  return e instanceof ChainError ? (e.context.errorName as string | undefined) : undefined;
}

export class VerifierChain {
  readonly client: PublicClient;
  readonly wallet: Wallet;
  readonly coordinator: Address;
  readonly runId: bigint;
  readonly me: Address;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(client: PublicClient, wallet: Wallet, coordinator: Address, runId: bigint) {
    this.client = client;
    this.wallet = wallet;
    this.coordinator = coordinator;
    this.runId = runId;
    this.me = wallet.account.address;
  }

  // ---- views ----

  async auditOf(round: bigint, trainer: Address): Promise<{ audited: boolean; segment: number; verifier: Address }> {
    const [audited, segment, verifier] = await this.client.readContract({ address: this.coordinator, abi: runCoordinatorAbi, functionName: "auditOf", args: [this.runId, round, trainer] });
    return { audited, segment, verifier };
  }

  /** Whether this account is the assigned auditor of the commitment now. */
  /** Whether this verifier audits the commitment, its segment, and whether anyone does (`audited`). */
  async assignedToMe(round: bigint, trainer: Address): Promise<{ mine: boolean; segment: number; audited: boolean }> {
    const a = await this.auditOf(round, trainer);
    return { mine: a.audited && a.verifier.toLowerCase() === this.me.toLowerCase(), segment: a.segment, audited: a.audited };
  }

  async statusOf(round: bigint, trainer: Address): Promise<CommitStatus> {
    return (await this.client.readContract({ address: this.coordinator, abi: runCoordinatorAbi, functionName: "statusOf", args: [this.runId, round, trainer] })) as CommitStatus;
  }

  roundOf(round: bigint) {
    return this.client.readContract({ address: this.coordinator, abi: runCoordinatorAbi, functionName: "roundOf", args: [this.runId, round] });
  }

  disputeOf(disputeId: bigint) {
    return this.client.readContract({ address: this.coordinator, abi: runCoordinatorAbi, functionName: "disputeOf", args: [disputeId] });
  }

  voteOf(disputeId: bigint, juror: Address = this.me): Promise<number> {
    return this.client.readContract({ address: this.coordinator, abi: runCoordinatorAbi, functionName: "voteOf", args: [disputeId, juror] });
  }

  earningsOf(account: Address = this.me) {
    return this.client.readContract({ address: this.coordinator, abi: runCoordinatorAbi, functionName: "earningsOf", args: [this.runId, account] });
  }

  participantOf(account: Address) {
    return this.client.readContract({ address: this.coordinator, abi: runCoordinatorAbi, functionName: "participantOf", args: [this.runId, account] });
  }

  async token(): Promise<Address> {
    const staking = await this.client.readContract({ address: this.coordinator, abi: runCoordinatorAbi, functionName: "staking" });
    return this.client.readContract({ address: staking, abi: stakingAbi, functionName: "token" });
  }

  // ---- transactions ----

  openAudits(round: bigint): Promise<Hash> {
    return this.#send(`opening the audits of round ${round}`, () =>
      this.wallet.writeContract({ address: this.coordinator, abi: runCoordinatorAbi, functionName: "openAudits", args: [this.runId, round] }),
    );
  }

  /** Attests with the attention digest (lib/protocol/attention.ts), the value only the audit's replay yields. */
  attest(round: bigint, trainer: Address, digest: Hex): Promise<Hash> {
    return this.#send(`attesting ${trainer} in round ${round}`, () =>
      this.wallet.writeContract({ address: this.coordinator, abi: runCoordinatorAbi, functionName: "attest", args: [this.runId, round, trainer, digest] }),
    );
  }

  /** Opens a fraud dispute (the bond is approved first if needed); resolves with the dispute id. */
  challenge(round: bigint, trainer: Address, claim: Claim, leaf: Leaf, proof: readonly Hex[], bond: bigint): Promise<{ hash: Hash; disputeId: bigint }> {
    return this.#oneDisputeAtATime(async () => {
      await this.ensureBond(bond);
      const hash = await this.#send(`challenging ${trainer} in round ${round} (segment ${leaf.segment})`, () =>
        this.wallet.writeContract({ address: this.coordinator, abi: runCoordinatorAbi, functionName: "challenge", args: [this.runId, round, trainer, claim, leaf, [...proof]] }),
      );
      return { hash, disputeId: await this.#disputeIdOf(hash) };
    });
  }

  /** Reports the assigned segment unserved (the bond is approved first if needed); resolves with the dispute id. */
  reportUnavailable(round: bigint, trainer: Address, segment: number, bond: bigint): Promise<{ hash: Hash; disputeId: bigint }> {
    return this.#oneDisputeAtATime(async () => {
      await this.ensureBond(bond);
      const hash = await this.#send(`reporting ${trainer} unavailable in round ${round}`, () =>
        this.wallet.writeContract({ address: this.coordinator, abi: runCoordinatorAbi, functionName: "reportUnavailable", args: [this.runId, round, trainer, segment] }),
      );
      return { hash, disputeId: await this.#disputeIdOf(hash) };
    });
  }

  /** Runs `open` (a transaction that takes a challenge bond, on any contract) after approving the bond, one at a time. */
  withBond<T>(bond: bigint, open: () => Promise<T>): Promise<T> {
    return this.#oneDisputeAtATime(async () => {
      await this.ensureBond(bond);
      return open();
    });
  }

  /** Audits run concurrently; each bond approval must be spent before the next is read, or two share one. */
  #disputeQueue: Promise<unknown> = Promise.resolve();
  #oneDisputeAtATime<T>(f: () => Promise<T>): Promise<T> {
    const next = this.#disputeQueue.then(f, f);
    this.#disputeQueue = next.catch(() => undefined);
    return next;
  }

  drawJury(disputeId: bigint): Promise<Hash> {
    return this.#send(`drawing the jury of dispute ${disputeId}`, () =>
      this.wallet.writeContract({ address: this.coordinator, abi: runCoordinatorAbi, functionName: "drawJury", args: [disputeId] }),
    );
  }

  commitVote(disputeId: bigint, voteHash: Hex): Promise<Hash> {
    return this.#send(`committing a vote on dispute ${disputeId}`, () =>
      this.wallet.writeContract({ address: this.coordinator, abi: runCoordinatorAbi, functionName: "commitVote", args: [disputeId, voteHash] }),
    );
  }

  revealVote(disputeId: bigint, guilty: boolean, salt: Hex): Promise<Hash> {
    return this.#send(`revealing the vote on dispute ${disputeId}`, () =>
      this.wallet.writeContract({ address: this.coordinator, abi: runCoordinatorAbi, functionName: "revealVote", args: [disputeId, guilty, salt] }),
    );
  }

  resolve(disputeId: bigint): Promise<Hash> {
    return this.#send(`resolving dispute ${disputeId}`, () =>
      this.wallet.writeContract({ address: this.coordinator, abi: runCoordinatorAbi, functionName: "resolve", args: [disputeId] }),
    );
  }

  proveEquivocation(round: bigint, announced: SignedClaim, committed: Claim): Promise<Hash> {
    const announcement = { shard: announced.shard, root: announced.root, updateHash: announced.updateHash };
    return this.#send(`proving the equivocation of round ${round}`, () =>
      this.wallet.writeContract({ address: this.coordinator, abi: runCoordinatorAbi, functionName: "proveEquivocation", args: [this.runId, round, announcement, announced.signature, committed] }),
    );
  }

  /** Claims what this account is owed; returns the amount (0 when nothing is owed). */
  async claim(): Promise<bigint> {
    const { owed } = await this.earningsOf();
    if (owed === 0n) return 0n;
    await this.#send("claiming", () => this.wallet.writeContract({ address: this.coordinator, abi: runCoordinatorAbi, functionName: "claim", args: [this.runId] }));
    return owed;
  }

  /** Checks the wallet holds `bond` tokens and lets the coordinator pull them (approving if needed). */
  async ensureBond(bond: bigint): Promise<void> {
    const token = await this.token();
    const balance = await this.client.readContract({ address: token, abi: stakeTokenAbi, functionName: "balanceOf", args: [this.me] });
    if (balance < bond) throw new ChainError(`a dispute needs a bond of ${bond} token units, the wallet holds ${balance}`, { errorName: "BondUnaffordable", bond, balance });
    const allowed = await this.client.readContract({ address: token, abi: stakeTokenAbi, functionName: "allowance", args: [this.me, this.coordinator] });
    if (allowed >= bond) return;
    await this.#send("approving the challenge bond", () => this.wallet.writeContract({ address: token, abi: stakeTokenAbi, functionName: "approve", args: [this.coordinator, bond] }));
  }

  async #disputeIdOf(hash: Hash): Promise<bigint> {
    const receipt = await this.client.getTransactionReceipt({ hash });
    const logs = await this.client.getContractEvents({
      address: this.coordinator,
      abi: runCoordinatorAbi,
      eventName: "DisputeOpened",
      fromBlock: receipt.blockNumber,
      toBlock: receipt.blockNumber,
      strict: true,
    });
    const mine = logs.find((l) => l.transactionHash === hash);
    if (!mine) throw new ChainError(`transaction ${hash} opened no dispute`, { hash });
    return mine.args.disputeId;
  }

  /** Sends one transaction after the previous one settled; throws a ChainError on failure or revert. */
  #send(action: string, write: () => Promise<Hash>): Promise<Hash> {
    const run = async (): Promise<Hash> => {
      let hash: Hash;
      for (let attempt = 0; ; attempt++) {
        try {
          hash = await write();
          break;
        } catch (e) {
          // A revert is final; a transport failure before the transaction went out is tried twice more.
          const err = describeChainError(e, action);
          if (err.context.errorName !== undefined || attempt >= SEND_ATTEMPTS - 1) throw err;
          await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt)));
        }
      }
      const receipt = await this.client.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new ChainError(`${action}: transaction ${hash} reverted`, { hash });
      return hash;
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}
