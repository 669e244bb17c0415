// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IRunCoordinator} from "../interfaces/IRunCoordinator.sol";

/// @title AnnouncementSignature
/// @notice The signer of a trainer's announcement (docs/PROTOCOL.md 3.3): EIP-712, domain "Verihive" version
/// "1" of this chain and of the calling contract. A linked library (called by DELEGATECALL, so `address(this)`
/// is the coordinator): the coordinator's bytecode carries neither the typed-data hashing nor ECDSA.
library AnnouncementSignature {
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant ANNOUNCEMENT_TYPEHASH =
        keccak256("Announcement(uint256 runId,uint16 shard,uint64 round,bytes32 root,bytes32 updateHash)");

    /// @notice Who signed `announcement` of `round` in run `runId`; reverts (ECDSA's errors) on a malformed signature.
    function signerOf(uint256 runId, uint64 round, IRunCoordinator.Announcement calldata announcement, bytes calldata signature)
        external
        view
        returns (address)
    {
        bytes32 domain = keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256("Verihive"), keccak256("1"), block.chainid, address(this)));
        bytes32 structHash = keccak256(
            abi.encode(ANNOUNCEMENT_TYPEHASH, runId, announcement.shard, round, announcement.root, announcement.updateHash)
        );
        return ECDSA.recover(MessageHashUtils.toTypedDataHash(domain, structHash), signature);
    }
}
