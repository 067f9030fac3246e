import BatchVerify
import Merlin
import Ristretto255

/// The inner-product argument inside a range proof (dalek `InnerProductProof`):
/// k rounds of (L_r, R_r) and the final scalars a, b.
///
/// Wire form: L_1, R_1, L_2, R_2, ..., L_k, R_k, a, b (32 bytes each).
struct InnerProductProof: Sendable, Equatable {
    let L: [ProofPoint]
    let R: [ProofPoint]
    let a: Scalar
    let b: Scalar

    init(L: [ProofPoint], R: [ProofPoint], a: Scalar, b: Scalar) {
        self.L = L
        self.R = R
        self.a = a
        self.b = b
    }

    /// Strict decoding of the inner-product part (`InnerProductProof::from_bytes`): at
    /// least a and b, an even number of points before them, fewer than 32 rounds.
    init(bytes: ArraySlice<UInt8>) throws(BulletproofsError) {
        guard bytes.count % 32 == 0 else {
            throw .wrongLength(field: "inner-product proof", actual: bytes.count, reason: "not a multiple of 32 bytes")
        }
        let elements = bytes.count / 32
        guard elements >= 2 else {
            throw .malformedInnerProduct(reason: "\(elements) elements; the final scalars a and b are missing")
        }
        guard (elements - 2) % 2 == 0 else {
            throw .malformedInnerProduct(reason: "\(elements - 2) points before a and b; L and R must come in pairs")
        }
        let rounds = (elements - 2) / 2
        guard rounds < 32 else {
            throw .malformedInnerProduct(reason: "\(rounds) rounds; at most 31 are possible")
        }
        let base = bytes.startIndex
        var L: [ProofPoint] = []
        var R: [ProofPoint] = []
        L.reserveCapacity(rounds)
        R.reserveCapacity(rounds)
        let aStart = base + 64 * rounds
        // Scalars first (the crate checks them at parse time; points only when verifying).
        let a = try decodeScalar(bytes[aStart..<aStart + 32], field: "a")
        let b = try decodeScalar(bytes[aStart + 32..<aStart + 64], field: "b")
        for r in 0..<rounds {
            let off = base + 64 * r
            L.append(try ProofPoint(decoding: bytes[off..<off + 32], field: "L_\(r + 1)"))
            R.append(try ProofPoint(decoding: bytes[off + 32..<off + 64], field: "R_\(r + 1)"))
        }
        self.init(L: L, R: R, a: a, b: b)
    }

    func append(to out: inout [UInt8]) {
        for r in 0..<L.count {
            out += L[r].encoding
            out += R[r].encoding
        }
        out += a.bytes
        out += b.bytes
    }

    // MARK: Verification scalars

    /// What the verifier needs from the inner-product transcript.
    struct VerificationScalars {
        /// u_r^2 for r = 1...k.
        var uSquared: [Scalar]
        /// u_r^-2 for r = 1...k.
        var uInverseSquared: [Scalar]
        /// s_0 = prod u_r^-1 (the first entry of the crate's vector s).
        var allInverse: Scalar
        /// s_(N-1) = prod u_r = 1 / s_0.
        var all: Scalar
        /// The inverse of the caller's `extraInverse`.
        var extraInverse: Scalar
    }

