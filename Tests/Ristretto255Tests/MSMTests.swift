import Ristretto255
import TestSupport
import Testing

/// Multiscalar multiplication (Straus, Pippenger, the size dispatch, the precomputed
/// tables and the constant-time Straus) against the naive sum of single products.
@Suite("multiscalar multiplication")
struct MSMTests {
    static func randomScalar(_ rng: inout SeededRNG) -> Scalar { Scalar(reducingWide: rng.bytes(64)) }

    static func randomPoint(_ rng: inout SeededRNG) -> RistrettoPoint { RistrettoPoint.fromUniformBytes(rng.bytes(64)) }

    static func randomTerms(_ n: Int, _ rng: inout SeededRNG) -> ([Scalar], [RistrettoPoint]) {
        ((0..<n).map { _ in randomScalar(&rng) }, (0..<n).map { _ in randomPoint(&rng) })
    }

    /// sum s_i P_i term by term (the oracle: single-point NAF multiplication and addition).
    static func naive(_ scalars: [Scalar], _ points: [RistrettoPoint]) -> RistrettoPoint {
        var acc = RistrettoPoint.identity
        for i in scalars.indices { acc += points[i].vartimeMultiply(scalars[i]) }
        return acc
    }

    /// l - 1 (the largest canonical scalar).
    static let minusOne = Scalar.zero - Scalar.one
    /// 2^252 - 1 (all 252 low bits set: long carry chains in every recoding).
    static let allOnes252: Scalar = {
        var bytes = [UInt8](repeating: 0xff, count: 32)
        bytes[31] = 0x0f
        return Scalar(reducing: bytes)
    }()

    /// Scalars that stress the recodings: 0, 1, -1, 2^252 - 1, 2^k +- 1, small values.
    static func edgeScalars() -> [Scalar] {
        var out: [Scalar] = [.zero, .one, minusOne, allOnes252, Scalar(2), Scalar(UInt64.max), -Scalar(2)]
        var p = Scalar.one
        for k in 0..<253 {
            if k % 7 == 0 || k > 245 { out.append(p); out.append(p - .one); out.append(p + .one) }
            p = p + p
        }
        return out
    }

    @Test("Straus, Pippenger and the dispatching MSM equal the naive sum for every size 0...300")
    func everySizeUpTo300() {
        var rng = SeededRNG(seed: 0x4d53_4d01)
        print("MSMTests.everySizeUpTo300 seed \(rng.seed)")
        let (scalars, points) = Self.randomTerms(300, &rng)
        var expected = RistrettoPoint.identity
        for n in 0...300 {
            if n > 0 { expected += points[n - 1].vartimeMultiply(scalars[n - 1]) }
            let s = Array(scalars[0..<n]), p = Array(points[0..<n])
            for backend in TestBackends.supported {
                #expect(VartimeMSM(backend: backend).vartimeMultiscalarMul(s, p) == expected, "dispatch \(backend), n = \(n)")
            }
            // The path the dispatch did not take at this size.
            if n < VartimeMSM.pippengerThreshold {
                #expect(RistrettoPoint(edwards: VartimePippenger.multiscalarMul(s, p)) == expected, "Pippenger, n = \(n)")
            } else {
                #expect(RistrettoPoint(edwards: VartimeStraus.multiscalarMul(s, p)) == expected, "Straus, n = \(n)")
            }
        }
    }

    @Test("the MSM equals the naive sum for a few random sizes up to 5,000 and for 4,096")
    func largeSizes() {
        var rng = SeededRNG(seed: 0x4d53_4d02)
        print("MSMTests.largeSizes seed \(rng.seed)")
        var sizes = [4096]
        for _ in 0..<testIterations(3) { sizes.append(301 + Int(rng.next() % 4700)) }
        for n in sizes {
            let (s, p) = Self.randomTerms(n, &rng)
            let expected = Self.naive(s, p)
            for backend in TestBackends.supported {
                #expect(VartimeMSM(backend: backend).vartimeMultiscalarMul(s, p) == expected, "\(backend), n = \(n)")
            }
        }
    }

