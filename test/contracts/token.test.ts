// Behaviour of StakeToken: an OpenZeppelin ERC-20 with an owner who can mint.
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { maxUint256, zeroAddress } from "viem";
import { networkHelpers, viem } from "./fixture.ts";

const TOKEN = 10n ** 18n;
const SUPPLY = 1_000_000n * TOKEN;

async function deployToken() {
  const [owner, alice, bob] = await viem.getWalletClients();
  if (!owner || !alice || !bob) throw new Error("need three accounts");
  const token = await viem.deployContract("StakeToken", [owner.account.address, SUPPLY]);
  return { token, owner, alice, bob };
}

describe("StakeToken", () => {
  describe("deployment", () => {
    it("mints the initial supply to the initial owner", async () => {
      const { token, owner } = await networkHelpers.loadFixture(deployToken);
      assert.equal(await token.read.totalSupply(), SUPPLY);
      assert.equal(await token.read.balanceOf([owner.account.address]), SUPPLY);
    });

    it("names the token Verihive Stake (VHS) with 18 decimals", async () => {
      const { token } = await networkHelpers.loadFixture(deployToken);
      assert.equal(await token.read.name(), "Verihive Stake");
      assert.equal(await token.read.symbol(), "VHS");
      assert.equal(await token.read.decimals(), 18);
    });

    it("makes the initial owner the owner", async () => {
      const { token, owner } = await networkHelpers.loadFixture(deployToken);
      assert.equal((await token.read.owner()).toLowerCase(), owner.account.address.toLowerCase());
    });

    it("emits OwnershipTransferred from zero and Transfer of the supply from zero", async () => {
      const { token, owner } = await networkHelpers.loadFixture(deployToken);
      const events = await token.getEvents.OwnershipTransferred({}, { fromBlock: 0n });
      assert.equal(events.length, 1);
      assert.equal(events[0]!.args.previousOwner, zeroAddress);
      assert.equal(events[0]!.args.newOwner!.toLowerCase(), owner.account.address.toLowerCase());
      const mints = await token.getEvents.Transfer({ from: zeroAddress }, { fromBlock: 0n });
      assert.equal(mints.length, 1);
      assert.equal(mints[0]!.args.value, SUPPLY);
    });

    it("reverts with a zero initial owner", async () => {
      const { token } = await networkHelpers.loadFixture(deployToken);
      await viem.assertions.revertWithCustomErrorWithArgs(
        viem.deployContract("StakeToken", [zeroAddress, SUPPLY]),
        token,
        "OwnableInvalidOwner",
        [zeroAddress],
      );
    });
  });

  describe("mint", () => {
    it("mints to the recipient and emits Transfer from zero", async () => {
      const { token, alice } = await networkHelpers.loadFixture(deployToken);
      await viem.assertions.emitWithArgs(token.write.mint([alice.account.address, 5n * TOKEN]), token, "Transfer", [
        zeroAddress,
        alice.account.address,
        5n * TOKEN,
      ]);
      assert.equal(await token.read.balanceOf([alice.account.address]), 5n * TOKEN);
      assert.equal(await token.read.totalSupply(), SUPPLY + 5n * TOKEN);
    });

    it("reverts for a caller that is not the owner", async () => {
      const { token, alice } = await networkHelpers.loadFixture(deployToken);
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.mint([alice.account.address, 1n], { account: alice.account }),
        token,
        "OwnableUnauthorizedAccount",
        [alice.account.address],
      );
    });

    it("reverts when minting to the zero address", async () => {
      const { token } = await networkHelpers.loadFixture(deployToken);
      await viem.assertions.revertWithCustomErrorWithArgs(token.write.mint([zeroAddress, 1n]), token, "ERC20InvalidReceiver", [
        zeroAddress,
      ]);
    });
  });

  describe("transfer", () => {
    it("moves tokens and emits Transfer", async () => {
      const { token, owner, alice } = await networkHelpers.loadFixture(deployToken);
      await viem.assertions.emitWithArgs(token.write.transfer([alice.account.address, 7n]), token, "Transfer", [
        owner.account.address,
        alice.account.address,
        7n,
      ]);
      assert.equal(await token.read.balanceOf([alice.account.address]), 7n);
      assert.equal(await token.read.balanceOf([owner.account.address]), SUPPLY - 7n);
    });

    it("reverts when the balance is too low", async () => {
      const { token, alice, bob } = await networkHelpers.loadFixture(deployToken);
      await token.write.transfer([alice.account.address, 3n]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.transfer([bob.account.address, 4n], { account: alice.account }),
        token,
        "ERC20InsufficientBalance",
        [alice.account.address, 3n, 4n],
      );
    });

    it("reverts when sending to the zero address", async () => {
      const { token } = await networkHelpers.loadFixture(deployToken);
      await viem.assertions.revertWithCustomErrorWithArgs(token.write.transfer([zeroAddress, 1n]), token, "ERC20InvalidReceiver", [
        zeroAddress,
      ]);
    });
  });

  describe("approve", () => {
    it("sets the allowance and emits Approval", async () => {
      const { token, owner, alice } = await networkHelpers.loadFixture(deployToken);
      await viem.assertions.emitWithArgs(token.write.approve([alice.account.address, 9n]), token, "Approval", [
        owner.account.address,
        alice.account.address,
        9n,
      ]);
      assert.equal(await token.read.allowance([owner.account.address, alice.account.address]), 9n);
    });

    it("reverts for the zero spender", async () => {
      const { token } = await networkHelpers.loadFixture(deployToken);
      await viem.assertions.revertWithCustomErrorWithArgs(token.write.approve([zeroAddress, 1n]), token, "ERC20InvalidSpender", [
        zeroAddress,
      ]);
    });
  });

  describe("transferFrom", () => {
    it("moves tokens within the allowance, spends it and emits Transfer", async () => {
      const { token, owner, alice, bob } = await networkHelpers.loadFixture(deployToken);
      await token.write.approve([alice.account.address, 10n]);
      await viem.assertions.emitWithArgs(
        token.write.transferFrom([owner.account.address, bob.account.address, 6n], { account: alice.account }),
        token,
        "Transfer",
        [owner.account.address, bob.account.address, 6n],
      );
      assert.equal(await token.read.balanceOf([bob.account.address]), 6n);
      assert.equal(await token.read.allowance([owner.account.address, alice.account.address]), 4n);
    });

    it("leaves an unlimited allowance untouched", async () => {
      const { token, owner, alice, bob } = await networkHelpers.loadFixture(deployToken);
      await token.write.approve([alice.account.address, maxUint256]);
      await token.write.transferFrom([owner.account.address, bob.account.address, 6n], { account: alice.account });
      assert.equal(await token.read.allowance([owner.account.address, alice.account.address]), maxUint256);
    });

    it("reverts when the allowance is too low", async () => {
      const { token, owner, alice, bob } = await networkHelpers.loadFixture(deployToken);
      await token.write.approve([alice.account.address, 5n]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.transferFrom([owner.account.address, bob.account.address, 6n], { account: alice.account }),
        token,
        "ERC20InsufficientAllowance",
        [alice.account.address, 5n, 6n],
      );
    });

    it("reverts when the holder's balance is too low", async () => {
      const { token, owner, alice, bob } = await networkHelpers.loadFixture(deployToken);
      await token.write.approve([bob.account.address, 100n], { account: alice.account });
      await token.write.transfer([alice.account.address, 2n], { account: owner.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.transferFrom([alice.account.address, bob.account.address, 3n], { account: bob.account }),
        token,
        "ERC20InsufficientBalance",
        [alice.account.address, 2n, 3n],
      );
    });

    it("reverts when drawing from the zero address", async () => {
      const { token, alice, bob } = await networkHelpers.loadFixture(deployToken);
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.transferFrom([zeroAddress, bob.account.address, 0n], { account: alice.account }),
        token,
        "ERC20InvalidApprover",
        [zeroAddress],
      );
    });
  });

  describe("ownership", () => {
    it("transferOwnership hands minting to the new owner and emits OwnershipTransferred", async () => {
      const { token, owner, alice } = await networkHelpers.loadFixture(deployToken);
      await viem.assertions.emitWithArgs(token.write.transferOwnership([alice.account.address]), token, "OwnershipTransferred", [
        owner.account.address,
        alice.account.address,
      ]);
      await token.write.mint([alice.account.address, 1n], { account: alice.account });
      assert.equal(await token.read.balanceOf([alice.account.address]), 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(token.write.mint([owner.account.address, 1n]), token, "OwnableUnauthorizedAccount", [
        owner.account.address,
      ]);
    });

    it("transferOwnership reverts for a caller that is not the owner", async () => {
      const { token, alice } = await networkHelpers.loadFixture(deployToken);
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.transferOwnership([alice.account.address], { account: alice.account }),
        token,
        "OwnableUnauthorizedAccount",
        [alice.account.address],
      );
    });

    it("transferOwnership reverts for the zero address", async () => {
      const { token } = await networkHelpers.loadFixture(deployToken);
      await viem.assertions.revertWithCustomErrorWithArgs(token.write.transferOwnership([zeroAddress]), token, "OwnableInvalidOwner", [
        zeroAddress,
      ]);
    });

    it("renounceOwnership leaves no owner, so nobody can mint", async () => {
      const { token, owner } = await networkHelpers.loadFixture(deployToken);
      await viem.assertions.emitWithArgs(token.write.renounceOwnership(), token, "OwnershipTransferred", [
        owner.account.address,
        zeroAddress,
      ]);
      assert.equal(await token.read.owner(), zeroAddress);
      await viem.assertions.revertWithCustomErrorWithArgs(token.write.mint([owner.account.address, 1n]), token, "OwnableUnauthorizedAccount", [
        owner.account.address,
      ]);
    });

    it("renounceOwnership reverts for a caller that is not the owner", async () => {
      const { token, alice } = await networkHelpers.loadFixture(deployToken);
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.renounceOwnership({ account: alice.account }),
        token,
        "OwnableUnauthorizedAccount",
        [alice.account.address],
      );
    });
  });
});
