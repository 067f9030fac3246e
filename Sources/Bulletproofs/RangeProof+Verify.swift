public import BatchVerify
public import Merlin
public import Ristretto255

extension RangeProof {
    /// Fills v[2^t ..< 2^(t+1)] with steps[t] times v[0 ..< 2^t], for t = 0, 1, ... while
    /// 2^t < v.count (v[0] given): v[g] = v[0] * prod over the set bits t of g of steps[t].
    /// The products run on `backend` (one the CPU runs).
    static func extendByDoubling(_ v: inout [Scalar], steps: [ScalarMultiplier], backend: Backend) {
        let count = v.count
        v.withUnsafeMutableBufferPointer { p in
            var t = 0
            while (1 << t) < count {
                let lo = 1 << t, hi = min(2 << t, count)
                steps[t].times(UnsafeBufferPointer(rebasing: p[0..<(hi - lo)]),
                               into: UnsafeMutableBufferPointer(rebasing: p[lo..<hi]), backend: backend)
                t += 1
            }
        }
    }

    /// Turns the proof into the single "this sum is the identity" statement of the dalek
    /// crate's `verify_multiple` (reference section 6.2): check 2 (inner product) plus a
    /// fresh random c times check 1 (polynomial commitment),
    ///
    ///     A + x*S + c*x*T_1 + c*x^2*T_2 + sum_r (u_r^2*L_r + u_r^-2*R_r)
    ///     + (-e_blinding - c*t_x_blinding)*B~ + (w*(t_x - a*b) + c*(delta(y,z) - t_x))*B
    ///     + sum_g (-z - a*s_g)*G_g + sum_g (z + y^-g*(z^(2+j)*2^i - b*s_(N-1-g)))*H_g
    ///     + sum_j c*z^(2+j)*V_j  ==  identity.
    ///
    /// The whole statement is multiplied by a fresh random 128-bit weight (it is marked
    /// `isWeighted`, so a batch adds it without weighting it again).
    /// The statement's G/H scalars sit at `Generators` index party*64 + bit. Replays the
    /// transcript exactly as the crate (`validateAndAppendPoint` for A, S, T_1, T_2, L, R).
    /// - Parameters:
    ///   - commitments: V_0...V_(m-1), in the order they were proven.
    ///   - bitSize: n in {8, 16, 32, 64}.
    ///   - transcript: a transcript in the same state as the prover's.
    /// - Throws: `.invalidBitSize`, `.invalidAggregationSize`, `.sizeMismatch` (wrong n or
    ///   number of commitments), `.identityPoint(field:)`.
    ///   - backend: the backend of the batched encoding and scalar products (one the CPU runs).
    public func statement(commitments: [RistrettoPoint], bitSize n: Int, transcript: inout Transcript,
                          backend: Backend = .portable) throws(BulletproofsError) -> Statement
    {
        try statement(commitments: commitments, encodings: RistrettoPoint.batchEncode(commitments, backend: backend),
                      bitSize: n, transcript: &transcript, backend: backend)
    }

    /// `statement(commitments:...)` for commitments given as wire encodings.
    /// - Throws: additionally `.invalidPoint(field: "V[j]")` for an undecodable commitment.
    public func statement(commitmentEncodings: [[UInt8]], bitSize n: Int, transcript: inout Transcript,
                          backend: Backend = .portable) throws(BulletproofsError) -> Statement
    {
        var points: [RistrettoPoint] = []
        points.reserveCapacity(commitmentEncodings.count)
        for (j, enc) in commitmentEncodings.enumerated() {
            points.append(try ProofPoint(decoding: enc[...], field: "V[\(j)]").point)
        }
        return try statement(commitments: points, encodings: commitmentEncodings, bitSize: n, transcript: &transcript,
                             backend: backend)
    }

    /// Verifies one proof with one multiscalar multiplication on `backend` (one the CPU runs).
    /// - Warning: Variable time; public data only (proofs and commitments are public).
    /// - Throws: the errors of `statement(...)`, or `.verificationFailed`.
    public func verifyVartime(commitments: [RistrettoPoint], bitSize n: Int, transcript: inout Transcript,
                              backend: Backend = .portable) throws(BulletproofsError)
    {
        let s = try statement(commitments: commitments, bitSize: n, transcript: &transcript, backend: backend)
        guard s.isSatisfiedVartime(backend: backend) else { throw .verificationFailed }
    }

