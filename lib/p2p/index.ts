// Peer-to-peer layer of the trainer and the verifier (libp2p v3): identity, node, blob transfer, announcements.
//   identity.ts       libp2p secp256k1 identity from an Ethereum key; a peer id's Ethereum address
//   node.ts           createVerihiveNode (tcp + noise + yamux, identify, ping, gossipsub, kad-dht, blobs), dialBootstrap,
//                     stopClosestPeerTagger (kad-dht's costly tagger, replaced by one keep-alive tag per peer)
//   blob-protocol/    /verihive/blob/1.0.0: fetch a blob by SHA-256 hash (constants, frames, service, fetchBlob)
//   announcements.ts  signed round announcements on gossipsub: wire format, topic validator, publish/subscribe
//   errors.ts         typed errors
export * from "./identity.ts";
export * from "./node.ts";
export * from "./blob-protocol/index.ts";
export * from "./announcements.ts";
export * from "./errors.ts";
