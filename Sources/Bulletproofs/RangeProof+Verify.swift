public import BatchVerify
public import Merlin
public import Ristretto255

extension RangeProof {
    /// Turns the proof into the single "this sum is the identity" statement of the dalek
    /// crate's `verify_multiple` (reference section 6.2): check 2 (inner product) plus a
    /// fresh random c times check 1 (polynomial commitment),
    ///
    ///     A + x*S + c*x*T_1 + c*x^2*T_2 + sum_r (u_r^2*L_r + u_r^-2*R_r)
    ///     + (-e_blinding - c*t_x_blinding)*B~ + (w*(t_x - a*b) + c*(delta(y,z) - t_x))*B
    ///     + sum_g (-z - a*s_g)*G_g + sum_g (z + y^-g*(z^(2+j)*2^i - b*s_(N-1-g)))*H_g
    ///     + sum_j c*z^(2+j)*V_j  ==  identity.
    ///
    /// The statement's G/H scalars sit at `Generators` index party*64 + bit. Replays the
    /// transcript exactly as the crate (`validateAndAppendPoint` for A, S, T_1, T_2, L, R).
    /// - Parameters:
    ///   - commitments: V_0...V_(m-1), in the order they were proven.
    ///   - bitSize: n in {8, 16, 32, 64}.
    ///   - transcript: a transcript in the same state as the prover's.
    /// - Throws: `.invalidBitSize`, `.invalidAggregationSize`, `.sizeMismatch` (wrong n or
    ///   number of commitments), `.identityPoint(field:)`.
    public func statement(commitments: [RistrettoPoint], bitSize n: Int, transcript: inout Transcript)
        throws(BulletproofsError) -> Statement
    {
        try statement(commitments: commitments, encodings: RistrettoPoint.batchEncode(commitments), bitSize: n,
                      transcript: &transcript)
    }

    /// `statement(commitments:...)` for commitments given as wire encodings.
    /// - Throws: additionally `.invalidPoint(field: "V[j]")` for an undecodable commitment.
    public func statement(commitmentEncodings: [[UInt8]], bitSize n: Int, transcript: inout Transcript)
        throws(BulletproofsError) -> Statement
    {
        var points: [RistrettoPoint] = []
        points.reserveCapacity(commitmentEncodings.count)
        for (j, enc) in commitmentEncodings.enumerated() {
            points.append(try ProofPoint(decoding: enc[...], field: "V[\(j)]").point)
        }
        return try statement(commitments: points, encodings: commitmentEncodings, bitSize: n, transcript: &transcript)
    }

    /// Verifies one proof with one multiscalar multiplication.
    /// - Warning: Variable time; public data only (proofs and commitments are public).
    /// - Throws: the errors of `statement(...)`, or `.verificationFailed`.
    public func verifyVartime(commitments: [RistrettoPoint], bitSize n: Int, transcript: inout Transcript)
        throws(BulletproofsError)
    {
        let s = try statement(commitments: commitments, bitSize: n, transcript: &transcript)
        guard s.isSatisfiedVartime() else { throw .verificationFailed }
    }

    func statement(commitments: [RistrettoPoint], encodings: [[UInt8]], bitSize n: Int, transcript: inout Transcript)
        throws(BulletproofsError) -> Statement
    {
        let m = commitments.count
        guard RangeProofParameters.bitSizes.contains(n) else { throw .invalidBitSize(n) }
        guard m >= 1, m <= Generators.capacityParties else { throw .invalidAggregationSize(m) }
        let N = n * m
        // The crate finds a wrong n or m only when replaying the inner-product transcript;
        // checking it first gives the same verdict with a clearer message.
        guard N == 1 << ipp.L.count else { throw .sizeMismatch(bitSize: n, commitments: m, rounds: ipp.L.count) }

        transcript.rangeProofDomainSeparator(bitSize: n, aggregation: m)
        for enc in encodings { transcript.appendPoint("V", enc) }
        try transcript.validateAndAppendPoint("A", A.encoding, field: "A")
        try transcript.validateAndAppendPoint("S", S.encoding, field: "S")
        let y = transcript.challengeScalar("y")
        let z = transcript.challengeScalar("z")
        try transcript.validateAndAppendPoint("T_1", T1.encoding, field: "T_1")
        try transcript.validateAndAppendPoint("T_2", T2.encoding, field: "T_2")
        let x = transcript.challengeScalar("x")
        transcript.appendScalar("t_x", tX)
        transcript.appendScalar("t_x_blinding", tXBlinding)
        transcript.appendScalar("e_blinding", eBlinding)
        let w = transcript.challengeScalar("w")
        // y^-1 shares the batch inversion of the inner-product challenges.
        let vs = try ipp.verificationScalars(length: N, bitSize: n, aggregation: m, extraInverse: y,
                                             transcript: &transcript)

        // Verifier randomness, not from the transcript (crate: `Scalar::random`).
        let c = Scalar.random()
        let a = ipp.a
        let b = ipp.b
        let zz = z * z
        let minusZ = -z
        let yInv = vs.extraInverse

        var st = Statement()
        st.g = [Scalar](repeating: .zero, count: m * Generators.capacityBits)
        st.h = [Scalar](repeating: .zero, count: m * Generators.capacityBits)
        // The 2N products below dominate the statement: the factors a, b and the powers
        // y^-g are kept as Montgomery multipliers (one Montgomery multiplication each).
        let aTimes = ScalarMultiplier(a), bTimes = ScalarMultiplier(b), yInvTimes = ScalarMultiplier(yInv)
        var yInvPower = ScalarMultiplier.one  // y^-g
        var zPower = zz  // z^(2+j)
        for j in 0..<m {
            var zTwoPower = zPower  // z^(2+j) * 2^i, by doubling
            for i in 0..<n {
                let g = j * n + i
                let k = Generators.index(party: j, bit: i)
                st.g[k] = minusZ - aTimes.times(vs.s[g])
                st.h[k] = z + yInvPower.times(zTwoPower - bTimes.times(vs.s[N - 1 - g]))
                yInvPower = yInvPower.times(yInvTimes)
                zTwoPower += zTwoPower
            }
            zPower *= z
        }
        st.b = w * (tX - a * b) + c * (VectorMath.delta(bitSize: n, aggregation: m, y: y, z: z) - tX)
        st.bBlinding = -eBlinding - c * tXBlinding

        let k = ipp.L.count
        var scalars: [Scalar] = [.one, x, c * x, c * x * x]
        var points: [RistrettoPoint] = [A.point, S.point, T1.point, T2.point]
        scalars.reserveCapacity(4 + 2 * k + m)
        points.reserveCapacity(4 + 2 * k + m)
        for r in 0..<k {
            scalars.append(vs.uSquared[r])
            points.append(ipp.L[r].point)
        }
        for r in 0..<k {
            scalars.append(vs.uInverseSquared[r])
            points.append(ipp.R[r].point)
        }
        zPower = zz
        for j in 0..<m {
            scalars.append(c * zPower)
            points.append(commitments[j])
            zPower *= z
        }
        st.scalars = scalars
        st.points = points
        return st
    }
}
