// Gas of every move of a whole game, both sides, for `npm run bench:gas`: the one-op fraud in a gate step and in
// an expert step at the default batch size (64), each disputed to the wrong element of the first matrix
// product (the largest one-step check of the model). gameTotal is the dearer game's sum, challenge included.
// update.*: the three moves of the update game on a sign-flipped update; manifest.*: the two moves a challenge of
// an unserved trajectory adds before the step game.
import { disputedUpdate, endsOf, tensorChunk, updateWriter } from "../../lib/protocol/game.ts";
import { ANY_SEGMENT } from "../../lib/protocol/game-engine.ts";
import { programTree } from "../../lib/protocol/program-commit.ts";
import { stateShapes } from "../../lib/protocol/step-trace.ts";
import { stateArrays } from "../../lib/protocol/trajectory.ts";
import { computeRound, CONFIG, gameRunOpen, replayOf } from "./game-scenario.ts";
import { GamePlay } from "./game-play.ts";
import { viem } from "./fixture.ts";

export async function measureGameGas(batchSize = 64): Promise<Record<string, number>> {
  const publicClient = await viem.getPublicClient();
  const f = await gameRunOpen(batchSize);
  const { seed } = f;
  const report: Record<string, number> = {};
  let total = 0;
  for (const [index, shard, verifier] of [[0, 0, 0], [2, 1, 1]] as const) {
    const account = f.trainers[index]!.account;
    const round = computeRound(f, 0n, seed, account.address, shard, true);
    await f.coordinator.write.commit([f.runId, 0n, round.claim.root, round.claim.updateHash, round.claim.samples], { account });
    const v = f.verifiers[verifier]!.account;
    const id = (await f.game.read.gameCount()) + 1n;
    const hash = await f.game.write.challenge([f.runId, 0n, round.trainer, round.claim, 0], { account: v });
    const challengeGas = Number((await publicClient.waitForTransactionReceipt({ hash })).gasUsed);
    const play = new GamePlay(f, id, 0, { round, account: round.trainer }, { round: replayOf(round, 0), account: v.address });
    const outcome = await play.play();
    if (!outcome.trainerLost) throw new Error("the fraud was not slashed");
    const name = shard === 0 ? "gate" : "expert";
    const moves = { challenge: challengeGas, ...play.gas };
    for (const [move, gas] of Object.entries(moves)) report[`game.${name}.${move}`] = gas;
    total = Math.max(total, Object.values(moves).reduce((a, b) => a + b, 0));
  }
  // The update game on a sign-flipped update (trainer 1, the gate), at its first wrong element.
  {
    const account = f.trainers[1]!.account;
    const round = computeRound(f, 0n, seed, account.address, 0, false, true);
    await f.coordinator.write.commit([f.runId, 0n, round.claim.root, round.claim.updateHash, round.claim.samples], { account });
    const shapes = stateShapes("gate", CONFIG.spec);
    const s0 = stateArrays(round.states[0]!);
    const sH = stateArrays(round.states.at(-1)!);
    const pick = disputedUpdate(s0, sH, round.update, shapes)!;
    const programs = programTree(batchSize, CONFIG);
    const w = updateWriter(programs, 0, pick.tensor);
    const v = f.verifiers[2]!.account;
    const id = (await f.game.read.gameCount()) + 1n;
    const gasOf = async (hash: Promise<`0x${string}`>) => Number((await publicClient.waitForTransactionReceipt({ hash: await hash })).gasUsed);
    report["update.challengeUpdate"] = await gasOf(f.game.write.challengeUpdate([f.runId, 0n, round.trainer, round.claim, pick.tensor, pick.chunk, w.header, w.headerProof, w.leaf, w.proof], { account: v }));
    const chunks = [s0, sH, round.update].map((a) => tensorChunk(a, shapes, pick.tensor, pick.chunk));
    report["update.openUpdate"] = await gasOf(f.game.write.openUpdate([id, endsOf(round.checkpointRoots, round.tree), chunks[0]!, chunks[1]!, chunks[2]!], { account: round.trainer }));
    report["update.checkUpdate"] = await gasOf(f.game.write.checkUpdate([id, chunks[0]!.data, chunks[1]!.data, chunks[2]!.data, BigInt(pick.i), BigInt(pick.j)], { account: v }));
    if ((await f.game.read.gameOf([id])).phase !== 9) throw new Error("the update game did not end");
  }
  // A trajectory not served (a challenge of ANY_SEGMENT): the manifest the trainer posts (segments + 1 roots, a
  // proof per leaf; 2 segments here) and the segment the challenger picks, before the step game goes on.
  {
    const account = f.trainers[3]!.account;
    const round = computeRound(f, 0n, seed, account.address, 1, true);
    await f.coordinator.write.commit([f.runId, 0n, round.claim.root, round.claim.updateHash, round.claim.samples], { account });
    const v = f.verifiers[3]!.account;
    const id = (await f.game.read.gameCount()) + 1n;
    const gasOf = async (hash: Promise<`0x${string}`>) => Number((await publicClient.waitForTransactionReceipt({ hash: await hash })).gasUsed);
    report["manifest.challenge"] = await gasOf(f.game.write.challenge([f.runId, 0n, round.trainer, round.claim, ANY_SEGMENT], { account: v }));
    const proofs = round.checkpointRoots.slice(0, -1).map((_, j) => round.tree.proof(j));
    report["manifest.postManifest"] = await gasOf(f.game.write.postManifest([id, round.checkpointRoots, proofs], { account: round.trainer }));
    report["manifest.pickSegment"] = await gasOf(f.game.write.pickSegment([id, 0], { account: v }));
  }
  report.gameTotal = total;
  report.gameMoves = 9;
  return report;
}
