@testable import Ristretto255
@testable import Ristretto255AVX2
import TestSupport
import Testing

/// The four-lane AVX2 field arithmetic (radix 2^25.5 on vpmuludq) against the scalar
/// `FieldElement`, at the limb bounds written in Sources/Ristretto255AVX2/FieldElement4.swift:
/// unpacked words up to 2^52 - 1, factors with limbs up to 2^27.7, and the reduced bound of
/// every output (even limbs < 2^26, odd < 2^25 + 2^18).
@Suite("FieldElement4 (AVX2 lanes) against the scalar field")
struct FieldElement4Tests {
    static let runs = TestBackends.runs(.avx2)

    /// Four scalar elements (words < 2^52) unpacked into lanes.
    static func unpack(_ f: [FieldElement]) -> FieldElement4 {
        precondition(f.count == 4)
        return FieldElement4(words: Lanes(f.map(\.l0)), Lanes(f.map(\.l1)), Lanes(f.map(\.l2)), Lanes(f.map(\.l3)),
                             Lanes(f.map(\.l4)))
    }

    /// Lane j as a scalar element (each word l_2i + l_2i+1 2^26, limbs < 2^28 give words < 2^54).
    /// Lane j as a portable element, carried: wide lanes (limbs up to 2^28) would give
    /// radix-2^51 limbs above the 2^54 that the portable `*` accepts.
    static func lane(_ v: FieldElement4, _ j: Int) -> FieldElement {
        FieldElement(v.l0[j] &+ v.l1[j] << 26, v.l2[j] &+ v.l3[j] << 26, v.l4[j] &+ v.l5[j] << 26,
                     v.l6[j] &+ v.l7[j] << 26, v.l8[j] &+ v.l9[j] << 26).reduced()
    }

    static func isReduced(_ v: FieldElement4) -> Bool {
        let even = [v.l0, v.l2, v.l4, v.l6, v.l8], odd = [v.l1, v.l3, v.l5, v.l7, v.l9]
        return (0..<4).allSatisfy { j in
            even.allSatisfy { $0[j] < 1 << 26 } && odd.allSatisfy { $0[j] < (1 << 25) + (1 << 18) }
        }
    }

    /// Edge words (every word < 2^52) and random ones.
    static func words(_ rng: inout SeededRNG, count: Int) -> [FieldElement] {
        let m52: UInt64 = (1 << 52) - 1, m51: UInt64 = (1 << 51) - 1
        var out = Oracle.fieldEdgeLimbs.filter { [$0.l0, $0.l1, $0.l2, $0.l3, $0.l4].allSatisfy { $0 <= m52 } }
        out += [FieldElement(m52, m52, m52, m52, m52), FieldElement(m52, 0, m52, 0, m52), FieldElement(0, m52, 0, m52, 0),
                FieldElement(m51 + 1, m51 + 1, m51 + 1, m51 + 1, m51 + 1), FieldElement(m51 - 18, m51, m51, m51, m51),
                FieldElement(1, 0, 0, 0, 0), .zero]
        while out.count < count { out.append(Oracle.randomLimbs(&rng, bits: rng.next() % 2 == 0 ? 52 : 51)) }
        return out
    }

