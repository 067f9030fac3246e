@testable import Ristretto255
import TestSupport
import Testing

/// GF(2^255 - 19) arithmetic against GMP, on random and edge inputs, including
/// non-canonical limb representations up to the bounds documented in FieldElement.swift.
@Suite("FieldElement against GMP")
struct FieldElementTests {
    let p = Oracle.p

    @Test("decoding masks bit 255 and re-encoding gives the canonical value mod p")
    func decodeEncode() {
        var rng = SeededRNG(seed: 0xfe_0001)
        print("seed \(rng.seed)")
        var inputs = Oracle.fieldEdgeBytes
        for _ in 0..<testIterations(10_000) { inputs.append(rng.bytes(32)) }
        for b in inputs {
            var masked = b
            masked[31] &= 0x7f
            let f = FieldElement(bytesMaskingBit255: b)
            #expect(f.bytes == Oracle.fieldBytes(BigInt(littleEndian: masked)), "input \(Hex.encode(b))")
            let isCanonical = BigInt(littleEndian: b) < p
            #expect((f.bytes == b) == isCanonical)
        }
    }

    @Test("add, sub, neg, mul and square match GMP on reduced inputs and edge values")
    func arithmetic() {
        var rng = SeededRNG(seed: 0xfe_0002)
        print("seed \(rng.seed)")
        var pairs: [(FieldElement, FieldElement)] = []
        let edges = Oracle.fieldEdgeLimbs.filter { [$0.l0, $0.l1, $0.l2, $0.l3, $0.l4].allSatisfy { $0 < (1 << 52) } }
        for a in edges { for b in edges { pairs.append((a, b)) } }
        for _ in 0..<testIterations(10_000) { pairs.append((Oracle.randomReduced(&rng), Oracle.randomReduced(&rng))) }
        for (a, b) in pairs {
            let x = Oracle.value(a), y = Oracle.value(b)
            #expect((a + b).bytes == Oracle.fieldBytes(x + y))
            #expect((a - b).bytes == Oracle.fieldBytes(x - y + p * BigInt(4)))
            #expect((-a).bytes == Oracle.fieldBytes(p * BigInt(4) - x))
            #expect((a * b).bytes == Oracle.fieldBytes(x * y))
            #expect(a.squared().bytes == Oracle.fieldBytes(x * x))
            // Sums of reduced elements are valid mul inputs (the point formulas rely on it).
            let s = a + b
            #expect((s * s).bytes == Oracle.fieldBytes((x + y) * (x + y)))
            #expect(s.squared().bytes == Oracle.fieldBytes((x + y) * (x + y)))
        }
    }

    @Test("mul and square accept limbs up to 2^54 and sub accepts a subtrahend up to 16p's limbs")
    func limbBounds() {
        var rng = SeededRNG(seed: 0xfe_0003)
        print("seed \(rng.seed)")
        let m54: UInt64 = (1 << 54) - 1
        let sat = FieldElement(m54, m54, m54, m54, m54)
        let maxSub = FieldElement(36_028_797_018_963_664, 36_028_797_018_963_952, 36_028_797_018_963_952,
                                  36_028_797_018_963_952, 36_028_797_018_963_952)
        var inputs = [sat, FieldElement(m54, 0, m54, 0, m54)]
        for _ in 0..<testIterations(10_000) { inputs.append(Oracle.randomLimbs(&rng, bits: 54)) }
        for (i, a) in inputs.enumerated() {
            let b = inputs[(i * 7 + 3) % inputs.count]
            let x = Oracle.value(a), y = Oracle.value(b)
            #expect((a * b).bytes == Oracle.fieldBytes(x * y))
            #expect(a.squared().bytes == Oracle.fieldBytes(x * x))
            let r = a * b
            #expect([r.l0, r.l1, r.l2, r.l3, r.l4].allSatisfy { $0 < (1 << 51) + (1 << 13) }, "mul output is reduced")
            #expect((a - maxSub).bytes == Oracle.fieldBytes(x - Oracle.value(maxSub) + p * BigInt(64)))
            #expect((a - b).bytes == Oracle.fieldBytes(x - y + p * BigInt(64)))
        }
    }

    @Test("a lazy difference is the difference mod p, and a product of it at its largest bounds is still exact")
    func lazyDifference() {
        var rng = SeededRNG(seed: 0xfe_0006)
        print("seed \(rng.seed)")
        let m53: UInt64 = (1 << 53) - 1, reducedTop: UInt64 = (1 << 51) + (1 << 13) - 1
        // The largest minuend, and the largest subtrahends: limb-wise 2p and 4p.
        let aMax = FieldElement(m53, m53, m53, m53, m53)
        let b2p = FieldElement(2 * ((1 << 51) - 19), 2 * ((1 << 51) - 1), 2 * ((1 << 51) - 1), 2 * ((1 << 51) - 1),
                               2 * ((1 << 51) - 1))
        let b4p = FieldElement(4 * ((1 << 51) - 19), 4 * ((1 << 51) - 1), 4 * ((1 << 51) - 1), 4 * ((1 << 51) - 1),
                               4 * ((1 << 51) - 1))
        let bTop = FieldElement(reducedTop, reducedTop, reducedTop, reducedTop, reducedTop)
        var pairs: [(FieldElement, FieldElement, UInt64)] = [
            (aMax, b2p, 2), (aMax, b4p, 4), (.zero, b2p, 2), (.zero, b4p, 4), (aMax, .zero, 2), (.zero, bTop, 2),
        ]
        for _ in 0..<testIterations(10_000) {
            let a = Oracle.randomLimbs(&rng, bits: 53)
            pairs.append((a, Oracle.randomLimbs(&rng, bits: 51), 2))
            pairs.append((a, Oracle.randomLimbs(&rng, bits: 51) + Oracle.randomLimbs(&rng, bits: 51), 4))
        }
        for (a, b, k) in pairs {
            let d = FieldElement.lazyDifference(a, b, timesP: k)
            #expect([d.l0, d.l1, d.l2, d.l3, d.l4].allSatisfy { $0 < 1 << 54 }, "a lazy difference is a factor of mul")
            let exact = Oracle.value(a) - Oracle.value(b) + p * BigInt(8)
            #expect(d.bytes == Oracle.fieldBytes(exact))
            #expect((d * aMax).bytes == Oracle.fieldBytes(exact * Oracle.value(aMax)))
            #expect(d.squared().bytes == Oracle.fieldBytes(exact * exact))
        }
    }