    /// `statement(commitments:...)` for commitments whose canonical encodings the caller
    /// already holds (e.g. from decoding them), which saves encoding each one again.
    /// - Precondition: `encodings[j]` is the canonical encoding of `commitments[j]` (the
    ///   transcript binds the encodings and the equation uses the points).
    public func statement(commitments: [RistrettoPoint], encodings: [[UInt8]], bitSize n: Int,
                          transcript: inout Transcript, backend: Backend = .portable) throws(BulletproofsError) -> Statement
    {
        let ch = try statementChallenges(commitments: commitments, encodings: encodings, bitSize: n,
                                         transcript: &transcript)
        var inverses = ch.u + [ch.y]
        Scalar.batchInvertVartime(&inverses)  // public challenges
        return statement(commitments: commitments, challenges: ch, inverses: inverses[...], backend: backend)
    }

    /// The transcript replay of `statement`: every challenge, each nonzero, before any
    /// inversion (a batch verifier inverts those of all its proofs together).
    struct StatementChallenges {
        let n: Int, m: Int, N: Int
        let y: Scalar, z: Scalar, x: Scalar, w: Scalar
        /// The inner-product challenges u_1...u_k.
        let u: [Scalar]
    }

    /// The first half of `statement(commitments:encodings:...)`; throws what it throws.
    func statementChallenges(commitments: [RistrettoPoint], encodings: [[UInt8]], bitSize n: Int,
                             transcript: inout Transcript) throws(BulletproofsError) -> StatementChallenges {
        precondition(encodings.count == commitments.count, "one encoding per commitment")
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
        let u = try ipp.verificationChallenges(length: N, bitSize: n, aggregation: m, transcript: &transcript)
        guard !y.isZero else { throw .verificationFailed }
        return StatementChallenges(n: n, m: m, N: N, y: y, z: z, x: x, w: w, u: u)
    }

