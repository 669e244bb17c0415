// Behaviour of the Staking vault: staking, unbonding, withdrawal, and the coordinator's lock/unlock/slash.
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { zeroAddress } from "viem";
import { deployCore, FUNDS, networkHelpers, TOKEN, UNBONDING, viem } from "./fixture.ts";

/** The full deployment (file-local so its snapshot is fresh). */
const coreOnly = () => deployCore();

/** A vault whose coordinator is a plain account, so lock/unlock/slash can be called directly. */
async function deployDirect() {
  const [deployer, coordinator, alice, bob] = await viem.getWalletClients();
  if (!deployer || !coordinator || !alice || !bob) throw new Error("need four accounts");
  const token = await viem.deployContract("StakeToken", [deployer.account.address, 1_000_000n * TOKEN]);
  const staking = await viem.deployContract("Staking", [token.address, UNBONDING]);
  for (const w of [alice, bob]) {
    await token.write.transfer([w.account.address, FUNDS]);
    await token.write.approve([staking.address, FUNDS], { account: w.account });
  }
  return { token, staking, deployer, coordinator, alice, bob };
}

/** The direct vault with its coordinator set and 100 tokens staked by alice, 40 of them locked. */
async function deployDirectLocked() {
  const d = await deployDirect();
  await d.staking.write.setCoordinator([d.coordinator.account.address]);
  await d.staking.write.stake([100n * TOKEN], { account: d.alice.account });
  await d.staking.write.lock([d.alice.account.address, 40n * TOKEN], { account: d.coordinator.account });
  return d;
}

async function blockTime(hash: `0x${string}`) {
  const pc = await viem.getPublicClient();
  const receipt = await pc.getTransactionReceipt({ hash });
  return (await pc.getBlock({ blockNumber: receipt.blockNumber })).timestamp;
}