    /// The challenges u_1...u_k of the inner-product transcript (replayed as the crate
    /// does, validating every L and R; reference section 6), each nonzero, before any
    /// inversion: a batch verifier inverts the challenges of all its proofs together.
    ///
    /// The crate's vector s is s_0 = prod u_r^-1, s_g = s_(g - 2^t) * u_(k-t)^2 where 2^t is
    /// the highest power of two <= g; the range-proof statement builds the multiples of s
    /// it needs directly from the challenges (see `RangeProof.statement`).
    /// - Throws: `.sizeMismatch` when N != 2^k, `.identityPoint` for an identity L/R,
    ///   `.verificationFailed` for a zero challenge (which makes the proof unverifiable).
    func verificationChallenges(length N: Int, bitSize n: Int, aggregation m: Int,
                                transcript: inout Transcript) throws(BulletproofsError) -> [Scalar] {
        let k = L.count
        guard k < 32, N == 1 << k else { throw .sizeMismatch(bitSize: n, commitments: m, rounds: k) }
        transcript.innerProductDomainSeparator(length: N)
        var u: [Scalar] = []
        u.reserveCapacity(k + 1)
        for r in 0..<k {
            try transcript.validateAndAppendPoint("L", L[r].encoding, field: "L_\(r + 1)")
            try transcript.validateAndAppendPoint("R", R[r].encoding, field: "R_\(r + 1)")
            let ur = transcript.challengeScalar("u")
            // A zero challenge has probability ~2^-252; batchInvert requires nonzero input.
            guard !ur.isZero else { throw .verificationFailed }
            u.append(ur)
        }
        return u
    }

    /// The verification scalars from the challenges, their inverses and the caller's
    /// inverted extra scalar (y^-1, which shares the challenges' batch inversion).
    static func verificationScalars(u: [Scalar], uInverse uInv: ArraySlice<Scalar>,
                                    extraInverse: Scalar) -> VerificationScalars {
        var allInv = Scalar.one
        for x in uInv { allInv *= x }
        var all = Scalar.one
        for x in u { all *= x }
        return VerificationScalars(uSquared: u.map { $0.squared() }, uInverseSquared: uInv.map { $0.squared() },
                                   allInverse: allInv, all: all, extraInverse: extraInverse)
    }

    // MARK: Prover