    @Test("invert and pow_p58 match GMP's powmod; zero inverts to zero")
    func exponentiation() {
        var rng = SeededRNG(seed: 0xfe_0004)
        print("seed \(rng.seed)")
        let pMinus2 = p - BigInt(2)
        let p58 = (p - BigInt(5)) >> 3
        var inputs = Oracle.fieldEdgeLimbs
        for _ in 0..<testIterations(10_000) { inputs.append(Oracle.randomReduced(&rng)) }
        for a in inputs {
            let x = Oracle.value(a) % p
            #expect(a.inverted().bytes == Oracle.fieldBytes(x.power(pMinus2, modulo: p)))
            #expect(a.powP58().bytes == Oracle.fieldBytes(x.power(p58, modulo: p)))
            if x.signum != 0 {
                #expect(a.inverted().bytes == Oracle.fieldBytes(x.inverse(modulo: p) ?? BigInt(0)))
            }
        }
    }

    @Test("SQRT_RATIO_M1 follows RFC 9496 section 4.2 on random ratios (checked with GMP)")
    func sqrtRatio() {
        var rng = SeededRNG(seed: 0xfe_0005)
        print("seed \(rng.seed)")
        let sqrtM1 = BigInt(2).power((p - BigInt(1)) >> 2, modulo: p)
        var pairs: [(FieldElement, FieldElement)] = [(.zero, .zero), (.zero, .one), (.one, .zero), (.one, .one)]
        for _ in 0..<testIterations(10_000) {
            let u = Oracle.randomReduced(&rng)
            // Half of the cases are squares by construction: v = u / w^2.
            let v: FieldElement = rng.next() & 1 == 0 ? Oracle.randomReduced(&rng) : {
                let w = Oracle.randomReduced(&rng)
                return u * w.squared().inverted()
            }()
            pairs.append((u, v))
        }
        for (u, v) in pairs {
            let x = Oracle.value(u) % p, y = Oracle.value(v) % p
            let (wasSquare, r) = FieldElement.sqrtRatioM1(u, v)
            let rr = BigInt(littleEndian: r.bytes)
            #expect(!rr.bit(0), "r is non-negative")
            let lhs = (rr * rr % p) * y % p
            if x.signum == 0 {
                #expect(wasSquare.isTrue && rr.signum == 0)
            } else if y.signum == 0 {
                #expect(!wasSquare.isTrue && rr.signum == 0)
            } else {
                // u/v is a square iff u*v is (Euler's criterion on the product).
                let square = (x * y % p).legendre(p) == 1
                #expect(wasSquare.isTrue == square)
                #expect(lhs == (square ? x : x * sqrtM1 % p))
            }
        }
    }

    @Test("isNegative is the low bit of the canonical value; equality and isZero are on values mod p")
    func predicates() {
        var rng = SeededRNG(seed: 0xfe_0006)
        print("seed \(rng.seed)")
        var inputs = Oracle.fieldEdgeLimbs
        for _ in 0..<testIterations(10_000) { inputs.append(Oracle.randomReduced(&rng)) }
        for a in inputs {
            let x = Oracle.value(a) % p
            #expect(a.isNegative.isTrue == x.bit(0))
            #expect(a.isZero.isTrue == (x.signum == 0))
            let same = FieldElement(bytesMaskingBit255: a.bytes)
            #expect(a.ctEquals(same).isTrue)
            #expect(!a.ctEquals(same + .one).isTrue)
            #expect(a.absolute.bytes == Oracle.fieldBytes(x.bit(0) ? p - x : x))
        }
    }

    @Test("constant-time select and swap pick exactly as told")
    func selection() {
        let a = FieldElement(1, 2, 3, 4, 5), b = FieldElement(6, 7, 8, 9, 10)
        #expect(FieldElement.select(a, b, .false).bytes == a.bytes)
        #expect(FieldElement.select(a, b, .true).bytes == b.bytes)
        var x = a, y = b
        FieldElement.conditionalSwap(&x, &y, .false)
        #expect(x.bytes == a.bytes && y.bytes == b.bytes)
        FieldElement.conditionalSwap(&x, &y, .true)
        #expect(x.bytes == b.bytes && y.bytes == a.bytes)
        #expect(ctEqual(5, 5).isTrue && !ctEqual(5, 6).isTrue)
        #expect(ctIsZero(0).isTrue && !ctIsZero(1 << 63).isTrue)
        #expect(ctSelect(3, 9, .true) == 9 && ctSelect(3, 9, .false) == 3)
    }
}