describe("Staking", () => {
  describe("views", () => {
    it("reports the token, the unbonding period and no coordinator before one is set", async () => {
      const { staking, token } = await networkHelpers.loadFixture(deployDirect);
      assert.equal((await staking.read.token()).toLowerCase(), token.address.toLowerCase());
      assert.equal(await staking.read.unbondingPeriod(), UNBONDING);
      assert.equal(await staking.read.coordinator(), zeroAddress);
    });

    it("accountOf is all zero for an account that never staked", async () => {
      const { staking, bob } = await networkHelpers.loadFixture(deployDirect);
      assert.deepEqual(await staking.read.accountOf([bob.account.address]), { staked: 0n, locked: 0n, unbonding: 0n, releaseAt: 0n });
      assert.equal(await staking.read.freeStakeOf([bob.account.address]), 0n);
    });

    it("freeStakeOf excludes locked stake", async () => {
      const { staking, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      assert.equal(await staking.read.freeStakeOf([alice.account.address]), 60n * TOKEN);
    });
  });

  describe("setCoordinator", () => {
    it("lets the deployer set the coordinator and emits CoordinatorSet", async () => {
      const { staking, coordinator } = await networkHelpers.loadFixture(deployDirect);
      await viem.assertions.emitWithArgs(staking.write.setCoordinator([coordinator.account.address]), staking, "CoordinatorSet", [
        coordinator.account.address,
      ]);
      assert.equal((await staking.read.coordinator()).toLowerCase(), coordinator.account.address.toLowerCase());
    });

    it("reverts for a caller that is not the deployer", async () => {
      const { staking, alice } = await networkHelpers.loadFixture(deployDirect);
      await viem.assertions.revertWithCustomErrorWithArgs(
        staking.write.setCoordinator([alice.account.address], { account: alice.account }),
        staking,
        "StakingCoordinatorNotSettable",
        [alice.account.address],
      );
    });

    it("reverts when the coordinator is already set", async () => {
      const { staking, deployer, coordinator, alice } = await networkHelpers.loadFixture(deployDirect);
      await staking.write.setCoordinator([coordinator.account.address]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        staking.write.setCoordinator([alice.account.address]),
        staking,
        "StakingCoordinatorNotSettable",
        [deployer.account.address],
      );
    });
  });

  describe("stake", () => {
    it("adds to the caller's stake and emits Staked", async () => {
      const { staking, alice } = await networkHelpers.loadFixture(deployDirect);
      await viem.assertions.emitWithArgs(staking.write.stake([5n * TOKEN], { account: alice.account }), staking, "Staked", [
        alice.account.address,
        5n * TOKEN,
      ]);
      assert.equal((await staking.read.accountOf([alice.account.address])).staked, 5n * TOKEN);
      assert.equal(await staking.read.freeStakeOf([alice.account.address]), 5n * TOKEN);
    });

    it("pulls the tokens from the caller into the vault", async () => {
      const { staking, token, alice } = await networkHelpers.loadFixture(deployDirect);
      await viem.assertions.emitWithArgs(staking.write.stake([5n * TOKEN], { account: alice.account }), token, "Transfer", [
        alice.account.address,
        staking.address,
        5n * TOKEN,
      ]);
      assert.equal(await token.read.balanceOf([staking.address]), 5n * TOKEN);
      assert.equal(await token.read.balanceOf([alice.account.address]), FUNDS - 5n * TOKEN);
    });

    it("accumulates successive stakes", async () => {
      const { staking, alice } = await networkHelpers.loadFixture(deployDirect);
      await staking.write.stake([5n * TOKEN], { account: alice.account });
      await staking.write.stake([7n * TOKEN], { account: alice.account });
      assert.equal((await staking.read.accountOf([alice.account.address])).staked, 12n * TOKEN);
    });

    it("reverts for a zero amount", async () => {
      const { staking, alice } = await networkHelpers.loadFixture(deployDirect);
      await viem.assertions.revertWithCustomErrorWithArgs(staking.write.stake([0n], { account: alice.account }), staking, "StakingZeroAmount", []);
    });

    it("reverts for an amount that does not fit in 128 bits", async () => {
      const { staking, alice } = await networkHelpers.loadFixture(deployDirect);
      await viem.assertions.revertWithCustomErrorWithArgs(
        staking.write.stake([2n ** 128n], { account: alice.account }),
        staking,
        "StakingAmountTooLarge",
        [2n ** 128n],
      );
    });

    it("reverts without a sufficient token allowance", async () => {
      const { staking, token, alice } = await networkHelpers.loadFixture(deployDirect);
      await viem.assertions.revertWithCustomErrorWithArgs(
        staking.write.stake([FUNDS + 1n], { account: alice.account }),
        token,
        "ERC20InsufficientAllowance",
        [staking.address, FUNDS, FUNDS + 1n],
      );
    });

    it("reverts when the caller's token balance is too low", async () => {
      const { staking, token, alice } = await networkHelpers.loadFixture(deployDirect);
      await token.write.approve([staking.address, FUNDS + 1n], { account: alice.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        staking.write.stake([FUNDS + 1n], { account: alice.account }),
        token,
        "ERC20InsufficientBalance",
        [alice.account.address, FUNDS, FUNDS + 1n],
      );
    });
  });

  describe("requestUnstake", () => {
    it("moves free stake to unbonding until now + the unbonding period and emits UnstakeRequested", async () => {
      const { staking, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      const next = BigInt(await networkHelpers.time.latest()) + 10n;
      await networkHelpers.time.setNextBlockTimestamp(next);
      await viem.assertions.emitWithArgs(
        staking.write.requestUnstake([25n * TOKEN], { account: alice.account }),
        staking,
        "UnstakeRequested",
        [alice.account.address, 25n * TOKEN, next + UNBONDING],
      );
      assert.deepEqual(await staking.read.accountOf([alice.account.address]), {
        staked: 75n * TOKEN,
        locked: 40n * TOKEN,
        unbonding: 25n * TOKEN,
        releaseAt: next + UNBONDING,
      });
      assert.equal(await staking.read.freeStakeOf([alice.account.address]), 35n * TOKEN);
    });

    it("adds to what is unbonding and restarts the clock", async () => {
      const { staking, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      await staking.write.requestUnstake([10n * TOKEN], { account: alice.account });
      await networkHelpers.time.increase(1000);
      const hash = await staking.write.requestUnstake([5n * TOKEN], { account: alice.account });
      const a = await staking.read.accountOf([alice.account.address]);
      assert.equal(a.unbonding, 15n * TOKEN);
      assert.equal(a.releaseAt, (await blockTime(hash)) + UNBONDING);
    });

    it("reverts for a zero amount", async () => {
      const { staking, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      await viem.assertions.revertWithCustomErrorWithArgs(
        staking.write.requestUnstake([0n], { account: alice.account }),
        staking,
        "StakingZeroAmount",
        [],
      );
    });

    it("reverts when the amount exceeds the free (unlocked) stake", async () => {
      const { staking, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      await viem.assertions.revertWithCustomErrorWithArgs(
        staking.write.requestUnstake([60n * TOKEN + 1n], { account: alice.account }),
        staking,
        "StakingInsufficientFree",
        [alice.account.address, 60n * TOKEN + 1n, 60n * TOKEN],
      );
    });
  });

  describe("withdraw", () => {
    it("sends the unbonded tokens back once the period has passed and emits Withdrawn", async () => {
      const { staking, token, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      await staking.write.requestUnstake([25n * TOKEN], { account: alice.account });
      const { releaseAt } = await staking.read.accountOf([alice.account.address]);
      await networkHelpers.time.setNextBlockTimestamp(releaseAt);
      await viem.assertions.emitWithArgs(staking.write.withdraw({ account: alice.account }), staking, "Withdrawn", [
        alice.account.address,
        25n * TOKEN,
      ]);
      assert.equal((await staking.read.accountOf([alice.account.address])).unbonding, 0n);
      assert.equal(await token.read.balanceOf([alice.account.address]), FUNDS - 75n * TOKEN);
    });

    it("transfers the tokens from the vault to the caller", async () => {
      const { staking, token, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      await staking.write.requestUnstake([25n * TOKEN], { account: alice.account });
      await networkHelpers.time.increase(Number(UNBONDING));
      await viem.assertions.emitWithArgs(staking.write.withdraw({ account: alice.account }), token, "Transfer", [
        staking.address,
        alice.account.address,
        25n * TOKEN,
      ]);
    });

    it("reverts when nothing is unbonding", async () => {
      const { staking, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      await viem.assertions.revertWithCustomErrorWithArgs(
        staking.write.withdraw({ account: alice.account }),
        staking,
        "StakingNothingUnbonding",
        [alice.account.address],
      );
    });

    it("reverts one second before the release time", async () => {
      const { staking, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      await staking.write.requestUnstake([25n * TOKEN], { account: alice.account });
      const { releaseAt } = await staking.read.accountOf([alice.account.address]);
      await networkHelpers.time.setNextBlockTimestamp(releaseAt - 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        staking.write.withdraw({ account: alice.account }),
        staking,
        "StakingStillUnbonding",
        [alice.account.address, releaseAt],
      );
    });

    it("reverts on a second withdrawal of the same tokens", async () => {
      const { staking, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      await staking.write.requestUnstake([25n * TOKEN], { account: alice.account });
      await networkHelpers.time.increase(Number(UNBONDING));
      await staking.write.withdraw({ account: alice.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        staking.write.withdraw({ account: alice.account }),
        staking,
        "StakingNothingUnbonding",
        [alice.account.address],
      );
    });
  });

  describe("lock", () => {
    it("locks free stake and emits StakeLocked", async () => {
      const { staking, coordinator, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      await viem.assertions.emitWithArgs(
        staking.write.lock([alice.account.address, 10n * TOKEN], { account: coordinator.account }),
        staking,
        "StakeLocked",
        [alice.account.address, 10n * TOKEN],
      );
      assert.equal((await staking.read.accountOf([alice.account.address])).locked, 50n * TOKEN);
      assert.equal(await staking.read.freeStakeOf([alice.account.address]), 50n * TOKEN);
    });

    it("reverts for a caller that is not the coordinator", async () => {
      const { staking, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      await viem.assertions.revertWithCustomErrorWithArgs(
        staking.write.lock([alice.account.address, 1n], { account: alice.account }),
        staking,
        "StakingNotCoordinator",
        [alice.account.address],
      );
    });

    it("reverts when the amount exceeds the free stake", async () => {
      const { staking, coordinator, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      await viem.assertions.revertWithCustomErrorWithArgs(
        staking.write.lock([alice.account.address, 60n * TOKEN + 1n], { account: coordinator.account }),
        staking,
        "StakingInsufficientFree",
        [alice.account.address, 60n * TOKEN + 1n, 60n * TOKEN],
      );
    });

    it("cannot lock stake that is unbonding", async () => {
      const { staking, coordinator, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      await staking.write.requestUnstake([60n * TOKEN], { account: alice.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        staking.write.lock([alice.account.address, 1n], { account: coordinator.account }),
        staking,
        "StakingInsufficientFree",
        [alice.account.address, 1n, 0n],
      );
    });
  });

  describe("unlock", () => {
    it("releases locked stake and emits StakeUnlocked", async () => {
      const { staking, coordinator, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      await viem.assertions.emitWithArgs(
        staking.write.unlock([alice.account.address, 15n * TOKEN], { account: coordinator.account }),
        staking,
        "StakeUnlocked",
        [alice.account.address, 15n * TOKEN],
      );
      assert.equal((await staking.read.accountOf([alice.account.address])).locked, 25n * TOKEN);
      assert.equal(await staking.read.freeStakeOf([alice.account.address]), 75n * TOKEN);
    });

    it("reverts for a caller that is not the coordinator", async () => {
      const { staking, bob, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      await viem.assertions.revertWithCustomErrorWithArgs(
        staking.write.unlock([alice.account.address, 1n], { account: bob.account }),
        staking,
        "StakingNotCoordinator",
        [bob.account.address],
      );
    });

    it("reverts when the amount exceeds the locked stake", async () => {
      const { staking, coordinator, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      await viem.assertions.revertWithCustomErrorWithArgs(
        staking.write.unlock([alice.account.address, 40n * TOKEN + 1n], { account: coordinator.account }),
        staking,
        "StakingInsufficientLocked",
        [alice.account.address, 40n * TOKEN + 1n, 40n * TOKEN],
      );
    });
  });

  describe("slash", () => {
    it("takes locked stake and emits StakeSlashed with the coordinator as recipient", async () => {
      const { staking, coordinator, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      await viem.assertions.emitWithArgs(
        staking.write.slash([alice.account.address, 30n * TOKEN], { account: coordinator.account }),
        staking,
        "StakeSlashed",
        [alice.account.address, 30n * TOKEN, coordinator.account.address],
      );
      assert.deepEqual(await staking.read.accountOf([alice.account.address]), {
        staked: 70n * TOKEN,
        locked: 10n * TOKEN,
        unbonding: 0n,
        releaseAt: 0n,
      });
    });

    it("sends the slashed tokens to the coordinator", async () => {
      const { staking, token, coordinator, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      await viem.assertions.emitWithArgs(
        staking.write.slash([alice.account.address, 30n * TOKEN], { account: coordinator.account }),
        token,
        "Transfer",
        [staking.address, coordinator.account.address, 30n * TOKEN],
      );
      assert.equal(await token.read.balanceOf([staking.address]), 70n * TOKEN);
    });

    it("leaves the free stake unchanged", async () => {
      const { staking, coordinator, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      await staking.write.slash([alice.account.address, 30n * TOKEN], { account: coordinator.account });
      assert.equal(await staking.read.freeStakeOf([alice.account.address]), 60n * TOKEN);
    });

    it("reverts for a caller that is not the coordinator", async () => {
      const { staking, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      await viem.assertions.revertWithCustomErrorWithArgs(
        staking.write.slash([alice.account.address, 1n], { account: alice.account }),
        staking,
        "StakingNotCoordinator",
        [alice.account.address],
      );
    });

    it("reverts when the amount exceeds the locked stake", async () => {
      const { staking, coordinator, alice } = await networkHelpers.loadFixture(deployDirectLocked);
      await viem.assertions.revertWithCustomErrorWithArgs(
        staking.write.slash([alice.account.address, 40n * TOKEN + 1n], { account: coordinator.account }),
        staking,
        "StakingInsufficientLocked",
        [alice.account.address, 40n * TOKEN + 1n, 40n * TOKEN],
      );
    });
  });

  describe("with the run coordinator", () => {
    it("only the deployed RunCoordinator may lock stake", async () => {
      const { staking, coordinator, owner, trainers } = await networkHelpers.loadFixture(coreOnly);
      assert.equal((await staking.read.coordinator()).toLowerCase(), coordinator.address.toLowerCase());
      await viem.assertions.revertWithCustomErrorWithArgs(
        staking.write.lock([trainers[0]!.account.address, 0n]),
        staking,
        "StakingNotCoordinator",
        [owner.account.address],
      );
    });
  });
});
