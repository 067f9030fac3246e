import BatchVerify
public import Merlin
public import Ristretto255
import Sodium

/// Random scalars for the prover: 64 bytes from the generator, reduced mod l.
struct ScalarSource<G: RandomNumberGenerator> {
    var rng: G

    mutating func next() -> Scalar {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        for _ in 0..<8 {
            let word = rng.next()
            for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: word >> (8 * UInt64(k)))) }
        }
        defer { secureZero(&bytes) }
        return Scalar(reducingWide: bytes)
    }
}

/// libsodium's CSPRNG as a `RandomNumberGenerator` (the prover's default randomness).
public struct SodiumRandomNumberGenerator: RandomNumberGenerator, Sendable {
    /// A generator reading from libsodium's `randombytes_buf`.
    public init() {}
    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        var word: UInt64 = 0
        withUnsafeMutableBytes(of: &word) { SecureRandom.fill($0) }
        return word
    }
}

extension RangeProof {
    /// Creates an aggregated range proof that each `values[j]` lies in [0, 2^n), and the
    /// commitments V_j = values[j]*B + blindings[j]*B~ it is checked against.
    ///
    /// The protocol, transcript and wire format are those of the dalek crate's
    /// `RangeProof::prove_multiple` (dealer and parties run in one process; summing the
    /// parties' random blinding scalars gives the same distribution as one random scalar
    /// per proof element). Secrets (values, bits, blindings, the random alpha, rho,
    /// s_L, s_R, tau_1, tau_2) only reach `Scalar` arithmetic and
    /// `constantTimeMultiscalarMul`; the inner-product argument works on the blinded
    /// vectors l(x), r(x) (see `InnerProductProof.prove`).
    ///
    /// - Parameters:
    ///   - values: the m secret amounts, m in {1, 2, 4, 8, 16}.
    ///   - blindings: one secret blinding per value.
    ///   - bitSize: n in {8, 16, 32, 64}.
    ///   - transcript: the caller's transcript (domain separation of the application);
    ///     the verifier must start from an identical one.
    ///   - rng: randomness for the blinding factors (default: libsodium's CSPRNG).
    /// - Returns: the proof and the m commitments, in the order of `values`.
    /// - Throws: `.invalidBitSize`, `.invalidAggregationSize`, `.mismatchedInputs`,
    ///   `.valueOutOfRange(index:bitSize:)` for a value >= 2^n, `.degenerateChallenge`
    ///   (probability about 2^-250).
    public static func prove(values: [UInt64], blindings: [Scalar], bitSize n: Int, transcript: inout Transcript)
        throws(BulletproofsError) -> (proof: RangeProof, commitments: [RistrettoPoint])
    {
        var rng = SodiumRandomNumberGenerator()
        return try prove(values: values, blindings: blindings, bitSize: n, transcript: &transcript, using: &rng)
    }

    /// `prove` with caller-supplied randomness (tests use a seeded generator; production
    /// code must pass a cryptographically secure one).
    public static func prove<G: RandomNumberGenerator>(values: [UInt64], blindings: [Scalar], bitSize n: Int,
                                                       transcript: inout Transcript, using rng: inout G)
        throws(BulletproofsError) -> (proof: RangeProof, commitments: [RistrettoPoint])
    {
        let m = values.count
        try RangeProofParameters.check(bitSize: n, aggregation: m)
        guard blindings.count == m else { throw .mismatchedInputs(values: m, blindings: blindings.count) }
        if n < 64 {
            // Refusing is the only correct answer for such a value; the caller learns
            // nothing it did not already know (it chose the value).
            for (j, v) in values.enumerated() where v >> UInt64(n) != 0 {
                throw .valueOutOfRange(index: j, bitSize: n)
            }
        }
        return try proveCore(committedValues: values.map { Scalar($0) }, bitValues: values, blindings: blindings,
                             bitSize: n, transcript: &transcript, using: &rng)
    }

