@testable import Ristretto255
import TestSupport
import Testing

/// Scalars mod l against GMP on random and edge inputs.
@Suite("Scalar against GMP")
struct ScalarTests {
    let l = Oracle.l

    static var edgeBytes: [[UInt8]] {
        let l = Oracle.l
        let two256 = BigInt(1) << 256
        let values: [BigInt] = [BigInt(0), BigInt(1), BigInt(2), l - BigInt(1), l, l + BigInt(1), l * BigInt(2) - BigInt(1),
                                BigInt(1) << 252, (BigInt(1) << 253) - BigInt(1), BigInt(1) << 253,
                                (BigInt(1) << 255) - BigInt(19), (BigInt(1) << 255), two256 - BigInt(1),
                                (BigInt(1) << 52) - BigInt(1), (BigInt(1) << 128) - BigInt(1)]
        return values.map { ($0 % two256).littleEndianBytes(count: 32) }
    }

    static func randomScalar(_ rng: inout SeededRNG) -> Scalar {
        switch rng.next() % 4 {
        case 0: return Scalar(reducingWide: rng.bytes(64))
        case 1: return Scalar(rng.next())
        case 2: return -Scalar(rng.next() % 16)  // l - small
        default: return Scalar(reducing: rng.bytes(32))
        }
    }

    @Test("canonical decoding accepts exactly the values below l and names the field otherwise")
    func canonicalDecoding() throws {
        var rng = SeededRNG(seed: 0x5c_0001)
        print("seed \(rng.seed)")
        var inputs = Self.edgeBytes
        for _ in 0..<testIterations(10_000) {
            var b = rng.bytes(32)
            if rng.next() & 1 == 0 { b[31] &= 0x1f }  // half near the boundary 2^253
            inputs.append(b)
        }
        for b in inputs {
            let x = BigInt(littleEndian: b)
            if x < l {
                let s = try Scalar(canonical: b, field: "blinding")
                #expect(s.bytes == b)
            } else {
                #expect(throws: RistrettoError.nonCanonicalScalar(field: "blinding")) { try Scalar(canonical: b, field: "blinding") }
            }
        }
    }