    @Test("Pippenger equals the naive sum for every window width 2...15")
    func everyWindowWidth() {
        var rng = SeededRNG(seed: 0x4d53_4d03)
        print("MSMTests.everyWindowWidth seed \(rng.seed)")
        var (s, p) = Self.randomTerms(40, &rng)
        s += Self.edgeScalars()
        p += (0..<(s.count - p.count)).map { _ in Self.randomPoint(&rng) }
        let expected = Self.naive(s, p)
        for c in 2...15 {
            #expect(RistrettoPoint(edwards: VartimePippenger.multiscalarMul(s, p, windowBits: c)) == expected, "c = \(c)")
        }
    }

    @Test("the vector (window-per-lane) Pippenger equals the naive sum for every window width 2...12, sizes 0...300 and the edge cases",
          .enabled(if: TestBackends.runs(.ifma), "this CPU lacks AVX-512 IFMA: the ifma backend cannot run here"))
    func vectorKernel() {
        var rng = SeededRNG(seed: 0x4d53_4d08)
        print("MSMTests.vectorKernel seed \(rng.seed)")
        var (s, p) = Self.randomTerms(40, &rng)
        s += Self.edgeScalars()
        p += (0..<(s.count - p.count)).map { _ in Self.randomPoint(&rng) }
        // Zero digits in some lanes only, identities, a point and its negative, repeats.
        let q = Self.randomPoint(&rng)
        s += [.zero, Self.minusOne, Self.minusOne, .one, Scalar(1 << 20), Self.minusOne]
        p += [q, q, -q, q, .identity, q]
        let expected = Self.naive(s, p)
        for c in 2...12 {
            #expect(RistrettoPoint(edwards: VartimePippenger.multiscalarMulIFMA(s, p, windowBits: c)) == expected, "c = \(c)")
        }
        let (scalars, points) = Self.randomTerms(300, &rng)
        var sum = RistrettoPoint.identity
        for n in 0...300 {
            if n > 0 { sum += points[n - 1].vartimeMultiply(scalars[n - 1]) }
            let got = VartimePippenger.multiscalarMulIFMA(Array(scalars[0..<n]), Array(points[0..<n]))
            #expect(RistrettoPoint(edwards: got) == sum, "n = \(n)")
        }
    }

    @Test("the AVX2 (window-per-lane) Pippenger equals the naive sum for every window width 2...12, sizes 0...300 and the edge cases",
          .enabled(if: TestBackends.runs(.avx2), "this CPU lacks the AVX2 set: the avx2 backend cannot run here"))
    func avx2Kernel() {
        var rng = SeededRNG(seed: 0x4d53_4d09)
        print("MSMTests.avx2Kernel seed \(rng.seed)")
        var (s, p) = Self.randomTerms(40, &rng)
        s += Self.edgeScalars()
        p += (0..<(s.count - p.count)).map { _ in Self.randomPoint(&rng) }
        // Zero digits in some lanes only, identities, a point and its negative, repeats.
        let q = Self.randomPoint(&rng)
        s += [.zero, Self.minusOne, Self.minusOne, .one, Scalar(1 << 20), Self.minusOne]
        p += [q, q, -q, q, .identity, q]
        let expected = Self.naive(s, p)
        for c in 2...12 {
            #expect(RistrettoPoint(edwards: VartimePippenger.multiscalarMulAVX2(s, p, windowBits: c)) == expected, "c = \(c)")
        }
        let (scalars, points) = Self.randomTerms(300, &rng)
        var sum = RistrettoPoint.identity
        for n in 0...300 {
            if n > 0 { sum += points[n - 1].vartimeMultiply(scalars[n - 1]) }
            let got = VartimePippenger.multiscalarMulAVX2(Array(scalars[0..<n]), Array(points[0..<n]))
            #expect(RistrettoPoint(edwards: got) == sum, "n = \(n)")
        }
    }

