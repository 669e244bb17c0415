// Property test: random sequences of actions by several accounts against one run; after every step
// the token accounting and the slashing/crediting rules must hold. Actions that the contracts reject
// are part of the test: a revert must leave every invariant intact too.
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import fc from "fast-check";
import { keccak256, parseEventLogs, stringToHex, type Address, type Hash, type Hex } from "viem";
import { announcementTypedData, CommitStatus, VerificationMode } from "../../lib/core/index.ts";
import { disputeGameAbi, runCoordinatorAbi } from "../../lib/chain/abi.ts";
import { deployCore, seatRun, networkHelpers, schedule, timeTo, trajectory, viem, voteHash, type RunFixture, ATTEST_DIGEST } from "./fixture.ts";

const ZERO32: Hex = `0x${"0".repeat(64)}`;
const GAME_OVER = 9;
const TRAINER_PHASES = new Set([1, 3, 5, 7]); // Steps, Trace, Chunks, Open
const RUNS = Number(process.env.VERIHIVE_PROPERTY_RUNS ?? 1000);
// Fixed by default so CI is reproducible; set VERIHIVE_PROPERTY_SEED to explore other sequences.
const SEED = Number(process.env.VERIHIVE_PROPERTY_SEED ?? 20_261_123);
const ROUNDS = 3;
const PHASES = ["opensAt", "commitDeadline", "auditEnd", "disputeEnd"] as const;

const account = fc.nat({ max: 9 }); // 0-3 trainers, 4-7 verifiers, 8 outsider, 9 unseated spare
const verifierMostly = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 4, max: 7 }) }, { weight: 1, arbitrary: account });
// Rounds are drawn relative to the current one (0: this round, 1: the previous, ...), so actions land in live windows.
const round = fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(2) });
const w = <T,>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
const action = fc.oneof(
  w(12, fc.record({ kind: fc.constant("advance" as const), hops: fc.integer({ min: 1, max: 2 }) })),
  w(3, fc.record({ kind: fc.constant("advanceJury" as const), reveal: fc.boolean() })),
  w(1, fc.record({ kind: fc.constant("openRound" as const), round })),
  w(14, fc.record({ kind: fc.constant("commit" as const), who: fc.nat({ max: 3 }), round })),
  w(2, fc.record({ kind: fc.constant("openAudits" as const), round })),
  w(2, fc.record({ kind: fc.constant("attest" as const), who: fc.nat({ max: 3 }), round })),
  w(5, fc.record({ kind: fc.constant("challenge" as const), by: verifierMostly, who: fc.nat({ max: 3 }), round, segment: fc.nat({ max: 4 }) })),
  w(4, fc.record({ kind: fc.constant("gameChallenge" as const), by: verifierMostly, who: fc.nat({ max: 3 }), round, segment: fc.nat({ max: 4 }) })),
  w(6, fc.record({ kind: fc.constant("gameMove" as const), pick: fc.nat({ max: 3 }), late: fc.boolean() })),
  w(1, fc.record({ kind: fc.constant("reportUnavailable" as const), by: verifierMostly, who: fc.nat({ max: 3 }), round })),
  w(3, fc.record({ kind: fc.constant("drawJury" as const) })),
  w(6, fc.record({ kind: fc.constant("vote" as const), juror: fc.nat({ max: 3 }), guilty: fc.boolean(), reveal: fc.boolean() })),
  w(3, fc.record({ kind: fc.constant("resolve" as const) })),
  w(3, fc.record({ kind: fc.constant("equivocate" as const), who: fc.nat({ max: 3 }), round, honest: fc.boolean() })),
  w(6, fc.record({ kind: fc.constant("finalize" as const), who: fc.nat({ max: 3 }), round })),
  w(2, fc.record({ kind: fc.constant("claim" as const), by: account })),
  w(1, fc.record({ kind: fc.constant("leave" as const), by: account })),
  w(1, fc.record({ kind: fc.constant("join" as const), by: account, shard: fc.nat({ max: 1 }) })),
  w(1, fc.record({ kind: fc.constant("stake" as const), by: account, amount: fc.bigInt({ min: 1n, max: 300n * 10n ** 18n }) })),
  w(1, fc.record({ kind: fc.constant("unstake" as const), by: account, amount: fc.bigInt({ min: 1n, max: 300n * 10n ** 18n }) })),
  w(1, fc.record({ kind: fc.constant("withdraw" as const), by: account })),
);
type Action = typeof action extends fc.Arbitrary<infer A> ? A : never;

