// Shared deployment fixtures for the contract tests: a token, the staking vault, the coordinator,
// funded and approved accounts, and a run with trainers and verifiers seated.
import { network } from "hardhat";
import { keccak256, stringToHex, type Address, type Hex } from "viem";
import {
  defaultRunSpec,
  leafHash,
  MerkleTree,
  roundLeaves,
  roundSchedule,
  type Claim,
  type RunSpec,
  type TrajectoryLeaf,
  VerificationMode,
} from "../../lib/core/index.ts";

export const connection = await network.getOrCreate();
export const { viem, networkHelpers } = connection;
export const TOKEN = 10n ** 18n;
export const UNBONDING = 30n * 86_400n;
export const FUNDS = 10_000n * TOKEN;

/** Spec for contract tests: 2 shards x 2 trainers, 4 segments, every commitment audited. */
export function testSpec(startTime: bigint, overrides: Partial<RunSpec> = {}): RunSpec {
  return defaultRunSpec(startTime, {
    rounds: 5,
    shards: 2,
    maxTrainersPerShard: 2,
    maxVerifiers: 4,
    localSteps: 16,
    checkpointInterval: 4,
    batchSize: 8,
    auditRateBps: 10_000,
    jurySize: 3,
    // Juries decide only tolerance-mode runs (exact mode disputes by game only: gameSpec in game-scenario.ts).
    mode: VerificationMode.Tolerance,
    toleranceMicros: 50_000,
    slashBps: 5000, // half, so tests can see what is left of a slashed stake
    minTrainerStake: 100n * TOKEN,
    ...overrides,
  });
}

export async function deployCore() {
  const wallets = await viem.getWalletClients();
  const [owner] = wallets;
  if (!owner) throw new Error("no accounts");
  const publicClient = await viem.getPublicClient();
  const token = await viem.deployContract("StakeToken", [owner.account.address, 1_000_000_000n * TOKEN]);
  const staking = await viem.deployContract("Staking", [token.address, UNBONDING]);
  const rules = await viem.deployContract("RunSpecRules");
  const signatures = await viem.deployContract("AnnouncementSignature");
  const prover = await viem.deployContract("OneStepProver");
  const game = await viem.deployContract("DisputeGame", [prover.address]);
  const coordinator = await viem.deployContract("RunCoordinator", [staking.address, game.address], { libraries: { RunSpecRules: rules.address, AnnouncementSignature: signatures.address } });
  await game.write.bind([coordinator.address]);
  await staking.write.setCoordinator([coordinator.address]);
  const others = wallets.slice(1, 14);
  for (const w of others) {
    await token.write.transfer([w.account.address, FUNDS]);
    await token.write.approve([staking.address, FUNDS], { account: w.account });
    await token.write.approve([coordinator.address, FUNDS], { account: w.account });
  }
  await token.write.approve([coordinator.address, 1_000_000_000n * TOKEN]);
  const trainers = others.slice(0, 4); // t0, t1 in shard 0; t2, t3 in shard 1
  const verifiers = others.slice(4, 8);
  const outsider = others[8]!;
  const spare = others.slice(9);
  return { wallets, owner, publicClient, token, staking, coordinator, game, prover, rules, trainers, verifiers, outsider, spare };
}

export type Core = Awaited<ReturnType<typeof deployCore>>;

/** Creates a run starting 60 s from now with `testSpec` and returns its id and spec. */
export async function createRun(core: Core, overrides: Partial<RunSpec> = {}) {
  // After a snapshot revert the next block's time jumps by the wall time that passed: mine first so
  // `latest()` is the time createRun will see.
  await networkHelpers.mine();
  const now = BigInt(await networkHelpers.time.latest());
  const spec = testSpec(now + 60n, overrides);
  const runId = (await core.coordinator.read.runCount()) + 1n;
  await core.coordinator.write.createRun([spec]);
  return { runId, spec };
}

/** Core + a run with 4 trainers (2 per shard) and 4 verifiers seated, all staked at the minimum. */
export async function deployWithRun() {
  return seatRun(await deployCore());
}

/** Creates a run starting 60 s from now and seats 4 trainers and 4 verifiers in it. */
export async function seatRun(core: Core, overrides: Partial<RunSpec> = {}) {
  const { runId, spec } = await createRun(core, overrides);
  for (const [i, t] of core.trainers.entries()) {
    await core.staking.write.stake([spec.minTrainerStake], { account: t.account });
    await core.coordinator.write.joinAsTrainer([runId, i < 2 ? 0 : 1], { account: t.account });
  }
  for (const v of core.verifiers) {
    await core.staking.write.stake([spec.minVerifierStake], { account: v.account });
    await core.coordinator.write.joinAsVerifier([runId], { account: v.account });
  }
  return { ...core, runId, spec };
}

export type RunFixture = Awaited<ReturnType<typeof deployWithRun>>;

/** A deterministic fake trajectory: checkpoint hashes derived from `label`, its tree and claim. */
export function trajectory(runId: bigint, shard: number, round: bigint, spec: RunSpec, label: string) {
  const segments = spec.localSteps / spec.checkpointInterval;
  const hashes: Hex[] = [];
  for (let j = 0; j <= segments; j++) hashes.push(keccak256(stringToHex(`${label}/${round}/${j}`)));
  const leaves: TrajectoryLeaf[] = roundLeaves({ runId, shard, round }, hashes);
  const tree = MerkleTree.fromLeafHashes(leaves.map(leafHash));
  const claim: Claim = {
    root: tree.root,
    updateHash: keccak256(stringToHex(`${label}/${round}/update`)),
    samples: BigInt(spec.localSteps * spec.batchSize),
  };
  const leafArg = (j: number) => {
    const l = leaves[j]!;
    return { segment: l.segment, startHash: l.startHash, endHash: l.endHash };
  };
  return { hashes, leaves, tree, claim, leafArg, proof: (j: number) => tree.proof(j) };
}