    /// The second half of `statement(commitments:encodings:...)`, given `inverses`: the
    /// inverses of `challenges.u` followed by y^-1.
    func statement(commitments: [RistrettoPoint], challenges ch: StatementChallenges,
                   inverses: ArraySlice<Scalar>, backend: Backend) -> Statement {
        let n = ch.n, m = ch.m, N = ch.N, y = ch.y, z = ch.z, x = ch.x, w = ch.w
        let k = ch.u.count
        precondition(inverses.count == k + 1, "one inverse per challenge and y^-1")
        let vs = InnerProductProof.verificationScalars(u: ch.u, uInverse: inverses.prefix(k),
                                                       extraInverse: inverses[inverses.startIndex + k])

        // Verifier randomness, not from the transcript (crate: `Scalar::random`): c joins
        // the two checks; rho is this statement's batch weight, folded into every scalar
        // below so that a batch need not multiply the 2N generator scalars again
        // (`Statement.isWeighted`).
        let c = Scalar.random()
        let rho = Scalar.randomWeight128()
        let rhoTimes = ScalarMultiplier(rho)
        let rhoC = rhoTimes.times(c)
        let a = ipp.a
        let b = ipp.b
        let zz = z * z
        let rhoZ = rhoTimes.times(z)
        let minusRhoZ = -rhoZ
        let yInv = vs.extraInverse

        // The generator scalars, weighted by rho (g = j*n + i, party j, bit i):
        //   G: rho*(-z - a*s_g)                                   = -rho*z - sa_g
        //   H: rho*(z + y^-g*(z^(2+j)*2^i - b*s_(N-1-g)))          = rho*z + tz_g - sb_g
        // with sa_g = (rho*a)*s_g, sb_g = (rho*b)*y^-g*s_(N-1-g), tz_g = rho*z^(2+j)*y^-g*2^i.
        // s_g = s_0 * prod_(bits t of g) u_(k-t)^2 with s_0 = prod u_r^-1, and s_(N-1-g) =
        // s_(N-1) * prod_(bits t of g) u_(k-t)^-2, so both sa and sb are products over the set
        // bits of g: sa_g = sa_(g - 2^t) * u_(k-t)^2 and sb_g = sb_(g - 2^t) * u_(k-t)^-2 *
        // y^-(2^t) for the highest bit t of g, and tz steps by 2/y inside a party. One
        // Montgomery multiplication per vector entry: 3N in all.
        var yInvPow2 = [yInv]  // y^-(2^t), t = 0...k
        yInvPow2.reserveCapacity(k + 1)
        for _ in 0..<k { yInvPow2.append(yInvPow2[yInvPow2.count - 1].squared()) }
        var saStep: [ScalarMultiplier] = []
        var sbStep: [ScalarMultiplier] = []
        saStep.reserveCapacity(k)
        sbStep.reserveCapacity(k)
        for t in 0..<k {
            saStep.append(ScalarMultiplier(vs.uSquared[k - 1 - t]))
            sbStep.append(ScalarMultiplier(vs.uInverseSquared[k - 1 - t] * yInvPow2[t]))
        }
        var sa = [Scalar](repeating: .zero, count: N)
        var sb = [Scalar](repeating: .zero, count: N)
        sa[0] = rhoTimes.times(a) * vs.allInverse
        sb[0] = rhoTimes.times(b) * vs.all
        // Entries [2^t, 2^(t+1)) are step_t times entries [0, 2^t): one batch of products
        // per bit (eight at a time where the CPU has vector lanes).
        Self.extendByDoubling(&sa, steps: saStep, backend: backend)
        Self.extendByDoubling(&sb, steps: sbStep, backend: backend)
        // (2/y)^i for i < n the same way, with steps (2/y)^(2^t).
        var twoOverYPowers = [Scalar](repeating: .one, count: n)
        var twoOverYSteps: [ScalarMultiplier] = []
        var power = yInv + yInv
        while (1 << twoOverYSteps.count) < n {
            twoOverYSteps.append(ScalarMultiplier(power))
            power = power.squared()
        }
        Self.extendByDoubling(&twoOverYPowers, steps: twoOverYSteps, backend: backend)
        // Party j starts at rho*z^(2+j)*y^-(j*n); the next party's start is times z*y^-n.
        let nextParty = ScalarMultiplier(z * yInvPow2[n.trailingZeroBitCount])
        var tz = [Scalar](repeating: .zero, count: n)

        var st = Statement()
        st.isWeighted = true
        st.g = [Scalar](repeating: .zero, count: m * Generators.capacityBits)
        st.h = [Scalar](repeating: .zero, count: m * Generators.capacityBits)
        var partyStart = rhoTimes.times(zz)
        for j in 0..<m {
            // tz_i = rho*z^(2+j)*y^-(j*n) * (2/y)^i.
            twoOverYPowers.withUnsafeBufferPointer { p in
                tz.withUnsafeMutableBufferPointer { ScalarMultiplier(partyStart).times(p, into: $0, backend: backend) }
            }
            for i in 0..<n {
                let g = j * n + i
                let kIndex = Generators.index(party: j, bit: i)
                st.g[kIndex] = minusRhoZ - sa[g]
                st.h[kIndex] = rhoZ + tz[i] - sb[g]
            }
            partyStart = nextParty.times(partyStart)
        }
        st.b = rhoTimes.times(w * (tX - a * b) + c * (VectorMath.delta(bitSize: n, aggregation: m, y: y, z: z) - tX))
        st.bBlinding = rhoTimes.times(-eBlinding - c * tXBlinding)

        let rhoX = rhoTimes.times(x)
        let rhoCX = rhoC * x
        var scalars: [Scalar] = [rho, rhoX, rhoCX, rhoCX * x]
        var points: [RistrettoPoint] = [A.point, S.point, T1.point, T2.point]
        scalars.reserveCapacity(4 + 2 * k + m)
        points.reserveCapacity(4 + 2 * k + m)
        for r in 0..<k {
            scalars.append(rhoTimes.times(vs.uSquared[r]))
            points.append(ipp.L[r].point)
        }
        for r in 0..<k {
            scalars.append(rhoTimes.times(vs.uInverseSquared[r]))
            points.append(ipp.R[r].point)
        }
        let rhoCTimes = ScalarMultiplier(rhoC)
        var zPower = zz
        for j in 0..<m {
            scalars.append(rhoCTimes.times(zPower))
            points.append(commitments[j])
            zPower *= z
        }
        st.scalars = scalars
        st.points = points
        return st
    }
}