class Model {
  readonly slashed = new Set<string>();
  readonly finalized = new Map<string, bigint>(); // key -> samples
  readonly votes = new Map<string, { guilty: boolean; salt: Hex }>();
  /** Games timed out: whether the trainer was the silent party. */
  readonly timeouts = new Map<bigint, boolean>();
  games = 0;
  steps = 0;
  reverts = 0;
}

const key = (round: bigint, trainer: Address) => `${round}/${trainer.toLowerCase()}`;

async function check(f: RunFixture, lens: { read: { totals: (a: readonly [Address, Address, readonly bigint[], readonly Address[]]) => Promise<{
  stakingBalance: bigint; stakedPlusUnbonding: bigint; coordinatorBalance: bigint; pools: bigint; openBonds: bigint; openGames: bigint; owed: bigint; locksAgree: boolean;
}> } }, accounts: Address[], model: Model, trainers: Address[]) {
  const t = await lens.read.totals([f.coordinator.address, f.game.address, [f.runId], accounts]);
  assert.equal(t.stakingBalance, t.stakedPlusUnbonding, "staking balance == sum of stakes and unbonding");
  const gameBonds = t.openGames * f.spec.challengeBond;
  assert.equal(t.coordinatorBalance, t.pools + t.openBonds + gameBonds + t.owed, "coordinator balance == pools + open bonds + owed");
  assert.ok(t.locksAgree, "locked stake agrees with seats and never exceeds stake");
  for (const tr of trainers) {
    let credited = 0n;
    for (let r = 0n; r < BigInt(ROUNDS); r++) {
      const k = key(r, tr);
      const samples = model.finalized.get(k);
      if (samples !== undefined) {
        credited += samples;
        assert.equal(await f.coordinator.read.statusOf([f.runId, r, tr]), CommitStatus.Finalized);
      }
    }
    assert.equal((await f.coordinator.read.earningsOf([f.runId, tr])).credits, credited, "credits only for finalized commitments");
  }
}

async function deployWithLens() {
  const core = await deployCore();
  return { ...core, lens: await viem.deployContract("InvariantLens") };
}

