// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IStaking} from "../interfaces/IStaking.sol";
import {RunCoordinator} from "../RunCoordinator.sol";
import {CoordinatorBase} from "../CoordinatorBase.sol";
import {DisputeGame} from "../DisputeGame.sol";
import {GameBase} from "../GameBase.sol";

/// @notice Test-only: sums what the vault and the coordinator owe in one call, for the property test.
contract InvariantLens {
    struct Totals {
        uint256 stakingBalance;
        uint256 stakedPlusUnbonding;
        uint256 coordinatorBalance;
        uint256 pools;
        uint256 openBonds; // of jury disputes
        uint256 openGames; // games not over (each holds one challengeBond in the coordinator)
        uint256 owed;
        bool locksAgree; // every account: staking.locked == sum of its run seats' lockedStake, and locked <= staked
    }

    function totals(RunCoordinator coordinator, DisputeGame game, uint256[] calldata runIds, address[] calldata accounts)
        external
        view
        returns (Totals memory t)
    {
        IStaking staking = IStaking(coordinator.staking());
        IERC20 token = IERC20(staking.token());
        t.stakingBalance = token.balanceOf(address(staking));
        t.coordinatorBalance = token.balanceOf(address(coordinator));
        t.locksAgree = true;
        for (uint256 i = 0; i < accounts.length; ++i) {
            IStaking.Account memory a = staking.accountOf(accounts[i]);
            t.stakedPlusUnbonding += uint256(a.staked) + a.unbonding;
            uint256 seats;
            for (uint256 r = 0; r < runIds.length; ++r) {
                seats += coordinator.participantOf(runIds[r], accounts[i]).lockedStake;
                t.owed += coordinator.earningsOf(runIds[r], accounts[i]).owed;
            }
            if (seats != a.locked || a.locked > a.staked) t.locksAgree = false;
        }
        for (uint256 r = 0; r < runIds.length; ++r) {
            (,, uint128 pool) = coordinator.runOf(runIds[r]);
            t.pools += pool;
        }
        uint256 n = coordinator.disputeCount();
        for (uint256 d = 1; d <= n; ++d) {
            CoordinatorBase.Dispute memory dispute = coordinator.disputeOf(d);
            if (!dispute.resolved) t.openBonds += dispute.bond;
        }
        uint256 games = game.gameCount();
        for (uint256 g = 1; g <= games; ++g) {
            if (game.gameOf(g).phase != GameBase.Phase.Over) t.openGames += 1;
        }
    }
}