    /// The prover with the committed value and the value whose bits are proven given
    /// separately. Honest callers pass the same values (`prove`); soundness tests pass
    /// a committed value outside [0, 2^n) (e.g. -1) with in-range bits, which must yield
    /// a proof that does not verify.
    static func proveCore<G: RandomNumberGenerator>(committedValues: [Scalar], bitValues values: [UInt64],
                                                    blindings: [Scalar], bitSize n: Int,
                                                    transcript: inout Transcript, using rng: inout G)
        throws(BulletproofsError) -> (proof: RangeProof, commitments: [RistrettoPoint])
    {
        let m = values.count
        precondition(committedValues.count == m && blindings.count == m)
        let gens = Generators.standard
        let N = n * m
        var source = ScalarSource(rng: rng)
        defer { rng = source.rng }

        // Commitments V_j = v_j*B + gamma_j*B~ (constant time).
        var commitments: [RistrettoPoint] = []
        commitments.reserveCapacity(m)
        for j in 0..<m {
            commitments.append(RistrettoPoint.constantTimeMultiscalarMul([committedValues[j], blindings[j]],
                                                                         [gens.B, gens.blinding]))
        }
        let vEncodings = RistrettoPoint.batchEncode(commitments)
        transcript.rangeProofDomainSeparator(bitSize: n, aggregation: m)
        for enc in vEncodings { transcript.appendPoint("V", enc) }

        // Generator g of the aggregated vectors is party j = g / n, bit i = g % n.
        var indices: [Int] = []
        indices.reserveCapacity(N)
        for j in 0..<m { for i in 0..<n { indices.append(Generators.index(party: j, bit: i)) } }

        // Bits a_L (0 or 1) and a_R = a_L - 1, extracted with shifts and masks only.
        var aL: [Scalar] = []
        var aR: [Scalar] = []
        // Every secret-derived vector and scalar of the proof is wiped on the way out.
        defer {
            secureZero(&aL)
            secureZero(&aR)
        }
        aL.reserveCapacity(N)
        aR.reserveCapacity(N)
        for j in 0..<m {
            for i in 0..<n {
                let bit = Scalar((values[j] >> UInt64(i)) & 1)
                aL.append(bit)
                aR.append(bit - .one)
            }
        }

        // A = alpha*B~ + <a_L, G> + <a_R, H>;  S = rho*B~ + <s_L, G> + <s_R, H>.
        var alpha = source.next()
        var rho = source.next()
        var sL: [Scalar] = []
        var sR: [Scalar] = []
        defer {
            secureZero(value: &alpha)
            secureZero(value: &rho)
            secureZero(&sL)
            secureZero(&sR)
        }
        sL.reserveCapacity(N)
        sR.reserveCapacity(N)
        for _ in 0..<N { sL.append(source.next()) }
        for _ in 0..<N { sR.append(source.next()) }
        var basis: [RistrettoPoint] = [gens.blinding]
        basis.reserveCapacity(2 * N + 1)
        for k in indices { basis.append(gens.g[k]) }
        for k in indices { basis.append(gens.h[k]) }
        // With a_R = a_L - 1: <a_L, G> + <a_R, H> = <a_L, G + H> - sum H, so A needs a
        // constant-time MSM of N + 1 terms instead of 2N + 1 (the point sums are public).
        var sumH = RistrettoPoint.identity
        var bitBasis: [RistrettoPoint] = [gens.blinding]
        bitBasis.reserveCapacity(N + 1)
        for k in indices {
            sumH += gens.h[k]
            bitBasis.append(gens.g[k] + gens.h[k])
        }
        var aScalars = [alpha] + aL
        var sScalars = [rho] + sL + sR
        defer {
            secureZero(&aScalars)
            secureZero(&sScalars)
        }
        let A = RistrettoPoint.constantTimeMultiscalarMul(aScalars, bitBasis) - sumH
        let S = RistrettoPoint.constantTimeMultiscalarMul(sScalars, basis)
        let AS = RistrettoPoint.batchEncode([A, S])
        transcript.appendPoint("A", AS[0])
        transcript.appendPoint("S", AS[1])
        let y = transcript.challengeScalar("y")
        let z = transcript.challengeScalar("z")
        guard !y.isZero else { throw .degenerateChallenge("y") }

        // l(X) = l0 + l1*X, r(X) = r0 + r1*X with
        // l0_g = a_L,g - z, l1_g = s_L,g, r0_g = y^g*(a_R,g + z) + z^(2+j)*2^i, r1_g = y^g*s_R,g.
        let yPowers = VectorMath.powers(of: y, count: N)
        let zz = z * z
        var l0: [Scalar] = []
        var r0: [Scalar] = []
        var r1: [Scalar] = []
        defer {
            secureZero(&l0)
            secureZero(&r0)
            secureZero(&r1)
        }
        l0.reserveCapacity(N)
        r0.reserveCapacity(N)
        r1.reserveCapacity(N)
        var zPower = zz  // z^(2+j)
        for j in 0..<m {
            for i in 0..<n {
                let g = j * n + i
                l0.append(aL[g] - z)
                r0.append(yPowers[g] * (aR[g] + z) + zPower * VectorMath.powerOfTwo(i))
                r1.append(yPowers[g] * sR[g])
            }
            zPower *= z
        }
        // t(X) = <l(X), r(X)> = t0 + t1*X + t2*X^2.
        var t0 = VectorMath.innerProduct(l0[...], r0[...])
        var t2 = VectorMath.innerProduct(sL[...], r1[...])
        var t1 = VectorMath.innerProduct(l0[...], r1[...]) + VectorMath.innerProduct(sL[...], r0[...])
        var tau1 = source.next()
        var tau2 = source.next()
        defer {
            secureZero(value: &t0)
            secureZero(value: &t1)
            secureZero(value: &t2)
            secureZero(value: &tau1)
            secureZero(value: &tau2)
        }
        let T1 = RistrettoPoint.constantTimeMultiscalarMul([t1, tau1], [gens.B, gens.blinding])
        let T2 = RistrettoPoint.constantTimeMultiscalarMul([t2, tau2], [gens.B, gens.blinding])
        let TT = RistrettoPoint.batchEncode([T1, T2])
        transcript.appendPoint("T_1", TT[0])
        transcript.appendPoint("T_2", TT[1])
        let x = transcript.challengeScalar("x")
        guard !x.isZero else { throw .degenerateChallenge("x") }

        // Openings at x.
        let tX = t0 + x * (t1 + x * t2)
        var tXBlinding = x * (tau1 + x * tau2)
        zPower = zz
        for j in 0..<m {
            tXBlinding += zPower * blindings[j]
            zPower *= z
        }
        let eBlinding = alpha + rho * x
        transcript.appendScalar("t_x", tX)
        transcript.appendScalar("t_x_blinding", tXBlinding)
        transcript.appendScalar("e_blinding", eBlinding)
        let w = transcript.challengeScalar("w")
        let Q = RistrettoPoint.multiplyBase(secret: w)  // w is public; the constant-time path is simply the one at hand

        var lx: [Scalar] = []
        var rx: [Scalar] = []
        defer {
            secureZero(&lx)
            secureZero(&rx)
        }
        lx.reserveCapacity(N)
        rx.reserveCapacity(N)
        for g in 0..<N {
            lx.append(l0[g] + sL[g] * x)
            rx.append(r0[g] + r1[g] * x)
        }
        // H'_g = y^-g * H_g.
        let yInv = y.inverted()
        let hFactors = VectorMath.powers(of: yInv, count: N)
        let ipp = try InnerProductProof.prove(a: lx, b: rx, hFactors: hFactors, Q: Q, generatorIndices: indices,
                                              transcript: &transcript)
        let proof = RangeProof(A: ProofPoint(A, encoding: AS[0]), S: ProofPoint(S, encoding: AS[1]),
                               T1: ProofPoint(T1, encoding: TT[0]), T2: ProofPoint(T2, encoding: TT[1]),
                               tX: tX, tXBlinding: tXBlinding, eBlinding: eBlinding, ipp: ipp)
        return (proof, commitments)
    }
}
