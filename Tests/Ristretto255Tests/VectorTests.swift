import Foundation
import Ristretto255
import TestSupport
import Testing

/// The RFC 9496 Appendix A vectors (Fixtures/vectors/ristretto255.json, sources in SOURCES.md).
enum RistrettoVectors {
    static var cases: [[String: Any]] { (try? Fixtures.cases("ristretto255.json")) ?? [] }

    static func group(_ name: String) -> [[String: Any]] {
        cases.filter { ($0["group"] as? String) == name }
    }

    static func hex(_ c: [String: Any], _ key: String) -> [UInt8] {
        Hex.decode(c[key] as? String ?? "")
    }
}

@Suite("RFC 9496 test vectors")
struct VectorTests {
    @Test("the vector file has every group with the RFC's counts")
    func groupCounts() {
        #expect(RistrettoVectors.group("multiples_of_generator").count == 16)
        #expect(RistrettoVectors.group("invalid_encodings").count == 29)
        #expect(RistrettoVectors.group("extra_invalid_encodings").count == 2)
        #expect(RistrettoVectors.group("element_derivation").count == 7)
        #expect(RistrettoVectors.group("element_derivation_same_output").count == 4)
        #expect(RistrettoVectors.group("sqrt_ratio_m1").count == 6)
    }

    @Test("k*B encodes to the RFC's multiple for k = 0..15, by every multiplication routine and by repeated addition")
    func multiples() throws {
        var acc = RistrettoPoint.identity
        for c in RistrettoVectors.group("multiples_of_generator") {
            let k = try #require(c["scalar"] as? Int)
            let expected = RistrettoVectors.hex(c, "encoding")
            let s = Scalar(UInt64(k))
            #expect(acc.encoding == expected, "repeated addition, k = \(k)")
            #expect(RistrettoPoint.multiplyBase(secret: s).encoding == expected, "multiplyBase, k = \(k)")
            #expect(RistrettoPoint.basepoint.multiply(secret: s).encoding == expected, "multiply, k = \(k)")
            #expect(RistrettoPoint.basepoint.vartimeMultiply(s).encoding == expected, "vartimeMultiply, k = \(k)")
            #expect(RistrettoPoint.vartimeDoubleBaseMul(.zero, .identity, s).encoding == expected, "double base, k = \(k)")
            let decoded = try RistrettoPoint(encoding: expected)
            #expect(decoded.encoding == expected, "round trip, k = \(k)")
            #expect(decoded == acc)
            #expect(decoded.isIdentity == (k == 0))
            acc = acc + .basepoint
        }
    }

    @Test("every RFC invalid encoding and both extra ones are rejected", arguments:
        (RistrettoVectors.group("invalid_encodings") + RistrettoVectors.group("extra_invalid_encodings"))
            .map { $0["encoding"] as? String ?? "" })
    func invalid(_ hex: String) {
        let bytes = Hex.decode(hex)
        #expect(bytes.count == 32)
        #expect(throws: RistrettoError.invalidPoint(field: "point")) { try RistrettoPoint(encoding: bytes) }
    }

    @Test("element derivation maps each input (SHA-512 of its label) to the RFC output")
    func elementDerivation() {
        for c in RistrettoVectors.group("element_derivation") + RistrettoVectors.group("element_derivation_same_output") {
            let input = RistrettoVectors.hex(c, "input")
            let output = RistrettoVectors.hex(c, "output")
            #expect(RistrettoPoint.fromUniformBytes(input).encoding == output, "input \(Hex.encode(input))")
        }
    }

    @Test("SQRT_RATIO_M1 reproduces every RFC row")
    func sqrtRatio() throws {
        for c in RistrettoVectors.group("sqrt_ratio_m1") {
            let u = RistrettoVectors.hex(c, "u"), v = RistrettoVectors.hex(c, "v")
            let (wasSquare, r) = RistrettoInternals.sqrtRatioM1(u, v)
            #expect(wasSquare == (c["was_square"] as? Bool), "u \(Hex.encode(u)) v \(Hex.encode(v))")
            #expect(r == RistrettoVectors.hex(c, "r"))
        }
    }

    @Test("wrong lengths are rejected with the field name")
    func wrongLength() {
        #expect(throws: RistrettoError.wrongLength(field: "commitment", expected: 32, actual: 31)) {
            try RistrettoPoint(encoding: [UInt8](repeating: 0, count: 31), field: "commitment")
        }
        #expect(throws: RistrettoError.wrongLength(field: "scalar", expected: 32, actual: 33)) {
            try Scalar(canonical: [UInt8](repeating: 0, count: 33))
        }
    }
}