    @Test("32-byte and 64-byte reduction match GMP")
    func reduction() {
        var rng = SeededRNG(seed: 0x5c_0002)
        print("seed \(rng.seed)")
        var narrow = Self.edgeBytes
        var wide = Self.edgeBytes.map { $0 + $0 } + [[UInt8](repeating: 0xff, count: 64), [UInt8](repeating: 0, count: 64),
                                                     (l * l - BigInt(1)).littleEndianBytes(count: 64),
                                                     ((BigInt(1) << 512) - BigInt(1)).littleEndianBytes(count: 64)]
        for _ in 0..<testIterations(10_000) { narrow.append(rng.bytes(32)); wide.append(rng.bytes(64)) }
        for b in narrow { #expect(Scalar(reducing: b).bytes == Oracle.scalarBytes(BigInt(littleEndian: b))) }
        for b in wide { #expect(Scalar(reducingWide: b).bytes == Oracle.scalarBytes(BigInt(littleEndian: b))) }
    }

    @Test("add, sub, neg, mul, square and invert match GMP")
    func arithmetic() {
        var rng = SeededRNG(seed: 0x5c_0003)
        print("seed \(rng.seed)")
        var pairs: [(Scalar, Scalar)] = []
        let edges = Self.edgeBytes.map { Scalar(reducing: $0) }
        for a in edges { for b in edges { pairs.append((a, b)) } }
        for _ in 0..<testIterations(10_000) { pairs.append((Self.randomScalar(&rng), Self.randomScalar(&rng))) }
        let lMinus2 = l - BigInt(2)
        for (a, b) in pairs {
            let x = Oracle.value(a), y = Oracle.value(b)
            #expect((a + b).bytes == Oracle.scalarBytes(x + y))
            #expect((a - b).bytes == Oracle.scalarBytes(x - y + l))
            #expect((-a).bytes == Oracle.scalarBytes(l - x))
            #expect((a * b).bytes == Oracle.scalarBytes(x * y))
            let am = ScalarMultiplier(a)
            #expect(am.times(b).bytes == Oracle.scalarBytes(x * y))
            #expect(am.times(ScalarMultiplier(b)).scalar.bytes == Oracle.scalarBytes(x * y))
            #expect(am.scalar == a)
            #expect(a.squared().bytes == Oracle.scalarBytes(x * x))
            #expect(a.inverted().bytes == Oracle.scalarBytes(x.power(lMinus2, modulo: l)))
            #expect(a.invertedVartime().bytes == Oracle.scalarBytes(x.power(lMinus2, modulo: l)))
            var c = a
            c += b; c *= b; c -= a
            #expect(c.bytes == Oracle.scalarBytes((x + y) * y - x + l))
            #expect((a == b) == (x == y))
            #expect(a.isZero == (x.signum == 0))
        }
    }

    @Test("ScalarMultiplier.times(_:into:) on every backend (eight Montgomery products per step on IFMA) equals the single products, for every length 0...40 and edge values",
          arguments: TestBackends.supported)
    func manyProducts(backend: Backend) {
        var rng = SeededRNG(seed: 0x5ca1_0b01)
        print("seed \(rng.seed)")
        let minusOne = Scalar.zero - Scalar.one
        var pool: [Scalar] = [.zero, .one, minusOne, minusOne - .one, Scalar(2), Scalar(UInt64.max)]
        var p = Scalar.one
        for _ in 0..<252 { p = p + p }
        pool += [p, p - .one, p + .one]                      // 2^252 and its neighbours (l is just above)
        for _ in 0..<30 { pool.append(Self.randomScalar(&rng)) }
        let factors = pool.prefix(9) + [Self.randomScalar(&rng), Self.randomScalar(&rng)]
        for a in factors {
            let multiplier = ScalarMultiplier(a)
            for n in 0...40 {
                let input = (0..<n).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }
                var out = [Scalar](repeating: .zero, count: n)
                input.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { multiplier.times(i, into: $0, backend: backend) } }
                #expect(out == input.map { multiplier.times($0) }, "\(backend), n = \(n)")
                #expect(out == input.map { $0 * a }, "n = \(n)")
            }
        }
    }

    @Test("limb sums of up to 2^11 scalars, reduced once, equal the modular sum (l-1 everywhere included)")
    func limbSums() {
        var rng = SeededRNG(seed: 0x5ca1_0b02)
        print("seed \(rng.seed)")
        let minusOne = Scalar.zero - Scalar.one
        for (count, edge) in [(1, false), (2, false), (17, false), (300, false), (2048, false), (2048, true)] {
            var sums = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
            var expected = Scalar.zero
            for _ in 0..<count {
                let s = edge ? minusOne : Self.randomScalar(&rng)
                let v = s.value
                sums.0 &+= v.l0; sums.1 &+= v.l1; sums.2 &+= v.l2; sums.3 &+= v.l3; sums.4 &+= v.l4
                expected += s
            }
            #expect(Scalar(value: Scalar52.reducing(limbSums: sums)) == expected, "\(count) scalars, edge \(edge)")
        }
    }

    @Test("batchInvert inverts every element like GMP, for lengths 1 to 40")
    func batchInvert() {
        var rng = SeededRNG(seed: 0x5c_0004)
        print("seed \(rng.seed)")
        for n in 1...40 {
            var xs = (0..<n).map { _ in Scalar(reducingWide: rng.bytes(64)) }
            if n > 2 { xs[1] = .one; xs[2] = -Scalar.one }
            let original = xs
            var ys = xs
            Scalar.batchInvert(&xs)
            Scalar.batchInvertVartime(&ys)
            for (x, inv) in zip(original, xs) {
                #expect(inv.bytes == Oracle.scalarBytes(Oracle.value(x).inverse(modulo: l) ?? BigInt(0)))
            }
            #expect(ys == xs)
        }
        var empty: [Scalar] = []
        Scalar.batchInvert(&empty)
        Scalar.batchInvertVartime(&empty)
        #expect(empty.isEmpty)
    }

