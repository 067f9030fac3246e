public import BatchVerify
public import Merlin
public import Ristretto255

/// One range proof to check in a batch: the proof, the commitments it covers, its bit
/// size and the transcript in the state the prover started from.
public struct RangeProofClaim: Sendable {
    /// The decoded proof.
    public var proof: RangeProof
    /// The value commitments V_0...V_(m-1), in proving order.
    public var commitments: [RistrettoPoint]
    /// The bit size n the values are claimed to fit in.
    public var bitSize: Int
    /// The transcript in the state the prover started from.
    public var transcript: Transcript

    /// - Parameters:
    ///   - proof: the decoded proof.
    ///   - commitments: V_0...V_(m-1) in proving order (m may differ between claims).
    ///   - bitSize: n in {8, 16, 32, 64}.
    ///   - transcript: the application's transcript before the proof (consumed by verification).
    public init(proof: RangeProof, commitments: [RistrettoPoint], bitSize: Int, transcript: Transcript) {
        self.proof = proof
        self.commitments = commitments
        self.bitSize = bitSize
        self.transcript = transcript
    }

    /// This claim's verification statement (see `RangeProof.statement`).
    public func statement() throws(BulletproofsError) -> Statement {
        var t = transcript
        return try proof.statement(commitments: commitments, bitSize: bitSize, transcript: &t)
    }
}

extension RangeProof {
    /// Verifies many range proofs together: each proof's statement is weighted by an
    /// independent random 128-bit scalar and the sum is checked with one multiscalar
    /// multiplication (scalars of the shared generators added up); if it fails,
    /// bisection finds exactly the bad proofs (reference section 6.3).
    /// - Returns: the sorted indices of the claims that do not verify (empty: all valid).
    ///   A claim with a malformed parameter or an identity point is reported without
    ///   entering the batch; a bad claim never causes a good one to be reported.
    /// - Warning: Variable time; public data only.
    public static func invalidClaimsVartime(_ claims: [RangeProofClaim]) -> [Int] {
        var bad: [Int] = []
        var statements: [[Statement]] = []
        var positions: [Int] = []
        statements.reserveCapacity(claims.count)
        positions.reserveCapacity(claims.count)
        for (i, claim) in claims.enumerated() {
            do {
                statements.append([try claim.statement()])
                positions.append(i)
            } catch {
                bad.append(i)
            }
        }
        if !statements.isEmpty {
            bad += BatchVerifier.invalidItemsVartime(statements).map { positions[$0] }
        }
        return bad.sorted()
    }

    /// True iff every claim verifies (one multiscalar multiplication when all statements
    /// can be formed).
    /// - Warning: Variable time; public data only.
    public static func verifyBatchVartime(_ claims: [RangeProofClaim]) -> Bool {
        // Every claim's commitments encoded in one batch (eight square roots at a time
        // where the CPU allows) for the transcripts.
        let encodings = RistrettoPoint.batchEncode(claims.flatMap(\.commitments))
        // Every transcript first, then one inversion for all challenges of all proofs.
        var challenges: [RangeProof.StatementChallenges] = []
        challenges.reserveCapacity(claims.count)
        var inverses: [Scalar] = []
        var next = 0
        for claim in claims {
            let m = claim.commitments.count
            var t = claim.transcript
            guard let ch = try? claim.proof.statementChallenges(commitments: claim.commitments,
                                                                encodings: Array(encodings[next..<(next + m)]),
                                                                bitSize: claim.bitSize, transcript: &t)
            else { return false }
            next += m
            inverses += ch.u
            inverses.append(ch.y)
            challenges.append(ch)
        }
        Scalar.batchInvertVartime(&inverses)  // public challenges
        var statements: [Statement] = []
        statements.reserveCapacity(claims.count)
        var at = 0
        for (claim, ch) in zip(claims, challenges) {
            let count = ch.u.count + 1
            statements.append(claim.proof.statement(commitments: claim.commitments, challenges: ch,
                                                    inverses: inverses[at..<(at + count)]))
            at += count
        }
        return BatchVerifier.verifyVartime(statements)
    }
}
