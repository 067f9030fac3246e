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

    /// This claim's verification statement (see `RangeProof.statement`), built on `backend`.
    public func statement(backend: Backend = .portable) throws(BulletproofsError) -> Statement {
        var t = transcript
        return try proof.statement(commitments: commitments, bitSize: bitSize, transcript: &t, backend: backend)
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
    /// - Parameter verifier: the batch verifier (its backend also builds the statements).
    /// - Warning: Variable time; public data only.
    public static func invalidClaimsVartime(_ claims: [RangeProofClaim],
                                            verifier: BatchVerifier = BatchVerifier(backend: .portable)) -> [Int] {
        var bad: [Int] = []
        var statements: [[Statement]] = []
        var positions: [Int] = []
        statements.reserveCapacity(claims.count)
        positions.reserveCapacity(claims.count)
        for (i, claim) in claims.enumerated() {
            do {
                statements.append([try claim.statement(backend: verifier.backend)])
                positions.append(i)
            } catch {
                bad.append(i)
            }
        }
        if !statements.isEmpty {
            bad += verifier.invalidItemsVartime(statements).map { positions[$0] }
        }
        return bad.sorted()
    }

    /// True iff every claim verifies (one multiscalar multiplication when all statements
    /// can be formed).
    /// - Parameter verifier: the batch verifier (its backend also encodes and builds the statements).
    /// - Warning: Variable time; public data only.
    public static func verifyBatchVartime(_ claims: [RangeProofClaim],
                                          verifier: BatchVerifier = BatchVerifier(backend: .portable)) -> Bool {
        // Every claim's commitments encoded in one batch (the square roots on the backend's
        // vector lanes where it has them) for the transcripts.
        let encodings = RistrettoPoint.batchEncode(claims.flatMap(\.commitments), backend: verifier.backend)
        var next = 0
        let inputs = claims.map { claim in
            defer { next += claim.commitments.count }
            return StatementInput(proof: claim.proof, commitments: claim.commitments,
                                  encodings: Array(encodings[next..<(next + claim.commitments.count)]),
                                  bitSize: claim.bitSize, transcript: claim.transcript)
        }
        var statements: [Statement] = []
        statements.reserveCapacity(claims.count)
        for result in Self.statements(inputs, backend: verifier.backend) {
            guard case let .success(s) = result else { return false }
            statements.append(s)
        }
        return verifier.verifyVartime(statements)
    }

    /// What `statements(_:)` needs of one proof: as the arguments of
    /// `statement(commitments:encodings:bitSize:transcript:)`.
    public struct StatementInput: Sendable {
        public var proof: RangeProof
        public var commitments: [RistrettoPoint]
        /// The canonical encodings of `commitments`.
        public var encodings: [[UInt8]]
        public var bitSize: Int
        /// The transcript in the state the prover started from.
        public var transcript: Transcript

        public init(proof: RangeProof, commitments: [RistrettoPoint], encodings: [[UInt8]], bitSize: Int,
                    transcript: Transcript) {
            self.proof = proof
            self.commitments = commitments
            self.encodings = encodings
            self.bitSize = bitSize
            self.transcript = transcript
        }
    }

    /// Each input's statement, as `statement(commitments:encodings:bitSize:transcript:)`
    /// gives it (the same statement, the same error), with every transcript replayed first
    /// and the challenges of all proofs inverted in one batch inversion instead of one
    /// inversion per proof; the batched scalar products run on `backend` (one the CPU runs).
    /// - Warning: Variable time; public data only.
    public static func statements(_ inputs: [StatementInput], backend: Backend) -> [Result<Statement, BulletproofsError>] {
        var challenges: [Result<RangeProof.StatementChallenges, BulletproofsError>] = []
        challenges.reserveCapacity(inputs.count)
        var inverses: [Scalar] = []
        for input in inputs {
            var t = input.transcript
            let ch = Result { () throws(BulletproofsError) in
                try input.proof.statementChallenges(commitments: input.commitments, encodings: input.encodings,
                                                    bitSize: input.bitSize, transcript: &t)
            }
            if case let .success(c) = ch {
                inverses += c.u
                inverses.append(c.y)
            }
            challenges.append(ch)
        }
        Scalar.batchInvertVartime(&inverses)  // public challenges, each nonzero
        var at = 0
        return zip(inputs, challenges).map { input, ch in
            ch.map { c in
                let count = c.u.count + 1
                defer { at += count }
                return input.proof.statement(commitments: input.commitments, challenges: c,
                                             inverses: inverses[at..<(at + count)], backend: backend)
            }
        }
    }
}