    /// Creates the inner-product argument for <a, b> with generators G_g (factor 1),
    /// H'_g = hFactors[g] * H_g and Q, continuing `transcript` (crate
    /// `InnerProductProof::create`). `generatorIndices[g]` is the index of the g-th
    /// generator in `Generators.g`/`.h`.
    ///
    /// Instead of folding the generator vectors each round (2 scalar multiplications per
    /// point per round), the folded generators are kept as coefficient vectors over the
    /// original generators: after the rounds so far, the current generator i is
    /// sum over originals t with t mod len == i of gCoef[t] * G_t. Each L_r, R_r is then
    /// one multiscalar multiplication over N/2 + N/2 original generators and Q (on the
    /// precomputed `Generators.vartimeTable` for N <= 256). The points produced are identical
    /// to the crate's.
    ///
    /// Constant time: the vectors a and b are l(x) and r(x) of the range proof. They are
    /// blinded by the uniformly random s_L, s_R (times x != 0), and the original
    /// Bulletproofs range proof (paper, section 4.2) sends l(x) and r(x) in the clear and
    /// is still zero-knowledge: everything computed here from them (c_L, c_R, L_r, R_r,
    /// the folded vectors, a, b) is a function of data the simulator may publish. So the
    /// variable-time multiscalar multiplications below leak nothing about the values or
    /// blindings (the crate's prover makes the same choice).
    static func prove(a aIn: [Scalar], b bIn: [Scalar], hFactors: [Scalar], Q: RistrettoPoint,
                      generatorIndices: [Int], transcript: inout Transcript, backend: Backend)
        throws(BulletproofsError) -> InnerProductProof
    {
        let N = aIn.count
        precondition(N > 0 && N & (N - 1) == 0 && bIn.count == N && hFactors.count == N && generatorIndices.count == N)
        transcript.innerProductDomainSeparator(length: N)
        var a = aIn
        var b = bIn
        var gCoef = [Scalar](repeating: .one, count: N)
        var hCoef = hFactors
        var Ls: [ProofPoint] = []
        var Rs: [ProofPoint] = []
        var len = N
        // Up to N = 256 (measured) L and R are cheapest on the precomputed table
        // [B, B~, G_0, H_0, ...] (G_k at 2 + 2k, H_k at 3 + 2k; unused positions stay
        // zero); above that, where the table no longer fits in cache, Pippenger over the
        // N + 1 terms is faster.
        let useTable = N <= 256
        let table = VartimePrecomputedMSM(table: Generators.vartimeTable, backend: backend)
        let msm = VartimeMSM(backend: backend)
        let prefix = useTable ? Generators.vartimeTablePosition(g: generatorIndices.max() ?? 0) + 2 : 0
        var lStatic = [Scalar](repeating: .zero, count: prefix)
        var rStatic = [Scalar](repeating: .zero, count: prefix)
        var lScalars: [Scalar] = []
        var rScalars: [Scalar] = []
        var lPoints: [RistrettoPoint] = []
        var rPoints: [RistrettoPoint] = []
        let gens = Generators.standard
        while len > 1 {
            let half = len / 2
            let cL = VectorMath.innerProduct(a[0..<half], b[half..<len])
            let cR = VectorMath.innerProduct(a[half..<len], b[0..<half])
            // L = <a_lo, G_hi> + <b_hi, H_lo> + cL*Q; R = <a_hi, G_lo> + <b_lo, H_hi> + cR*Q,
            // written over the original generators t (current index i = t mod len).
            let L: RistrettoPoint
            let R: RistrettoPoint
            if useTable {
                for t in 0..<N {
                    let i = t % len
                    let pos = Generators.vartimeTablePosition(g: generatorIndices[t])
                    if i < half {
                        rStatic[pos] = a[i + half] * gCoef[t]
                        lStatic[pos] = .zero
                        lStatic[pos + 1] = b[i + half] * hCoef[t]
                        rStatic[pos + 1] = .zero
                    } else {
                        lStatic[pos] = a[i - half] * gCoef[t]
                        rStatic[pos] = .zero
                        rStatic[pos + 1] = b[i - half] * hCoef[t]
                        lStatic[pos + 1] = .zero
                    }
                }
                // Variable time on public-grade data only: see the doc comment above.
                L = table.vartimeMultiscalarMul(staticScalars: lStatic, dynamicScalars: [cL], dynamicPoints: [Q])
                R = table.vartimeMultiscalarMul(staticScalars: rStatic, dynamicScalars: [cR], dynamicPoints: [Q])
            } else {
                lScalars.removeAll(keepingCapacity: true)
                rScalars.removeAll(keepingCapacity: true)
                lPoints.removeAll(keepingCapacity: true)
                rPoints.removeAll(keepingCapacity: true)
                for t in 0..<N {
                    let i = t % len
                    let k = generatorIndices[t]
                    if i < half {
                        rScalars.append(a[i + half] * gCoef[t])
                        rPoints.append(gens.g[k])
                        lScalars.append(b[i + half] * hCoef[t])
                        lPoints.append(gens.h[k])
                    } else {
                        lScalars.append(a[i - half] * gCoef[t])
                        lPoints.append(gens.g[k])
                        rScalars.append(b[i - half] * hCoef[t])
                        rPoints.append(gens.h[k])
                    }
                }
                lScalars.append(cL)
                lPoints.append(Q)
                rScalars.append(cR)
                rPoints.append(Q)
                // Variable time on public-grade data only: see the doc comment above.
                L = msm.vartimeMultiscalarMul(lScalars, lPoints)
                R = msm.vartimeMultiscalarMul(rScalars, rPoints)
            }
            let enc = RistrettoPoint.batchEncode([L, R], backend: backend)
            transcript.appendPoint("L", enc[0])
            transcript.appendPoint("R", enc[1])
            Ls.append(ProofPoint(L, encoding: enc[0]))
            Rs.append(ProofPoint(R, encoding: enc[1]))
            let u = transcript.challengeScalar("u")
            guard !u.isZero else { throw .degenerateChallenge("u") }
            let uInv = u.inverted()
            for i in 0..<half {
                a[i] = a[i] * u + uInv * a[i + half]
                b[i] = b[i] * uInv + u * b[i + half]
            }
            for t in 0..<N {
                if t % len < half {
                    gCoef[t] *= uInv
                    hCoef[t] *= u
                } else {
                    gCoef[t] *= u
                    hCoef[t] *= uInv
                }
            }
            len = half
        }
        return InnerProductProof(L: Ls, R: Rs, a: a[0], b: b[0])
    }
}
