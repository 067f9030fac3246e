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
    static func lane(_ v: FieldElement4, _ j: Int) -> FieldElement {
        FieldElement(v.l0[j] &+ v.l1[j] << 26, v.l2[j] &+ v.l3[j] << 26, v.l4[j] &+ v.l5[j] << 26,
                     v.l6[j] &+ v.l7[j] << 26, v.l8[j] &+ v.l9[j] << 26)
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
}
