// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IStaking} from "./interfaces/IStaking.sol";

/// @title Staking
/// @notice Token vault for stakes. Its balance always equals the sum of `staked + unbonding` over accounts.
contract Staking is IStaking, ReentrancyGuard {
    using SafeERC20 for IERC20;

    IERC20 private immutable _token;
    uint64 private immutable _unbondingPeriod;
    address private immutable _deployer;
    address private _coordinator;
    mapping(address account => Account) private _accounts;

    constructor(IERC20 token_, uint64 unbondingPeriod_) {
        _token = token_;
        _unbondingPeriod = unbondingPeriod_;
        _deployer = msg.sender;
    }

    modifier onlyCoordinator() {
        if (msg.sender != _coordinator) revert StakingNotCoordinator(msg.sender);
        _;
    }

    /// @notice Sets the run coordinator once (deployer only).
    /// @param coordinator_ The coordinator.
    function setCoordinator(address coordinator_) external {
        if (msg.sender != _deployer || _coordinator != address(0)) revert StakingCoordinatorNotSettable(msg.sender);
        _coordinator = coordinator_;
        emit CoordinatorSet(coordinator_);
    }

    /// @inheritdoc IStaking
    function stake(uint256 amount) external nonReentrant {
        if (amount == 0) revert StakingZeroAmount();
        Account storage a = _accounts[msg.sender];
        a.staked += _u128(amount);
        emit Staked(msg.sender, amount);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IStaking
    function requestUnstake(uint256 amount) external {
        if (amount == 0) revert StakingZeroAmount();
        Account storage a = _accounts[msg.sender];
        uint256 free = a.staked - a.locked;
        if (amount > free) revert StakingInsufficientFree(msg.sender, amount, free);
        uint128 amt = _u128(amount);
        a.staked -= amt;
        a.unbonding += amt;
        uint64 releaseAt = uint64(block.timestamp) + _unbondingPeriod;
        a.releaseAt = releaseAt;
        emit UnstakeRequested(msg.sender, amount, releaseAt);
    }

    /// @inheritdoc IStaking
    function withdraw() external nonReentrant {
        Account storage a = _accounts[msg.sender];
        uint256 amount = a.unbonding;
        if (amount == 0) revert StakingNothingUnbonding(msg.sender);
        if (block.timestamp < a.releaseAt) revert StakingStillUnbonding(msg.sender, a.releaseAt);
        a.unbonding = 0;
        emit Withdrawn(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IStaking
    function lock(address account, uint256 amount) external onlyCoordinator {
        Account storage a = _accounts[account];
        uint256 free = a.staked - a.locked;
        if (amount > free) revert StakingInsufficientFree(account, amount, free);
        a.locked += _u128(amount);
        emit StakeLocked(account, amount);
    }

    /// @inheritdoc IStaking
    function unlock(address account, uint256 amount) external onlyCoordinator {
        Account storage a = _accounts[account];
        if (amount > a.locked) revert StakingInsufficientLocked(account, amount, a.locked);
        a.locked -= _u128(amount);
        emit StakeUnlocked(account, amount);
    }

    /// @inheritdoc IStaking
    function slash(address account, uint256 amount) external onlyCoordinator nonReentrant {
        Account storage a = _accounts[account];
        if (amount > a.locked) revert StakingInsufficientLocked(account, amount, a.locked);
        uint128 amt = _u128(amount);
        a.locked -= amt;
        a.staked -= amt;
        emit StakeSlashed(account, amount, msg.sender);
        _token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IStaking
    function accountOf(address account) external view returns (Account memory) {
        return _accounts[account];
    }

    /// @inheritdoc IStaking
    function freeStakeOf(address account) external view returns (uint256) {
        Account storage a = _accounts[account];
        return a.staked - a.locked;
    }

    /// @inheritdoc IStaking
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IStaking
    function unbondingPeriod() external view returns (uint64) {
        return _unbondingPeriod;
    }

    /// @inheritdoc IStaking
    function coordinator() external view returns (address) {
        return _coordinator;
    }

    function _u128(uint256 amount) private pure returns (uint128) {
        if (amount > type(uint128).max) revert StakingAmountTooLarge(amount);
        return uint128(amount);
    }
}