export async function timeTo(t: bigint) {
  const now = BigInt(await networkHelpers.time.latest());
  if (t > now) await networkHelpers.time.increaseTo(t);
}

export function schedule(spec: RunSpec, round: bigint) {
  return roundSchedule(spec, round);
}

/** Opens `round` (moving time to its start) and commits for the given trainers; returns their trajectories. */
export async function openAndCommit(f: RunFixture, round: bigint, who: { index: number; label?: string }[]) {
  await timeTo(schedule(f.spec, round).opensAt);
  const rs = await f.coordinator.read.roundOf([f.runId, round]);
  if (rs.seed === `0x${"0".repeat(64)}`) await f.coordinator.write.openRound([f.runId, round]);
  const out: ReturnType<typeof trajectory>[] = [];
  for (const { index, label } of who) {
    const t = f.trainers[index]!;
    const tr = trajectory(f.runId, index < 2 ? 0 : 1, round, f.spec, label ?? `t${index}`);
    await f.coordinator.write.commit([f.runId, round, tr.claim.root, tr.claim.updateHash, tr.claim.samples], {
      account: t.account,
    });
    out.push(tr);
  }
  return out;
}

/** Moves past the commit deadline and opens audits. */
export async function openAudits(f: RunFixture, round: bigint) {
  await timeTo(schedule(f.spec, round).commitDeadline);
  await f.coordinator.write.openAudits([f.runId, round]);
}

/** The wallet of the verifier assigned to audit `trainer` (throws when none). */
export async function assignedVerifier(f: RunFixture, round: bigint, trainer: Address) {
  const [audited, segment, verifier] = await f.coordinator.read.auditOf([f.runId, round, trainer]);
  const w = f.verifiers.find((v) => v.account.address.toLowerCase() === verifier.toLowerCase());
  if (!audited || !w) throw new Error("commitment not audited");
  return { wallet: w, segment };
}

export function voteHash(disputeId: bigint, juror: Address, guilty: boolean, salt: Hex): Hex {
  return keccak256(
    `0x${disputeId.toString(16).padStart(64, "0")}${juror.slice(2).toLowerCase().padStart(64, "0")}${(guilty ? 1 : 0)
      .toString(16)
      .padStart(64, "0")}${salt.slice(2)}` as Hex,
  );
}

// ---- helpers for the behaviour tests (staking, token, runs, disputes) ----

/** Largest uint64: the open end of `finalize` and `reclaimPool` windows. */
export const MAX_UINT64 = 2n ** 64n - 1n;
/** A nonzero attention digest for tests that do not play an accusation (attest refuses zero). */
export const ATTEST_DIGEST = `0x${"ab".repeat(32)}` as const;

/** Like `deployWithRun`, with spec overrides: core + a run with 4 trainers and 4 verifiers seated. */
export async function deployWithRunSpec(overrides: Partial<RunSpec>) {
  return seatRun(await deployCore(), overrides);
}

/** The fixture wallet that owns `address` (throws when none does). */
export function walletOf(core: Core, address: Address) {
  const w = core.wallets.find((x) => x.account.address.toLowerCase() === address.toLowerCase());
  if (!w) throw new Error(`no wallet for ${address}`);
  return w;
}

/**
 * Commits `round` for trainer `index` and has verifier `challenger` dispute segment `segment` with a valid
 * proof (the dispute opens during the commit window). Returns the dispute id and the trajectory.
 */
export async function openFraudDispute(
  f: RunFixture,
  { index = 0, round = 0n, challenger = 0, segment = 0 }: { index?: number; round?: bigint; challenger?: number; segment?: number } = {},
) {
  const [tr] = await openAndCommit(f, round, [{ index }]);
  const disputeId = (await f.coordinator.read.disputeCount()) + 1n;
  await f.coordinator.write.challenge(
    [f.runId, round, f.trainers[index]!.account.address, tr!.claim, tr!.leafArg(segment), tr!.proof(segment)],
    { account: f.verifiers[challenger]!.account },
  );
  return { disputeId, tr: tr!, trainer: f.trainers[index]!, challenger: f.verifiers[challenger]! };
}

/** The drawn jurors of a dispute as fixture wallets, in jury order. */
export async function juryOf(f: RunFixture, disputeId: bigint) {
  const d = await f.coordinator.read.disputeOf([disputeId]);
  return d.jurors.map((j) => walletOf(f, j));
}

/** A juror's ballot: a vote to commit and reveal, one committed but never revealed, or none at all. */
export type Ballot = boolean | "unrevealed" | "absent";

/** Jurors commit (salted) votes, then reveal them (after the commit deadline when some did not commit). */
export async function castVotes(f: RunFixture, disputeId: bigint, ballots: readonly Ballot[]) {
  const jurors = await juryOf(f, disputeId);
  const salt = (i: number) => keccak256(stringToHex(`salt/${disputeId}/${i}`));
  for (const [i, b] of ballots.entries()) {
    if (b === "absent") continue;
    const j = jurors[i]!;
    await f.coordinator.write.commitVote([disputeId, voteHash(disputeId, j.account.address, b === true, salt(i))], {
      account: j.account,
    });
  }
  const committed = ballots.filter((b) => b !== "absent").length;
  if (committed < jurors.length) await timeTo((await f.coordinator.read.disputeOf([disputeId])).commitDeadline);
  for (const [i, b] of ballots.entries()) {
    if (typeof b !== "boolean") continue;
    const j = jurors[i]!;
    await f.coordinator.write.revealVote([disputeId, b, salt(i)], { account: j.account });
  }
  return jurors;
}
