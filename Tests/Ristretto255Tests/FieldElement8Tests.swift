@testable import Ristretto255
@testable import Ristretto255SIMD
import TestSupport
import Testing

/// The eight-lane field arithmetic (IFMA, radix 2^51) against the scalar `FieldElement`
/// (itself checked against GMP in FieldElementTests), at the limb bounds written in
/// Sources/Ristretto255SIMD/FieldElement8.swift: factors up to 2^52 - 1, subtrahends up to
/// 2^53 - 76, and every result within 2^51 + 2^8 so that it can be a factor again.
@Suite("FieldElement8 (vector lanes) against the scalar field")
struct FieldElement8Tests {
    static let outputBound: UInt64 = (1 << 51) + (1 << 8)

    /// Eight scalar elements as lanes.
    static func pack(_ f: [FieldElement]) -> FieldElement8 {
        precondition(f.count == 8)
        return FieldElement8(Lanes(f.map(\.l0)), Lanes(f.map(\.l1)), Lanes(f.map(\.l2)), Lanes(f.map(\.l3)),
                             Lanes(f.map(\.l4)))
    }

    /// Lane j as a scalar element (the same limbs).
    static func lane(_ v: FieldElement8, _ j: Int) -> FieldElement {
        FieldElement(v.l0[j], v.l1[j], v.l2[j], v.l3[j], v.l4[j])
    }


    static func withinBound(_ v: FieldElement8) -> Bool {
        (0..<8).allSatisfy { j in [v.l0[j], v.l1[j], v.l2[j], v.l3[j], v.l4[j]].allSatisfy { $0 < outputBound } }
    }

    /// Edge factors (every limb < 2^52) and random ones.
    static func factors(_ rng: inout SeededRNG, count: Int) -> [FieldElement] {
        let m52: UInt64 = (1 << 52) - 1, m51: UInt64 = (1 << 51) - 1
        var out = Oracle.fieldEdgeLimbs.filter { [$0.l0, $0.l1, $0.l2, $0.l3, $0.l4].allSatisfy { $0 <= m52 } }
        out += [FieldElement(m52, m52, m52, m52, m52), FieldElement(m52, 0, m52, 0, m52), FieldElement(0, m52, 0, m52, 0),
                FieldElement(m51 + 1, m51 + 1, m51 + 1, m51 + 1, m51 + 1), FieldElement(1, 0, 0, 0, 0), .zero]
        while out.count < count { out.append(Oracle.randomLimbs(&rng, bits: rng.next() % 2 == 0 ? 52 : 51)) }
        return out
    }

    @Test("products, sums, differences, carries and select match the scalar field on factors up to 2^52 - 1",
          .enabled(if: TestBackends.runs(.ifma), "this CPU lacks AVX-512 IFMA: the vector lanes cannot run here"))
    func arithmetic() {
        var rng = SeededRNG(seed: 0xfe_8001)
        print("seed \(rng.seed)")
        let xs = Self.factors(&rng, count: 8 * testIterations(2_000))
        let ys = xs.shuffled(using: &rng)
        var checked = 0
        for start in stride(from: 0, to: xs.count - 7, by: 8) {
            let a = Array(xs[start..<(start + 8)]), b = Array(ys[start..<(start + 8)])
            let va = Self.pack(a), vb = Self.pack(b)
            let product = va * vb, sum = va + vb, difference = va - vb, square = va.squared()
            let carried = va.carried()
            let chained = (product + sum) * (difference - square)
            let mask = SIMD8<Int64>(0, -1, 0, -1, -1, 0, 0, -1) .!= 0
            let selected = FieldElement8.select(va, vb, mask)
            for j in 0..<8 {
                let x = a[j], y = b[j]
                #expect(Self.lane(product, j).bytes == (x * y).bytes, "\(x) * \(y)")
                #expect(Self.lane(sum, j).bytes == (x + y).bytes)
                #expect(Self.lane(difference, j).bytes == (x - y).bytes)
                #expect(Self.lane(square, j).bytes == x.squared().bytes)
                #expect(Self.lane(carried, j).bytes == x.bytes)
                #expect(Self.lane(chained, j).bytes == ((x * y + (x + y)) * ((x - y) - x.squared())).bytes)
                #expect(Self.lane(selected, j).bytes == (mask[j] ? y : x).bytes)
            }
            for v in [product, sum, difference, square, carried, chained] { #expect(Self.withinBound(v)) }
            checked += 8
        }
        #expect(checked >= 8 * 100)
    }

    @Test("a - b accepts a subtrahend with limbs up to 2^53 - 76, and carried() limbs up to 2^54 - 1",
          .enabled(if: TestBackends.runs(.ifma), "this CPU lacks AVX-512 IFMA: the vector lanes cannot run here"))
    func limbBounds() {
        var rng = SeededRNG(seed: 0xfe_8002)
        print("seed \(rng.seed)")
        let top: UInt64 = (1 << 53) - 76, m54: UInt64 = (1 << 54) - 1
        let bigSub = FieldElement(top, top, top, top, top)
        let wide = FieldElement(m54, m54, m54, m54, m54)
        for _ in 0..<testIterations(500) {
            let a = (0..<8).map { _ in Oracle.randomLimbs(&rng, bits: 52) }
            let difference = Self.pack(a) - Self.pack([FieldElement](repeating: bigSub, count: 8))
            let carried = Self.pack([FieldElement](repeating: wide, count: 4) + a.prefix(4)).carried()
            for j in 0..<8 {
                #expect(Self.lane(difference, j).bytes == (a[j] - bigSub).bytes)
                #expect(Self.lane(carried, j).bytes == (j < 4 ? wide : a[j - 4]).bytes)
            }
            #expect(Self.withinBound(difference) && Self.withinBound(carried))
        }
    }

    @Test("the vector (p-5)/8 power equals the scalar one on factors up to 2^52 - 1",
          .enabled(if: TestBackends.runs(.ifma), "this CPU lacks AVX-512 IFMA: the vector lanes cannot run here"))
    func powP58() {
        var rng = SeededRNG(seed: 0xfe_8003)
        print("seed \(rng.seed)")
        let xs = Self.factors(&rng, count: 8 * testIterations(40) + 3)
        var words = xs.flatMap { [$0.l0, $0.l1, $0.l2, $0.l3, $0.l4] }
        words.withUnsafeMutableBufferPointer { VectorExponentiation.powP58($0.baseAddress!, count: xs.count) }
        for (i, x) in xs.enumerated() {
            let r = FieldElement(words[5 * i], words[5 * i + 1], words[5 * i + 2], words[5 * i + 3], words[5 * i + 4])
            #expect(r.bytes == x.powP58().bytes, "input \(i)")
            #expect([r.l0, r.l1, r.l2, r.l3, r.l4].allSatisfy { $0 < Self.outputBound })
        }
    }
}
