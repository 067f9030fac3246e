@testable import Ristretto255
import Sodium
import TestSupport
import Testing

/// Group laws, encodings and the agreement of every multiplication routine.
@Suite("Ristretto point properties")
struct PointTests {
    static func randomPoint(_ rng: inout SeededRNG) -> RistrettoPoint { RistrettoPoint.fromUniformBytes(rng.bytes(64)) }
    static func randomScalar(_ rng: inout SeededRNG) -> Scalar { Scalar(reducingWide: rng.bytes(64)) }

    @Test("addition is associative and commutative, with identity, negation and doubling consistent")
    func groupLaws() {
        var rng = SeededRNG(seed: 0x9e_0001)
        print("seed \(rng.seed)")
        for _ in 0..<testIterations(300) {
            let a = Self.randomPoint(&rng), b = Self.randomPoint(&rng), c = Self.randomPoint(&rng)
            #expect((a + b) + c == a + (b + c))
            #expect(a + b == b + a)
            #expect(a + .identity == a)
            #expect(a - a == .identity)
            #expect((a - a).isIdentity)
            #expect(a + (-a) == .identity)
            #expect(a - b == a + (-b))
            #expect(a.doubled() == a + a)
            #expect(!a.isIdentity)
            #expect(a.edwards.isOnCurve && (a + b).edwards.isOnCurve && a.doubled().edwards.isOnCurve)
            var d = a
            d += b
            d -= b
            #expect(d == a)
        }
    }

    @Test("scalar multiplication distributes: (a+b)P = aP + bP, a(bP) = (ab)P, and l P = identity")
    func distributivity() {
        var rng = SeededRNG(seed: 0x9e_0002)
        print("seed \(rng.seed)")
        for _ in 0..<testIterations(100) {
            let p = Self.randomPoint(&rng), q = Self.randomPoint(&rng)
            let a = Self.randomScalar(&rng), b = Self.randomScalar(&rng)
            #expect(p.vartimeMultiply(a + b) == p.vartimeMultiply(a) + p.vartimeMultiply(b))
            #expect(p.multiply(secret: b).multiply(secret: a) == p.multiply(secret: a * b))
            #expect((p + q).multiply(secret: a) == p.multiply(secret: a) + q.multiply(secret: a))
            #expect(p.vartimeMultiply(-a) == -p.vartimeMultiply(a))
            #expect(p.vartimeMultiply(a).vartimeMultiply(a.inverted()) == p)
        }
    }

    @Test("constant-time, vartime, base-table, double-base and MSM entry points agree")
    func multiplicationAgreement() {
        var rng = SeededRNG(seed: 0x9e_0003)
        print("seed \(rng.seed)")
        var scalars = ScalarTests.edgeBytes.map { Scalar(reducing: $0) } + [Scalar.zero, .one, -Scalar.one]
        for _ in 0..<testIterations(100) { scalars.append(Self.randomScalar(&rng)) }
        for s in scalars {
            let p = Self.randomPoint(&rng)
            let ct = p.multiply(secret: s)
            #expect(p.vartimeMultiply(s) == ct)
            #expect(RistrettoPoint.basepoint.multiply(secret: s) == RistrettoPoint.multiplyBase(secret: s))
            #expect(RistrettoPoint.basepoint.vartimeMultiply(s) == RistrettoPoint.multiplyBase(secret: s))
            let t = Self.randomScalar(&rng)
            let expected = p.multiply(secret: t) + RistrettoPoint.multiplyBase(secret: s)
            #expect(RistrettoPoint.vartimeDoubleBaseMul(t, p, s) == expected)
            #expect(RistrettoPoint.vartimeMultiscalarMul([t, s], [p, .basepoint]) == expected)
            #expect(RistrettoPoint.constantTimeMultiscalarMul([t, s], [p, .basepoint]) == expected)
            let pre = VartimePrecomputedMSM(points: [.basepoint, p], backend: TestBackends.fastest)
            #expect(pre.vartimeMultiscalarMul(staticScalars: [s], dynamicScalars: [t], dynamicPoints: [p]) == expected)
            #expect(pre.vartimeMultiscalarMul(staticScalars: [s, t], dynamicScalars: [], dynamicPoints: []) == expected)
        }
        #expect(RistrettoPoint.vartimeMultiscalarMul([], []) == .identity)
        #expect(RistrettoPoint.constantTimeMultiscalarMul([], []) == .identity)
    }

    @Test("encode then decode is the identity map, and decode then encode gives the input back")
    func roundTrips() throws {
        var rng = SeededRNG(seed: 0x9e_0004)
        print("seed \(rng.seed)")
        var points: [RistrettoPoint] = [.identity, .basepoint]
        for _ in 0..<testIterations(500) { points.append(Self.randomPoint(&rng)) }
        let batch = RistrettoPoint.batchEncode(points, backend: TestBackends.fastest)
        for (p, e) in zip(points, batch) {
            #expect(p.encoding == e)
            let q = try RistrettoPoint(encoding: e)
            #expect(q == p)
            #expect(q.encoding == e)
        }
        // Any 32 bytes that decode re-encode to themselves (decoding accepts canonical input only).
        var accepted = 0
        for _ in 0..<testIterations(5_000) {
            let b = rng.bytes(32)
            if let q = try? RistrettoPoint(encoding: b) {
                accepted += 1
                #expect(q.encoding == b)
            }
        }
        #expect(accepted > 0)
    }

