// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Staking vault for Verihive participants
/// @notice Holds staked tokens. Stake locked by the coordinator backs a run seat and cannot leave;
/// free stake leaves only through an unbonding period longer than any run's dispute window.
interface IStaking {
    /// @notice One account's position.
    /// @param staked Tokens staked, including `locked`.
    /// @param locked Part of `staked` that backs run seats (only the coordinator moves it).
    /// @param unbonding Tokens waiting for `releaseAt` before they can be withdrawn.
    /// @param releaseAt When `unbonding` can be withdrawn.
    struct Account {
        uint128 staked;
        uint128 locked;
        uint128 unbonding;
        uint64 releaseAt;
    }

    /// @notice A zero amount was given where a positive one is needed.
    error StakingZeroAmount();
    /// @notice The caller is not the coordinator.
    /// @param caller The address that called.
    error StakingNotCoordinator(address caller);
    /// @notice The coordinator was already set, or the caller may not set it.
    /// @param caller The address that called.
    error StakingCoordinatorNotSettable(address caller);
    /// @notice The account's free (unlocked) stake is below the amount asked for.
    /// @param account The account.
    /// @param amount The amount asked for.
    /// @param free The account's free stake.
    error StakingInsufficientFree(address account, uint256 amount, uint256 free);
    /// @notice The account's locked stake is below the amount to unlock or slash.
    /// @param account The account.
    /// @param amount The amount asked for.
    /// @param locked The account's locked stake.
    error StakingInsufficientLocked(address account, uint256 amount, uint256 locked);
    /// @notice Nothing is unbonding for the account.
    /// @param account The account.
    error StakingNothingUnbonding(address account);
    /// @notice The unbonding period has not passed.
    /// @param account The account.
    /// @param releaseAt When the tokens can be withdrawn.
    error StakingStillUnbonding(address account, uint64 releaseAt);
    /// @notice An amount does not fit the vault's 128-bit accounting.
    /// @param amount The amount.
    error StakingAmountTooLarge(uint256 amount);

    /// @notice The coordinator was set.
    /// @param coordinator The run coordinator allowed to lock, unlock and slash.
    event CoordinatorSet(address indexed coordinator);
    /// @notice Tokens were staked.
    /// @param account The staker.
    /// @param amount Tokens added.
    event Staked(address indexed account, uint256 amount);
    /// @notice Free stake started unbonding.
    /// @param account The staker.
    /// @param amount Tokens moved to unbonding.
    /// @param releaseAt When all of the account's unbonding tokens can be withdrawn.
    event UnstakeRequested(address indexed account, uint256 amount, uint64 releaseAt);
    /// @notice Unbonded tokens were withdrawn.
    /// @param account The staker.
    /// @param amount Tokens sent back.
    event Withdrawn(address indexed account, uint256 amount);
    /// @notice Stake was locked to back a run seat.
    /// @param account The staker.
    /// @param amount Tokens locked.
    event StakeLocked(address indexed account, uint256 amount);
    /// @notice Locked stake was released.
    /// @param account The staker.
    /// @param amount Tokens unlocked.
    event StakeUnlocked(address indexed account, uint256 amount);
    /// @notice Locked stake was slashed.
    /// @param account The staker.
    /// @param amount Tokens taken.
    /// @param recipient Where the tokens went (the coordinator, which redistributes them).
    event StakeSlashed(address indexed account, uint256 amount, address indexed recipient);

    /// @notice Stakes `amount` tokens from the caller (needs an allowance).
    /// @param amount Tokens to stake.
    function stake(uint256 amount) external;

    /// @notice Moves `amount` of free stake to unbonding; restarts the unbonding clock.
    /// @param amount Tokens to unbond.
    function requestUnstake(uint256 amount) external;

    /// @notice Sends the caller's unbonded tokens back once the unbonding period has passed.
    function withdraw() external;

    /// @notice Locks free stake of `account` (coordinator only).
    /// @param account The staker.
    /// @param amount Tokens to lock.
    function lock(address account, uint256 amount) external;

    /// @notice Unlocks stake of `account` (coordinator only).
    /// @param account The staker.
    /// @param amount Tokens to unlock.
    function unlock(address account, uint256 amount) external;

    /// @notice Takes locked stake of `account` and sends it to the coordinator (coordinator only).
    /// @param account The staker.
    /// @param amount Tokens to take.
    function slash(address account, uint256 amount) external;

    /// @notice The account's position.
    /// @param account The staker.
    /// @return The position.
    function accountOf(address account) external view returns (Account memory);

    /// @notice Stake that is neither locked nor unbonding.
    /// @param account The staker.
    /// @return The free stake.
    function freeStakeOf(address account) external view returns (uint256);

    /// @notice The token staked.
    /// @return The ERC-20 token.
    function token() external view returns (address);

    /// @notice Seconds between `requestUnstake` and `withdraw`.
    /// @return The unbonding period.
    function unbondingPeriod() external view returns (uint64);

    /// @notice The run coordinator.
    /// @return The coordinator's address (zero until set).
    function coordinator() external view returns (address);
}