    @Test("zero inverts to zero; small constructors and constants are right")
    func constants() {
        #expect(Scalar.zero.inverted().isZero)
        #expect(Scalar.zero.invertedVartime().isZero)
        #expect(Scalar52.L.words.0 &* Word256.minusLInverse64 == UInt64.max)  // l0 * (-l^-1) = -1 mod 2^64
        // The binary algorithm's extremes: 1, l - 1, and powers of two (long halving runs).
        for v in [BigInt(1), l - BigInt(1), BigInt(2), BigInt(1) << 252, (BigInt(1) << 252) - BigInt(1)] {
            let a = Scalar(reducing: v.littleEndianBytes(count: 32))
            #expect(a.invertedVartime().bytes == Oracle.scalarBytes(v.inverse(modulo: l) ?? BigInt(0)))
        }
        #expect(Scalar.one.bytes == [1] + [UInt8](repeating: 0, count: 31))
        #expect(Scalar(UInt64.max).bytes == BigInt(UInt64.max).littleEndianBytes(count: 32))
        #expect(Scalar.zero.isZero && !Scalar.one.isZero)
        #expect(Constants.lBytes == l.littleEndianBytes(count: 32))
    }

    @Test("random scalars are reduced and randomWeight128 is nonzero and below 2^128")
    func randomness() {
        var seen = Set<Scalar>()
        for _ in 0..<200 {
            let w = Scalar.randomWeight128()
            #expect(!w.isZero)
            #expect(w.bytes[16...].allSatisfy { $0 == 0 })
            let r = Scalar.random()
            #expect(Oracle.value(r) < l)
            seen.insert(r)
        }
        #expect(seen.count == 200)
    }

    @Test("SecretScalar gives back the scalar and never prints it")
    func secretScalar() {
        let s = Scalar(reducingWide: [UInt8](repeating: 0xab, count: 64))
        let secret = SecretScalar(s)
        #expect(secret.withScalar { $0 } == s)
        #expect(!"\(secret)".contains("ab"))
        #expect("\(s)" == "Scalar(redacted)")
        #expect(RistrettoPoint.basepoint.multiply(secret: secret) == RistrettoPoint.basepoint.multiply(secret: s))
        #expect(RistrettoPoint.multiplyBase(secret: secret) == RistrettoPoint.multiplyBase(secret: s))
    }

    @Test("signed radix-16 digits and width-w NAFs reconstruct the scalar")
    func recodings() {
        var rng = SeededRNG(seed: 0x5c_0005)
        print("seed \(rng.seed)")
        var inputs = Self.edgeBytes.map { Scalar(reducing: $0) }
        for _ in 0..<testIterations(1_000) { inputs.append(Self.randomScalar(&rng)) }
        for s in inputs {
            let x = Oracle.value(s)
            let digits = s.radix16Digits
            #expect(digits.allSatisfy { $0 >= -8 && $0 <= 8 })
            var acc = BigInt(0)
            for d in digits.reversed() { acc = (acc << 4) + BigInt(signed: Int(d)) }
            #expect(acc == x)
            for w in 2...8 {
                let naf = s.vartimeNonAdjacentForm(width: w)
                var sum = BigInt(0)
                var lastNonzero = -w
                for (i, d) in naf.enumerated() where d != 0 {
                    #expect(d & 1 == 1 && Int(d.magnitude) < 1 << (w - 1), "NAF digit \(d) width \(w)")
                    #expect(i - lastNonzero >= w, "nonzero NAF digits are w apart")
                    lastNonzero = i
                    sum = sum + (BigInt(signed: Int(d)) << i)
                }
                #expect(sum == x, "NAF width \(w)")
            }
        }
    }
}
