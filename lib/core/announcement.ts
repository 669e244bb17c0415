import { hashTypedData, recoverPublicKey, type Address, type Hex, type LocalAccount } from "viem";
import { publicKeyToAddress } from "viem/accounts";

/** A trainer's gossiped announcement of its round; the contract checks it in `proveEquivocation`. */
export interface Announcement {
  runId: bigint;
  shard: number;
  round: bigint;
  root: Hex;
  updateHash: Hex;
}

export const ANNOUNCEMENT_TYPES = {
  Announcement: [
    { name: "runId", type: "uint256" },
    { name: "shard", type: "uint16" },
    { name: "round", type: "uint64" },
    { name: "root", type: "bytes32" },
    { name: "updateHash", type: "bytes32" },
  ],
} as const;

/** EIP-712 domain of a deployed RunCoordinator (name and version fixed in its constructor). */
export function announcementDomain(chainId: number, coordinator: Address) {
  return { name: "Verihive", version: "1", chainId, verifyingContract: coordinator } as const;
}

export function announcementTypedData(chainId: number, coordinator: Address, message: Announcement) {
  return {
    domain: announcementDomain(chainId, coordinator),
    types: ANNOUNCEMENT_TYPES,
    primaryType: "Announcement" as const,
    message,
  };
}

export async function signAnnouncement(
  account: LocalAccount,
  chainId: number,
  coordinator: Address,
  message: Announcement,
): Promise<Hex> {
  return account.signTypedData(announcementTypedData(chainId, coordinator, message));
}

export async function recoverAnnouncementSigner(
  chainId: number,
  coordinator: Address,
  message: Announcement,
  signature: Hex,
): Promise<Address> {
  return (await recoverAnnouncementKey(chainId, coordinator, message, signature)).address;
}

/** The signer's address and its uncompressed public key (0x04 ‖ x ‖ y): gossip derives the author's peer id from it. */
export async function recoverAnnouncementKey(
  chainId: number,
  coordinator: Address,
  message: Announcement,
  signature: Hex,
): Promise<{ address: Address; publicKey: Hex }> {
  const publicKey = await recoverPublicKey({ hash: hashTypedData(announcementTypedData(chainId, coordinator, message)), signature });
  return { address: publicKeyToAddress(publicKey), publicKey };
}