describe("invariants under random action sequences", function () {
  this.timeout(30 * 60_000);

  it(`hold after every step of ${RUNS} sequences`, async () => {
    const base = await networkHelpers.loadFixture(deployWithLens);
    const publicClient = await viem.getPublicClient();
    const chainId = await publicClient.getChainId();
    const wallets = [...base.trainers, ...base.verifiers, base.outsider, base.spare[0]!];
    const accounts = [base.owner.account.address, ...base.wallets.slice(1, 14).map((w) => w.account.address)];
    const trainers = base.trainers.map((w) => w.account.address);
    const totals = { steps: 0, reverts: 0, slashes: 0, finalized: 0, games: 0, juries: 0 };

    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(action, { minLength: 20, maxLength: 60 }), async (exact, actions) => {
        // Chain time is not rewound with the snapshot: each sequence gets a run that starts now. An exact-mode run
        // disputes by games only, a tolerance-mode run by juries only.
        const core = await networkHelpers.loadFixture(deployWithLens);
        const mode = exact ? { mode: VerificationMode.Exact, toleranceMicros: 0 } : {};
        const f = { ...(await seatRun(core, { juryCommitWindow: 900, juryRevealWindow: 900, ...mode })), lens: core.lens };
        const model = new Model();
        const boundaries = Array.from({ length: ROUNDS }, (_, r) => PHASES.map((p) => schedule(f.spec, BigInt(r))[p]))
          .flat()
          .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
        const live = async (back: number) => {
          const now = BigInt(await networkHelpers.time.latest());
          const current = now < f.spec.startTime ? 0n : (now - f.spec.startTime) / BigInt(f.spec.roundLength);
          const r = current - BigInt(back);
          return r < 0n ? 0n : r >= BigInt(ROUNDS) ? BigInt(ROUNDS - 1) : r;
        };
        const trajectories = (who: number, r: bigint) => trajectory(f.runId, who < 2 ? 0 : 1, r, f.spec, `p${who}`);
        const walletOf = (a: Address) => wallets.find((w) => w.account.address.toLowerCase() === a.toLowerCase());

        const send = async (a: Action): Promise<Hash | undefined> => {
          const c = f.coordinator.write;
          const rr = "round" in a ? await live(a.round) : 0n;
          switch (a.kind) {
            case "advance": {
              // To the next phase boundary of any round (time only moves forward).
              const now = BigInt(await networkHelpers.time.latest());
              const next = boundaries.filter((b) => b > now)[a.hops - 1];
              if (next !== undefined) await timeTo(next);
              return undefined;
            }
            case "advanceJury": {
              const id = await f.coordinator.read.disputeCount();
              if (id === 0n) return undefined;
              const d = await f.coordinator.read.disputeOf([id]);
              if (d.juryDrawn) await timeTo(a.reveal ? d.revealDeadline : d.commitDeadline);
              return undefined;
            }
            case "openRound":
              return c.openRound([f.runId, rr]);
            case "commit": {
              const tr = trajectories(a.who, rr);
              // A trainer opens the round itself when nobody has yet.
              if ((await f.coordinator.read.roundOf([f.runId, rr])).seed === ZERO32) {
                await c.openRound([f.runId, rr]).catch(() => undefined);
              }
              return c.commit([f.runId, rr, tr.claim.root, tr.claim.updateHash, tr.claim.samples], {
                account: wallets[a.who]!.account,
              });
            }
            case "openAudits":
              return c.openAudits([f.runId, rr]);
            case "attest": {
              // The assigned verifier opens audits itself when nobody has yet.
              await c.openAudits([f.runId, rr]).catch(() => undefined);
              const [, , v] = await f.coordinator.read.auditOf([f.runId, rr, trainers[a.who]!]);
              const w = walletOf(v) ?? wallets[4]!;
              return c.attest([f.runId, rr, trainers[a.who]!, ATTEST_DIGEST], { account: w.account });
            }
            case "challenge": {
              const tr = trajectories(a.who, rr);
              const seg = Math.min(a.segment, tr.leaves.length - 1);
              return c.challenge([f.runId, rr, trainers[a.who]!, tr.claim, tr.leafArg(seg), tr.proof(seg)], {
                account: wallets[a.by]!.account,
              });
            }
            case "reportUnavailable": {
              // Mostly the assigned verifier for the audited segment (the only report the contract accepts).
              const [, segment, v] = await f.coordinator.read.auditOf([f.runId, rr, trainers[a.who]!]);
              const by = a.by >= 4 && a.by < 8 ? (walletOf(v) ?? wallets[a.by]!) : wallets[a.by]!;
              return c.reportUnavailable([f.runId, rr, trainers[a.who]!, segment], { account: by.account });
            }
            case "gameChallenge": {
              const tr = trajectories(a.who, rr);
              return f.game.write.challenge([f.runId, rr, trainers[a.who]!, tr.claim, a.segment], { account: wallets[a.by]!.account });
            }
            case "gameMove": {
              // The pick-th game still running: its mover plays (the first two moves only: the trajectories are
              // fake, so no trace can be posted) or, late, lets the deadline pass and anyone times it out.
              const count = await f.game.read.gameCount();
              const open: bigint[] = [];
              for (let id = count; id >= 1n; id--) if ((await f.game.read.gameOf([id])).phase !== GAME_OVER) open.push(id);
              const id = open[a.pick % Math.max(open.length, 1)];
              if (id === undefined) return undefined;
              const g = await f.game.read.gameOf([id]);
              if (a.late) {
                await timeTo(g.deadline);
                model.timeouts.set(id, TRAINER_PHASES.has(g.phase));
                return f.game.write.timeout([id], { account: wallets[8]!.account });
              }
              const who = trainers.findIndex((t) => t.toLowerCase() === g.trainer.toLowerCase());
              const tr = trajectories(who, g.round);
              const seg = g.segment;
              const c = f.spec.checkpointInterval;
              const roots = [tr.hashes[seg]!, ...Array.from({ length: c - 1 }, (_, k) => keccak256(stringToHex(`mid/${seg}/${k}`))), tr.hashes[seg + 1] ?? ZERO32];
              if (g.phase === 1) {
                const prev = seg > 0 ? { start: tr.hashes[seg - 1]!, proof: tr.proof(seg - 1) } : { start: ZERO32, proof: [] };
                return f.game.write.postSteps([id, roots, tr.proof(Math.min(seg, tr.leaves.length - 1)), prev.start, prev.proof], { account: walletOf(g.trainer)!.account });
              }
              if (g.phase === 2) return f.game.write.pickStep([id, roots, a.pick % c], { account: walletOf(g.challenger)!.account });
              return undefined;
            }
            case "drawJury":
              return c.drawJury([await f.coordinator.read.disputeCount()]);
            case "vote": {
              const id = await f.coordinator.read.disputeCount();
              if (id === 0n) return undefined;
              const d = await f.coordinator.read.disputeOf([id]);
              const juror = d.jurors[a.juror % Math.max(d.jurors.length, 1)];
              const w = juror ? walletOf(juror) : undefined;
              if (!w) return undefined;
              const vk = `${id}/${w.account.address}`;
              const prior = model.votes.get(vk);
              if (prior) return c.revealVote([id, prior.guilty, prior.salt], { account: w.account });
              const salt = `0x${(model.steps + 1).toString(16).padStart(64, "0")}` as Hex;
              model.votes.set(vk, { guilty: a.guilty, salt });
              return c.commitVote([id, voteHash(id, w.account.address, a.guilty, salt)], { account: w.account });
            }
            case "resolve":
              return c.resolve([await f.coordinator.read.disputeCount()]);
            case "equivocate": {
              const r = rr;
              const tr = trajectories(a.who, r);
              const root = a.honest ? tr.claim.root : (`0x${"99".repeat(32)}` as Hex);
              const shard = a.who < 2 ? 0 : 1;
              const msg = { runId: f.runId, shard, round: r, root, updateHash: tr.claim.updateHash };
              const w = wallets[a.who]!;
              const signature = await w.signTypedData({ account: w.account, ...announcementTypedData(chainId, f.coordinator.address, msg) });
              return c.proveEquivocation([f.runId, r, { shard, root, updateHash: tr.claim.updateHash }, signature, tr.claim], {
                account: wallets[8]!.account,
              });
            }
            case "finalize": {
              const tr = trajectories(a.who, rr);
              return c.finalize([f.runId, rr, trainers[a.who]!, tr.claim]);
            }
            case "claim":
              return c.claim([f.runId], { account: wallets[a.by]!.account });
            case "leave":
              return c.leave([f.runId], { account: wallets[a.by]!.account });
            case "join":
              return a.by >= 4 && a.by < 8
                ? c.joinAsVerifier([f.runId], { account: wallets[a.by]!.account })
                : c.joinAsTrainer([f.runId, a.shard], { account: wallets[a.by]!.account });
            case "stake":
              return f.staking.write.stake([a.amount], { account: wallets[a.by]!.account });
            case "unstake":
              return f.staking.write.requestUnstake([a.amount], { account: wallets[a.by]!.account });
            case "withdraw":
              return f.staking.write.withdraw({ account: wallets[a.by]!.account });
          }
        };

        for (const a of actions) {
          model.steps++;
          let hash: Hash | undefined;
          try {
            hash = await send(a);
          } catch (e) {
            if (process.env.DEBUG_PROP) console.log(a.kind, JSON.stringify(String((e as Error).message)).slice(0, 900));
            model.reverts++; // rejected by the contracts: the invariants below must still hold
          }
          if (hash && process.env.DEBUG_PROP) console.log("ok", a.kind);
          const jury = a.kind === "challenge" || a.kind === "reportUnavailable";
          if (hash && (exact ? jury : a.kind === "gameChallenge")) assert.fail(`${a.kind} accepted in a ${exact ? "exact" : "tolerance"}-mode run`);
          if (hash && jury) totals.juries++;
          if (hash) {
            const receipt = await publicClient.waitForTransactionReceipt({ hash });
            for (const log of parseEventLogs({ abi: disputeGameAbi, logs: receipt.logs })) {
              if (log.eventName !== "GameEnded") continue;
              const expected = model.timeouts.get(log.args.gameId);
              if (expected !== undefined) assert.equal(log.args.trainerLost, expected, `game ${log.args.gameId}: the silent party loses`);
              model.games++;
            }
            for (const log of parseEventLogs({ abi: runCoordinatorAbi, logs: receipt.logs })) {
              if (log.eventName === "TrainerSlashed") {
                const k = key(log.args.round, log.args.trainer);
                assert.ok(!model.slashed.has(k), `commitment ${k} slashed twice`);
                assert.ok(!model.finalized.has(k), `commitment ${k} slashed after being credited`);
                model.slashed.add(k);
              }
              if (log.eventName === "CommitmentFinalized") {
                const k = key(log.args.round, log.args.trainer);
                assert.ok(!model.slashed.has(k), `commitment ${k} credited after being slashed`);
                assert.ok(!model.finalized.has(k), `commitment ${k} credited twice`);
                model.finalized.set(k, log.args.samples);
              }
            }
          }
          await check(f, f.lens, accounts, model, trainers);
        }
        totals.steps += model.steps;
        totals.reverts += model.reverts;
        totals.slashes += model.slashed.size;
        totals.finalized += model.finalized.size;
        totals.games += model.games;
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // The generator must reach the interesting states, or the property says little.
    console.log(
      `      seed ${SEED}: ${totals.steps} steps, ${totals.reverts} rejected, ${totals.slashes} slashes, ${totals.finalized} finalizations, ${totals.games} games ended, ${totals.juries} jury disputes opened`,
    );
    // (Short runs, e.g. VERIHIVE_PROPERTY_RUNS=50 while iterating, may not get there.)
    if (RUNS >= 500) assert.ok(totals.slashes > 0 && totals.finalized > 0 && totals.games > 0 && totals.juries > 0, "sequences reached slashing, finalization, game ends and juries");
  });
});