    @Test("products, sums, differences, carries and select match the scalar field on unpacked words up to 2^52 - 1",
          .enabled(if: runs, "this CPU lacks the AVX2 set: the AVX2 lanes cannot run here"))
    func arithmetic() {
        var rng = SeededRNG(seed: 0xfe_4001)
        print("seed \(rng.seed)")
        let xs = Self.words(&rng, count: 4 * testIterations(2_000))
        let ys = xs.shuffled(using: &rng)
        var checked = 0
        for start in stride(from: 0, to: xs.count - 3, by: 4) {
            let a = Array(xs[start..<(start + 4)]), b = Array(ys[start..<(start + 4)])
            let va = Self.unpack(a), vb = Self.unpack(b)
            let product = va * vb, sum = va + vb, carried = va.carried()
            // `-` takes a reduced subtrahend.
            let rb = vb.carried(), difference = va - rb
            let chained = (product + product) * (difference * (sum.carried() - product))
            let mask = SIMD4<Int64>(0, -1, -1, 0) .!= 0
            let selected = FieldElement4.select(va, vb, mask)
            for j in 0..<4 {
                let x = a[j], y = b[j]
                #expect(Self.lane(product, j).bytes == (x * y).bytes, "\(x) * \(y)")
                #expect(Self.lane(sum, j).bytes == (x + y).bytes)
                #expect(Self.lane(difference, j).bytes == (x - y).bytes)
                #expect(Self.lane(carried, j).bytes == x.bytes)
                #expect(Self.lane(chained, j).bytes == ((x * y + x * y) * ((x - y) * ((x + y) - x * y))).bytes)
                #expect(Self.lane(selected, j).bytes == (mask[j] ? y : x).bytes)
            }
            for v in [product, carried, rb, chained] { #expect(Self.isReduced(v)) }
            checked += 4
        }
        #expect(checked >= 4 * 100)
    }

    @Test("a product accepts limbs up to 2^28 in the first factor and 2^27.7 in the second; packing and unpacking round-trip reduced elements",
          .enabled(if: runs, "this CPU lacks the AVX2 set: the AVX2 lanes cannot run here"))
    func limbBounds() {
        var rng = SeededRNG(seed: 0xfe_4002)
        print("seed \(rng.seed)")
        let top = Lanes(repeating: 0xcf0_0000)          // < 2^27.7
        let big = FieldElement4(top, top, top, top, top, top, top, top, top, top)
        // A first factor may reach 2^28 (the point formulas' (Z + Z) - T).
        let wideTop = Lanes(repeating: (1 << 28) - 1)
        let wide = FieldElement4(wideTop, wideTop, wideTop, wideTop, wideTop, wideTop, wideTop, wideTop, wideTop, wideTop)
        for _ in 0..<testIterations(300) {
            let a = (0..<4).map { _ in Oracle.randomLimbs(&rng, bits: 52) }
            let va = Self.unpack(a)
            let p1 = big * big, p2 = va * big, p3 = big * va, p5 = wide * big
            // The largest sums and differences of reduced elements the point formulas form.
            let r = va.carried(), s = (r + r).carried()
            let p4 = (s - r) * (s + r)
            let p6 = ((r + r) - s) * (r + s)
            for j in 0..<4 {
                let bj = Self.lane(big, j), x = a[j], rj = Self.lane(r, j), sj = Self.lane(s, j)
                #expect(Self.lane(p1, j).bytes == (bj * bj).bytes)
                #expect(Self.lane(p2, j).bytes == (x * bj).bytes)
                #expect(Self.lane(p3, j).bytes == (bj * x).bytes)
                #expect(Self.lane(p5, j).bytes == (Self.lane(wide, j) * bj).bytes)
                #expect(Self.lane(p4, j).bytes == ((sj - rj) * (sj + rj)).bytes)
                #expect(Self.lane(p6, j).bytes == (((rj + rj) - sj) * (rj + sj)).bytes)
            }
            // Packed words of a reduced element unpack to the same limbs.
            let (w0, w1, w2, w3, w4) = p2.packed()
            let back = FieldElement4(words: w0, w1, w2, w3, w4)
            #expect(back.l0 == p2.l0 && back.l1 == p2.l1 && back.l5 == p2.l5 && back.l9 == p2.l9)
            #expect(Self.isReduced(p1) && Self.isReduced(p2) && Self.isReduced(p4))
        }
    }

    /// The mixed addition's formulas in the scalar field (each sum carried), for
    /// `zk_ge4_add_niels` through `EdwardsPoint4.adding(yPlusX:yMinusX:xy2d:)`.
    static func addNiels(_ p: [FieldElement], _ q: [FieldElement]) -> [FieldElement] {
        let (x, y, z, t) = (p[0], p[1], p[2], p[3])
        let pp = (y + x).reduced() * q[0], mm = (y - x) * q[1], txy = t * q[2], z2 = (z + z).reduced()
        let cx = pp - mm, cy = (pp + mm).reduced(), cz = (z2 + txy).reduced(), ct = z2 - txy
        return [ct * cx, cy * cz, ct * cz, cx * cy]
    }

    /// The full addition's formulas in the scalar field, for `zk_ge4_add` through
    /// `EdwardsPoint4.adding(_:d2:)`.
    static func add(_ p: [FieldElement], _ q: [FieldElement], _ d2: FieldElement) -> [FieldElement] {
        let pp = (p[1] + p[0]).reduced() * (q[1] + q[0]).reduced(), mm = (p[1] - p[0]) * (q[1] - q[0])
        let tt = (p[3] * d2) * q[3], zz = p[2] * q[2], zz2 = (zz + zz).reduced()
        let cx = pp - mm, cy = (pp + mm).reduced(), cz = (zz2 + tt).reduced(), ct = zz2 - tt
        return [ct * cx, cy * cz, ct * cz, cx * cy]
    }

    static func lanes(_ p: EdwardsPoint4, _ j: Int) -> [FieldElement] {
        [lane(p.X, j), lane(p.Y, j), lane(p.Z, j), lane(p.T, j)]
    }

    static func isReduced(_ p: EdwardsPoint4) -> Bool {
        isReduced(p.X) && isReduced(p.Y) && isReduced(p.Z) && isReduced(p.T)
    }

    /// Four extended points as reduced lanes (the form the kernels keep their sums in).
    static func point4(_ points: [EdwardsPoint]) -> EdwardsPoint4 {
        EdwardsPoint4(X: unpack(points.map { $0.X.reduced() }).carried(), Y: unpack(points.map { $0.Y.reduced() }).carried(),
                      Z: unpack(points.map { $0.Z.reduced() }).carried(), T: unpack(points.map { $0.T.reduced() }).carried())
    }

    /// a and b are the same projective point: X1 Z2 = X2 Z1, Y1 Z2 = Y2 Z1, T1 Z2 = T2 Z1.
    static func same(_ a: EdwardsPoint, _ b: EdwardsPoint) -> Bool {
        (a.X * b.Z).bytes == (b.X * a.Z).bytes && (a.Y * b.Z).bytes == (b.Y * a.Z).bytes
            && (a.T * b.Z).bytes == (b.T * a.Z).bytes
    }

    @Test("the point additions in place (zk_ge4_add_niels, zk_ge4_add) match their formulas in the scalar field at the limb bounds",
          .enabled(if: runs, "this CPU lacks the AVX2 set: the AVX2 lanes cannot run here"))
    func pointFormulas() {
        var rng = SeededRNG(seed: 0xfe_4003)
        print("seed \(rng.seed)")
        let pool = Self.words(&rng, count: 64)
        for round in 0..<testIterations(200) {
            // The first rounds walk the edge words in order (every lane, every coordinate),
            // then random picks from edge and random words.
            func pick(_ k: Int) -> [FieldElement] {
                (0..<4).map { j in round < 16 ? pool[(round * 4 + j + k * 7) % pool.count] : pool[Int(rng.next() % UInt64(pool.count))] }
            }
            let coords = (0..<4).map { pick($0) }             // X, Y, Z, T: words < 2^52
            let niels = (0..<3).map { pick(4 + $0) }          // y+x, y-x, 2dxy: words < 2^52
            let others = (0..<4).map { pick(7 + $0) }
            let d2 = pick(11)
            // The sums are reduced lanes (carried); the Niels points and 2d stay unpacked words.
            let p = EdwardsPoint4(X: Self.unpack(coords[0]).carried(), Y: Self.unpack(coords[1]).carried(),
                                  Z: Self.unpack(coords[2]).carried(), T: Self.unpack(coords[3]).carried())
            let q = EdwardsPoint4(X: Self.unpack(others[0]).carried(), Y: Self.unpack(others[1]).carried(),
                                  Z: Self.unpack(others[2]).carried(), T: Self.unpack(others[3]).carried())
            let r1 = p.adding(yPlusX: Self.unpack(niels[0]), yMinusX: Self.unpack(niels[1]), xy2d: Self.unpack(niels[2]))
            let r2 = p.adding(q, d2: Self.unpack(d2))
            #expect(Self.isReduced(r1) && Self.isReduced(r2))
            for j in 0..<4 {
                let pj = Self.lanes(p, j), qj = Self.lanes(q, j)
                let e1 = Self.addNiels(pj, [niels[0][j], niels[1][j], niels[2][j]])
                let e2 = Self.add(pj, qj, d2[j])
                #expect(zip(Self.lanes(r1, j), e1).allSatisfy { $0.bytes == $1.bytes }, "mixed addition, round \(round), lane \(j)")
                #expect(zip(Self.lanes(r2, j), e2).allSatisfy { $0.bytes == $1.bytes }, "full addition, round \(round), lane \(j)")
            }
        }
    }

    @Test("the point additions in place give the scalar sums of curve points: identity, P + (-P), P + P, torsion, unreduced representatives",
          .enabled(if: runs, "this CPU lacks the AVX2 set: the AVX2 lanes cannot run here"))
    func pointSums() {
        var rng = SeededRNG(seed: 0xfe_4004)
        print("seed \(rng.seed)")
        func random() -> RistrettoPoint { RistrettoPoint.fromUniformBytes(rng.bytes(64)) }
        let d2 = Self.unpack([FieldElement](repeating: Constants.d2, count: 4))
        for round in 0..<testIterations(100) {
            let a = random(), b = random()
            // Lane 0: random points; lane 1: P + (-P); lane 2: P + P; lane 3: identity + a
            // torsion-shifted or unreduced representative (rotating).
            let reps = EdgePoints.representatives(of: b)
            let left: [EdwardsPoint] = [a.edwards, a.edwards, (a.edwards + a.edwards), .identity]
            let right: [EdwardsPoint] = [b.edwards, -a.edwards, (a.edwards + a.edwards), reps[round % reps.count].edwards]
            let niels = right.map { RistrettoPoint(edwards: $0) }.withUnsafeBufferPointer { VartimePippenger.batchAffineNiels($0) }
            let p = Self.point4(left)
            let r1 = p.adding(yPlusX: Self.unpack(niels.map(\.yPlusX)), yMinusX: Self.unpack(niels.map(\.yMinusX)),
                              xy2d: Self.unpack(niels.map(\.xy2d)))
            let r2 = p.adding(Self.point4(right), d2: d2)
            for j in 0..<4 {
                let expected = left[j] + right[j]
                let l1 = Self.lanes(r1, j), l2 = Self.lanes(r2, j)
                #expect(Self.same(EdwardsPoint(X: l1[0], Y: l1[1], Z: l1[2], T: l1[3]), expected), "mixed, round \(round), lane \(j)")
                #expect(Self.same(EdwardsPoint(X: l2[0], Y: l2[1], Z: l2[2], T: l2[3]), expected), "full, round \(round), lane \(j)")
            }
        }
    }

    @Test("the four-lane power x^((p-5)/8) equals the scalar powP58 on edge and random words up to 2^52 - 1, for every count 0...9",
          .enabled(if: runs, "this CPU lacks the AVX2 set: the AVX2 lanes cannot run here"))
    func powP58() {
        var rng = SeededRNG(seed: 0xfe_4005)
        print("seed \(rng.seed)")
        let pool = Self.words(&rng, count: 40)
        // Every pool element once, in chunks of every size (a short last chunk repeats its
        // last element in the unused lanes).
        for count in [0, 1, 2, 3, 4, 5, 7, 9, pool.count] {
            let xs = (0..<count).map { pool[($0 * 7 + count) % pool.count] }
            var words = xs.flatMap { [$0.l0, $0.l1, $0.l2, $0.l3, $0.l4] }
            words.withUnsafeMutableBufferPointer { Exponentiation4.powP58($0.baseAddress!, count: count) }
            for (k, x) in xs.enumerated() {
                let got = FieldElement(words[5 * k], words[5 * k + 1], words[5 * k + 2], words[5 * k + 3], words[5 * k + 4]).reduced()
                #expect(words[(5 * k)..<(5 * k + 5)].allSatisfy { $0 < (1 << 51) + (1 << 44) })
                #expect(got.bytes == x.powP58().bytes, "count \(count), element \(k)")
            }
        }
        // batchPowP58 on the avx2 backend (lanes for all but a last one or two) against one by one.
        for count in 0...9 {
            let xs = (0..<count).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }
            #expect(FieldElement.batchPowP58(xs, backend: .avx2).map(\.bytes) == xs.map { $0.powP58().bytes }, "batch of \(count)")
        }
    }
}
