import type { Address, PublicClient } from "viem";
import { disputeGameAbi, runCoordinatorAbi, stakeTokenAbi, stakingAbi } from "../../lib/chain/abi.ts";
import type { Wallet } from "../../lib/chain/actions/connect.ts";
import { describeChainError } from "../../lib/chain/errors.ts";
import { roundSchedule, type RunSpec } from "../../lib/core/spec.ts";
import { attentionDigest, attentionIndex } from "../../lib/protocol/attention.ts";
import { stepsMove } from "../../lib/protocol/game.ts";
import type { TrainerRound } from "../../lib/protocol/game-engine.ts";
import type { Journal, JournalRecord } from "../journal.ts";
import type { Logger } from "../log.ts";

// A trainer's check of the attestations of its commitments (docs/PROTOCOL.md 7.3). Each CommitmentAttested of
// this trainer names the audited segment and a digest of the state root before that segment's last step, which
// only a replay yields. The trainer recomputes its own root; when the digest is not keccak(verifier, root), the
// verifier attested without replaying, and the trainer accuses it (DisputeGame.accuse, with its own bond) before
// the round's dispute window ends. The game then goes on like a challenge of those roots, which GameAnswerer
// plays: the verifier must show a wrong step or lose a bond from its stake. Each accusation is journaled before
// it is sent, so a restarted trainer does not send it twice.

export interface AccuserParams {
  client: PublicClient;
  wallet: Wallet;
  coordinator: Address;
  game: Address;
  runId: bigint;
  spec: RunSpec;
  fromBlock: bigint;
  trainer: Address;
  roundOf: (round: bigint) => Promise<TrainerRound | undefined>;
  journal: Journal;
  log: Logger;
}

export class Accuser {
  readonly #p: AccuserParams;
  #scanned: bigint;
  readonly #seen = new Set<string>();

  constructor(p: AccuserParams) {
    this.#p = p;
    this.#scanned = p.fromBlock;
  }

  /** Checks the attestations since the last tick; returns how many it accused. */
  async tick(): Promise<number> {
    const { client, coordinator, runId, trainer } = this.#p;
    const head = await client.getBlockNumber();
    if (head < this.#scanned) return 0;
    const logs = await client.getContractEvents({ address: coordinator, abi: runCoordinatorAbi, eventName: "CommitmentAttested", args: { runId, trainer }, fromBlock: this.#scanned, toBlock: head });
    this.#scanned = head + 1n;
    let sent = 0;
    for (const e of logs) {
      const a = { round: e.args.round!, verifier: e.args.verifier!, segment: Number(e.args.segment!), digest: e.args.digest! };
      if (await this.#check(a)) sent++;
    }
    return sent;
  }

  async #check(a: { round: bigint; verifier: Address; segment: number; digest: `0x${string}` }): Promise<boolean> {
    const { spec, journal, log } = this.#p;
    const key = `${a.round}:${a.verifier.toLowerCase()}`;
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    const done = (r: JournalRecord) => r.round === a.round.toString() && String(r.verifier).toLowerCase() === a.verifier.toLowerCase();
    if (journal.last("accusation", done)) return false;
    if (BigInt(Math.floor(Date.now() / 1000)) >= roundSchedule(spec, a.round).disputeEnd) return false;
    const round = await this.#p.roundOf(a.round);
    if (!round) {
      log.warn("cannot check an attestation: the round's data is gone", { round: a.round, verifier: a.verifier });
      return false;
    }
    const roots = round.stepRoots(a.segment);
    if (attentionDigest(a.verifier, roots[attentionIndex(spec.checkpointInterval)]!).toLowerCase() === a.digest.toLowerCase()) return false;
    log.warn("attestation without the replay's root: accusing its verifier", { round: a.round, verifier: a.verifier, segment: a.segment });
    await journal.append("accusation", { round: a.round.toString(), verifier: a.verifier, segment: a.segment });
    try {
      const tx = await this.#accuse(a, round);
      log.info("accused", { round: a.round, verifier: a.verifier, tx });
      return true;
    } catch (e) {
      const err = describeChainError(e, "accusing a verifier");
      log.warn("accusation failed", { round: a.round, verifier: a.verifier, error: err.context.errorName ?? err.name, reason: err.message });
      return false;
    }
  }

  async #accuse(a: { round: bigint; verifier: Address; segment: number; digest: `0x${string}` }, round: TrainerRound): Promise<`0x${string}`> {
    const { client, wallet, coordinator, game, runId, spec, trainer } = this.#p;
    const [committed] = await client.getContractEvents({ address: coordinator, abi: runCoordinatorAbi, eventName: "RoundCommitted", args: { runId, round: a.round, trainer }, fromBlock: this.#p.fromBlock });
    if (!committed) throw new Error(`no commitment of round ${a.round} on-chain`);
    const claim = { root: committed.args.root!, updateHash: committed.args.updateHash!, samples: committed.args.samples! };
    await this.#approveBond(spec.challengeBond);
    const s = stepsMove(round.checkpointRoots, round.tree, a.segment, round.stepRoots(a.segment));
    const hash = await wallet.writeContract({
      address: game,
      abi: disputeGameAbi,
      functionName: "accuse",
      args: [runId, a.round, a.verifier, a.segment, a.digest, claim, s.roots, s.proof, s.prevStart, s.prevProof],
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`accuse reverted in ${hash}`);
    return hash;
  }

  async #approveBond(bond: bigint): Promise<void> {
    const { client, wallet, coordinator } = this.#p;
    const staking = await client.readContract({ address: coordinator, abi: runCoordinatorAbi, functionName: "staking" });
    const token = await client.readContract({ address: staking, abi: stakingAbi, functionName: "token" });
    const allowed = await client.readContract({ address: token, abi: stakeTokenAbi, functionName: "allowance", args: [wallet.account.address, coordinator] });
    if (allowed >= bond) return;
    const hash = await wallet.writeContract({ address: token, abi: stakeTokenAbi, functionName: "approve", args: [coordinator, bond] });
    await client.waitForTransactionReceipt({ hash });
  }
}
