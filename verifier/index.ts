// The verifier peer (`npx verihive verifier`, docs/VERIFIER.md): audits, juries, pokes, equivocation proofs.
//   verifier.ts        runVerifier: setup, the poll loop, the end of the run (claim, summary.json)
//   poll.ts            how long the loop sleeps: 1 s around audits and disputes, 4 s elsewhere
//   chain-follower.ts  the coordinator's logs from a persisted cursor, in ranges, with retry and backoff
//   retry.ts           withRetry and backoffDelay (exponential, capped, jittered)
//   chain-actions.ts   VerifierChain: views and transactions (one at a time, custom errors named)
//   checks.ts          the three checks: start, segment (replayed with runSegment), update
//   verify.ts          verifySegment: the procedure auditors and jurors share
//   evidence.ts        a commitment's manifest, checkpoints and update fetched from peers until a deadline
//   round-data.ts      per round: agreed state S_r, round seed, commitments, replay context
//   model.ts           ModelTracker: each round's inclusion set and majority hashes; S_r of shards without a majority
//   audit.ts           Auditor: openAudits, assigned audits, attest / challenge / reportUnavailable
//   jury.ts            Jury: commit–reveal votes, salts journaled before commitVote
//   disputes.ts        DisputeBook: disputes of the run, drawJury / resolve pokes, outcomes
//   equivocation.ts    signed announcements held and compared with commitments; proveEquivocation
//   served.ts          ServedEvidence: what the verifier serves (challenge evidence kept on disk)
//   stats.ts           the tally as journal records; summary.json
//   vote.ts            the vote hash DisputeCourt checks; random salts
export { runVerifier, VerifierError, type VerifierOptions } from "./verifier.ts";
export type { VerifierSummary } from "./stats.ts";
export { voteHash, newSalt } from "./vote.ts";