    @Test("decodeBatch on every backend agrees with one-by-one decoding on valid, bit-flipped, non-canonical, high-bit, short and RFC-invalid encodings, at every batch size 0...40",
          arguments: TestBackends.supported)
    func decodeBatchAgrees(backend: Backend) {
        var rng = SeededRNG(seed: 0x9e_0009)
        print("seed \(rng.seed)")
        var pool: [[UInt8]] = RistrettoVectors.group("invalid_encodings").map { RistrettoVectors.hex($0, "encoding") }
        pool += RistrettoVectors.group("extra_invalid_encodings").map { RistrettoVectors.hex($0, "encoding") }
        #expect(pool.count == 31 && pool.allSatisfy { $0.count == 32 })
        for _ in 0..<60 {
            let e = Self.randomPoint(&rng).encoding
            pool.append(e)                                    // valid
            var flipped = e
            flipped[Int(rng.next() % 32)] ^= UInt8(1) << UInt8(rng.next() % 8)
            pool.append(flipped)                              // usually invalid
            var high = e
            high[31] |= 0x80
            pool.append(high)                                 // bit 255 set
        }
        pool.append([UInt8](repeating: 0, count: 32))         // the identity
        pool.append([0xed] + [UInt8](repeating: 0xff, count: 30) + [0x7f])  // p itself, not canonical
        pool.append([UInt8](repeating: 1, count: 31))         // short
        for n in 0...40 {
            let batch = (0..<n).map { _ in pool[Int(rng.next() % UInt64(pool.count))][...] }
            let got = RistrettoPoint.decodeBatch(batch, backend: backend)
            #expect(got.count == n)
            for (k, e) in batch.enumerated() {
                let one = try? RistrettoPoint(encoding: e)
                #expect(got[k] == one, "n = \(n), k = \(k)")
                if let g = got[k] { #expect(g.encoding == Array(e)) }
            }
        }
        // The whole pool at once (several full chunks of eight plus a partial one).
        let all = RistrettoPoint.decodeBatch(pool.map { $0[...] }, backend: backend)
        #expect(all.count == pool.count)
        for (k, e) in pool.enumerated() { #expect(all[k] == (try? RistrettoPoint(encoding: e)), "pool \(k)") }
    }

    @Test("batchEncode on every backend gives each point's encoding at every batch size 0...40, the identity, torsion representatives and non-reduced limbs included",
          arguments: TestBackends.supported)
    func batchEncodeAgrees(backend: Backend) {
        var rng = SeededRNG(seed: 0x9e_000a)
        print("seed \(rng.seed)")
        var pool = (0..<30).map { _ in Self.randomPoint(&rng) }
        pool += [.identity, .basepoint, -RistrettoPoint.basepoint, pool[0] + pool[1], pool[2] - pool[2]]
        pool += EdgePoints.representatives(of: pool[3]) + EdgePoints.representatives(of: .identity)
        for n in 0...40 {
            let batch = (0..<n).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }
            #expect(RistrettoPoint.batchEncode(batch, backend: backend) == batch.map(\.encoding), "n = \(n)")
        }
    }

    @Test("every single-bit change of a valid encoding is rejected or decodes to a different point")
    func tampering() throws {
        var rng = SeededRNG(seed: 0x9e_0005)
        print("seed \(rng.seed)")
        for _ in 0..<testIterations(20) {
            let p = Self.randomPoint(&rng)
            let e = p.encoding
            for bit in 0..<256 {
                var t = e
                t[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
                if let q = try? RistrettoPoint(encoding: t) {
                    #expect(q != p)
                    #expect(q.encoding == t)
                } else {
                    #expect(throws: RistrettoError.invalidPoint(field: "point")) { try RistrettoPoint(encoding: t) }
                }
            }
            var high = e
            high[31] |= 0x80
            #expect(throws: RistrettoError.invalidPoint(field: "point")) { try RistrettoPoint(encoding: high) }
        }
    }

    @Test("the Edwards representatives of one ristretto class (P plus 4-torsion) are equal and encode identically")
    func torsionClasses() {
        var rng = SeededRNG(seed: 0x9e_0006)
        print("seed \(rng.seed)")
        // The 4-torsion of edwards25519: (0, 1), (0, -1), (±sqrt(-1), 0) in extended coordinates.
        let i = Constants.sqrtM1
        let torsion = [
            EdwardsPoint(X: .zero, Y: .minusOne, Z: .one, T: .zero),
            EdwardsPoint(X: i, Y: .zero, Z: .one, T: .zero),
            EdwardsPoint(X: -i, Y: .zero, Z: .one, T: .zero),
        ]
        for _ in 0..<testIterations(50) {
            let p = Self.randomPoint(&rng)
            for t in torsion {
                #expect(t.isOnCurve)
                let q = RistrettoPoint(edwards: p.edwards + t)
                #expect(q == p)
                #expect(q.encoding == p.encoding)
            }
            // A projectively scaled representative is the same point.
            let z = FieldElement(bytesMaskingBit255: rng.bytes(32))
            let e = p.edwards
            let scaled = RistrettoPoint(edwards: EdwardsPoint(X: e.X * z, Y: e.Y * z, Z: e.Z * z, T: e.T * z))
            #expect(scaled == p && scaled.encoding == p.encoding)
        }
        #expect(RistrettoPoint(edwards: torsion[0]).isIdentity)
    }
}
