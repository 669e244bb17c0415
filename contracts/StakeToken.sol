// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title StakeToken
/// @notice Stake token for local networks and tests. Production deployments use any ERC-20.
contract StakeToken is ERC20, Ownable {
    constructor(address initialOwner, uint256 initialSupply) ERC20("Verihive Stake", "VHS") Ownable(initialOwner) {
        _mint(initialOwner, initialSupply);
    }

    /// @notice Mints `amount` to `to` (owner only; local networks hand tokens to test accounts).
    /// @param to Recipient.
    /// @param amount Tokens to mint.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