    @Test("the AVX2 Pippenger gives the portable Pippenger's Edwards point at 1,000 and 4,096 terms: torsion and unreduced representatives, identities, one scalar everywhere, edge scalars",
          .enabled(if: TestBackends.runs(.avx2), "this CPU lacks the AVX2 set: the avx2 backend cannot run here"))
    func avx2KernelLarge() {
        var rng = SeededRNG(seed: 0x4d53_4d0a)
        print("MSMTests.avx2KernelLarge seed \(rng.seed)")
        /// The same projective point (both sides compute the same Edwards sum, torsion included).
        func same(_ a: EdwardsPoint, _ b: EdwardsPoint) -> Bool {
            (a.X * b.Z).bytes == (b.X * a.Z).bytes && (a.Y * b.Z).bytes == (b.Y * a.Z).bytes
                && (a.T * b.Z).bytes == (b.T * a.Z).bytes
        }
        let edge = Self.edgeScalars()
        for n in [1000, 4096] {
            var (s, p) = Self.randomTerms(n, &rng)
            // Every 7th point another representative of its class (small-order components,
            // coordinates near p, limbs of 2^51 and more), every 11th the identity, every
            // 13th scalar an edge scalar.
            for i in stride(from: 0, to: n, by: 7) {
                let reps = EdgePoints.representatives(of: p[i])
                p[i] = reps[i % reps.count]
            }
            for i in stride(from: 5, to: n, by: 11) { p[i] = .identity }
            for i in stride(from: 3, to: n, by: 13) { s[i] = edge[i % edge.count] }
            let expected = VartimePippenger.multiscalarMul(s, p)
            let widths: [Int?] = n == 1000 ? [nil, 5, 8, 11] : [nil]
            for c in widths {
                #expect(same(VartimePippenger.multiscalarMulAVX2(s, p, windowBits: c), expected), "n = \(n), c = \(c.map(String.init) ?? "default")")
            }
            // One scalar for every point: each window's digits all fall into one bucket, a
            // single run per lane, flushed only after the last step.
            let one = Self.randomScalar(&rng)
            let uniform = [Scalar](repeating: one, count: n)
            #expect(same(VartimePippenger.multiscalarMulAVX2(uniform, p), VartimePippenger.multiscalarMul(uniform, p)),
                    "n = \(n), one scalar")
        }
    }

    @Test("identity points, zero scalars, repeated points and scalars l-1 give the naive sum in every algorithm")
    func edgeCases() {
        var rng = SeededRNG(seed: 0x4d53_4d04)
        print("MSMTests.edgeCases seed \(rng.seed)")
        let q = Self.randomPoint(&rng)
        let edge = Self.edgeScalars()
        var cases: [(String, [Scalar], [RistrettoPoint])] = [
            ("all zero scalars", [Scalar](repeating: .zero, count: 250), (0..<250).map { _ in Self.randomPoint(&rng) }),
            ("all identity points", (0..<250).map { _ in Self.randomScalar(&rng) }, [RistrettoPoint](repeating: .identity, count: 250)),
            ("one repeated point", (0..<250).map { _ in Self.randomScalar(&rng) }, [RistrettoPoint](repeating: q, count: 250)),
            ("l-1 everywhere", [Scalar](repeating: Self.minusOne, count: 250), (0..<250).map { _ in Self.randomPoint(&rng) }),
            ("edge scalars", edge, (0..<edge.count).map { _ in Self.randomPoint(&rng) }),
            ("P and -P with equal scalars", [Self.minusOne, Self.minusOne], [q, -q]),
            ("single term l-1", [Self.minusOne], [RistrettoPoint.basepoint]),
        ]
        // A mix: random terms with zeros, identities and repeats interleaved.
        var mixS: [Scalar] = [], mixP: [RistrettoPoint] = []
        for i in 0..<260 {
            switch i % 5 {
            case 0: mixS.append(.zero); mixP.append(Self.randomPoint(&rng))
            case 1: mixS.append(Self.randomScalar(&rng)); mixP.append(.identity)
            case 2: mixS.append(Self.randomScalar(&rng)); mixP.append(q)
            case 3: mixS.append(Self.minusOne); mixP.append(q)
            default: mixS.append(Self.randomScalar(&rng)); mixP.append(Self.randomPoint(&rng))
            }
        }
        cases.append(("mixed", mixS, mixP))
        for (name, s, p) in cases {
            let expected = Self.naive(s, p)
            for backend in TestBackends.supported {
                #expect(VartimeMSM(backend: backend).vartimeMultiscalarMul(s, p) == expected, "dispatch \(backend): \(name)")
            }
            #expect(RistrettoPoint(edwards: VartimeStraus.multiscalarMul(s, p)) == expected, "Straus: \(name)")
            #expect(RistrettoPoint(edwards: VartimePippenger.multiscalarMul(s, p)) == expected, "Pippenger: \(name)")
            #expect(RistrettoPoint.constantTimeMultiscalarMul(s, p) == expected, "constant time: \(name)")
        }
        // (l-1) P + P = identity.
        #expect(RistrettoPoint.vartimeMultiscalarMul([Self.minusOne, .one], [q, q]).isIdentity)
        #expect(RistrettoPoint.constantTimeMultiscalarMul([Self.minusOne, .one], [q, q]).isIdentity)
    }

    @Test("the recodings reconstruct the scalar and match the single-scalar recodings")
    func recodings() {
        var rng = SeededRNG(seed: 0x4d53_4d05)
        print("MSMTests.recodings seed \(rng.seed)")
        let scalars = Self.edgeScalars() + (0..<testIterations(100)).map { _ in Self.randomScalar(&rng) }
        for s in scalars {
            // NAF: same digits as the single-scalar routine, for every width.
            for w in 2...8 {
                var naf = [Int8](repeating: 99, count: 256)
                let top = naf.withUnsafeMutableBufferPointer { s.vartimeWriteNonAdjacentForm(width: w, into: $0.baseAddress!, stride: 1) }
                #expect(naf == s.vartimeNonAdjacentForm(width: w), "NAF width \(w)")
                #expect(top == (naf.lastIndex { $0 != 0 } ?? -1))
            }
            // Radix 16: the constant-time writer gives the same digits as radix16Digits.
            var r16 = [Int8](repeating: 99, count: 64)
            r16.withUnsafeMutableBufferPointer { s.writeRadix16Digits(into: $0.baseAddress!, stride: 1) }
            #expect(r16 == s.radix16Digits)
            // Signed radix 2^c: digits in range and sum d_k 2^(ck) == s.
            for c in 2...15 {
                let count = Scalar.signedRadixDigitCount(windowBits: c)
                var d = [Int16](repeating: 0, count: count)
                d.withUnsafeMutableBufferPointer { s.vartimeWriteSignedRadix(windowBits: c, into: $0.baseAddress!, stride: 1) }
                let half = 1 << (c - 1)
                #expect(d.allSatisfy { -half <= Int($0) && Int($0) <= half }, "radix 2^\(c) digit range")
                var radix = Scalar.one
                for _ in 0..<c { radix = radix + radix }
                var acc = Scalar.zero
                for k in stride(from: count - 1, through: 0, by: -1) {
                    let v = Int(d[k])
                    acc = acc * radix + (v >= 0 ? Scalar(UInt64(v)) : -Scalar(UInt64(-v)))
                }
                #expect(acc == s, "radix 2^\(c) reconstruction")
            }
        }
    }

    @Test("the precomputed MSM equals the plain MSM with and without dynamic terms and with fewer static scalars than points")
    func precomputed() {
        var rng = SeededRNG(seed: 0x4d53_4d06)
        print("MSMTests.precomputed seed \(rng.seed)")
        let fixed = (0..<300).map { _ in Self.randomPoint(&rng) }
        let table = VartimePrecomputedTable(points: fixed)
        for backend in TestBackends.supported {
            precomputed(VartimePrecomputedMSM(table: table, backend: backend), fixed, &rng)
        }
    }

    /// The precomputed MSM checks of `precomputed()` for one engine over `fixed`.
    func precomputed(_ msm: VartimePrecomputedMSM, _ fixed: [RistrettoPoint], _ rng: inout SeededRNG) {
        let shapes: [(Int, Int)] = [(0, 0), (1, 0), (0, 1), (300, 0), (300, 3), (17, 5), (150, 40), (5, 250), (299, 200), (64, 0)]
        for (ns, nd) in shapes {
            let ss = (0..<ns).map { _ in Self.randomScalar(&rng) }
            let (ds, dp) = Self.randomTerms(nd, &rng)
            let got = msm.vartimeMultiscalarMul(staticScalars: ss, dynamicScalars: ds, dynamicPoints: dp)
            let expected = RistrettoPoint.vartimeMultiscalarMul(ss + ds, Array(fixed[0..<ns]) + dp)
            #expect(got == expected, "\(msm.backend): static \(ns), dynamic \(nd)")
            #expect(got == Self.naive(ss + ds, Array(fixed[0..<ns]) + dp), "static \(ns), dynamic \(nd) (naive)")
        }
        // Every fixed-base window width, on edge and random scalars.
        let mixed = Array((Self.edgeScalars() + (0..<40).map { _ in Self.randomScalar(&rng) }).prefix(300))
        let mixedExpected = Self.naive(mixed, Array(fixed[0..<mixed.count]))
        for c in [4, 8, 12] {
            #expect(RistrettoPoint(edwards: msm.staticMultiscalarMul(mixed, windowBits: c)) == mixedExpected, "c = \(c)")
        }
        // Edge scalars on the static points (the width-8 tables' largest entries).
        let edge = Self.edgeScalars()
        let ss = Array(edge.prefix(300))
        #expect(msm.vartimeMultiscalarMul(staticScalars: ss, dynamicScalars: [], dynamicPoints: [])
            == Self.naive(ss, Array(fixed[0..<ss.count])))
        // Repeated and identity points among the fixed ones.
        let q = Self.randomPoint(&rng)
        let odd = VartimePrecomputedMSM(points: [q, .identity, q, -q, .basepoint], backend: msm.backend)
        let s5 = (0..<5).map { _ in Self.randomScalar(&rng) }
        #expect(odd.vartimeMultiscalarMul(staticScalars: s5, dynamicScalars: [Self.minusOne], dynamicPoints: [q])
            == Self.naive(s5 + [Self.minusOne], [q, .identity, q, -q, .basepoint, q]))
    }

    @Test("the fixed-base vector lanes equal the naive sum for every window width and every count 0...20",
          .enabled(if: TestBackends.runs(.ifma), "this CPU lacks AVX-512 IFMA: the ifma backend cannot run here"))
    func precomputedVectorLanes() {
        var rng = SeededRNG(seed: 0x4d53_4d09)
        print("MSMTests.precomputedVectorLanes seed \(rng.seed)")
        let fixed = (0..<300).map { _ in Self.randomPoint(&rng) }
        let msm = VartimePrecomputedMSM(points: fixed, backend: .ifma)
        let mixed = Array((Self.edgeScalars() + (0..<40).map { _ in Self.randomScalar(&rng) }).prefix(300))
        let mixedExpected = Self.naive(mixed, Array(fixed[0..<mixed.count]))
        for c in [4, 8, 12] {
            #expect(RistrettoPoint(edwards: msm.staticMultiscalarMulIFMA(mixed, windowBits: c)) == mixedExpected,
                    "vector lanes, c = \(c)")
        }
        // Every count 0...20 (partial last chunk of eight, lanes without entries).
        for n in 0...20 {
            let part = Array(mixed.suffix(n))
            #expect(RistrettoPoint(edwards: msm.staticMultiscalarMulIFMA(part))
                    == RistrettoPoint(edwards: msm.staticMultiscalarMulScalar(part)), "vector lanes, n = \(n)")
        }
    }

    @Test("the fixed-base AVX2 lanes equal the naive sum for every window width and every count 0...20",
          .enabled(if: TestBackends.runs(.avx2), "this CPU lacks the AVX2 set: the avx2 backend cannot run here"))
    func precomputedAVX2Lanes() {
        var rng = SeededRNG(seed: 0x4d53_4d0a)
        print("MSMTests.precomputedAVX2Lanes seed \(rng.seed)")
        let fixed: [RistrettoPoint] = [.identity, .basepoint, -RistrettoPoint.basepoint] + (0..<300).map { _ in Self.randomPoint(&rng) }
        let msm = VartimePrecomputedMSM(points: fixed, backend: .avx2)
        let mixed = Array((Self.edgeScalars() + (0..<40).map { _ in Self.randomScalar(&rng) }).prefix(303))
        let mixedExpected = Self.naive(mixed, Array(fixed[0..<mixed.count]))
        for c in [4, 8, 12] {
            #expect(RistrettoPoint(edwards: msm.staticMultiscalarMulAVX2(mixed, windowBits: c)) == mixedExpected,
                    "AVX2 lanes, c = \(c)")
        }
        // Every count 0...20 (partial last chunk of four, lanes without entries).
        for n in 0...20 {
            let part = Array(mixed.suffix(n))
            #expect(RistrettoPoint(edwards: msm.staticMultiscalarMulAVX2(part))
                    == RistrettoPoint(edwards: msm.staticMultiscalarMulScalar(part)), "AVX2 lanes, n = \(n)")
        }
    }

    @Test("the constant-time MSM equals the vartime MSM and the naive sum")
    func constantTime() {
        var rng = SeededRNG(seed: 0x4d53_4d07)
        print("MSMTests.constantTime seed \(rng.seed)")
        for n in [0, 1, 2, 3, 7, 16, 33, 64, 129] {
            let (s, p) = Self.randomTerms(n, &rng)
            let ct = RistrettoPoint.constantTimeMultiscalarMul(s, p)
            #expect(ct == RistrettoPoint.vartimeMultiscalarMul(s, p), "n = \(n)")
            if n <= 16 { #expect(ct == Self.naive(s, p), "n = \(n) (naive)") }
        }
        let edge = Self.edgeScalars()
        let p = (0..<edge.count).map { _ in Self.randomPoint(&rng) }
        #expect(RistrettoPoint.constantTimeMultiscalarMul(edge, p) == RistrettoPoint.vartimeMultiscalarMul(edge, p))
    }

    @Test("a changed scalar or point changes the MSM (the sum is not computed from a subset)")
    func sensitivity() {
        var rng = SeededRNG(seed: 0x4d53_4d08)
        print("MSMTests.sensitivity seed \(rng.seed)")
        for n in [5, 250] {
            var (s, p) = Self.randomTerms(n, &rng)
            let base = RistrettoPoint.vartimeMultiscalarMul(s, p)
            let i = Int(rng.next() % UInt64(n))
            s[i] = s[i] + .one
            #expect(RistrettoPoint.vartimeMultiscalarMul(s, p) == base + p[i], "n = \(n)")
            #expect(RistrettoPoint.constantTimeMultiscalarMul(s, p) == base + p[i], "n = \(n) (constant time)")
            let oldP = p[i]
            p[i] = oldP + .basepoint
            #expect(RistrettoPoint.vartimeMultiscalarMul(s, p) == base + oldP + RistrettoPoint.basepoint.vartimeMultiply(s[i]),
                    "n = \(n)")
        }
    }
}
