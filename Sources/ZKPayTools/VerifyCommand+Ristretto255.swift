import Ristretto255
import Sodium

/// `zkpay verify` for kind `ristretto255` (Fixtures/vectors/ristretto255.json, RFC 9496
/// Appendix A).
///
/// - multiples_of_generator: k*B (constant-time base multiplication) encodes to the listed
///   bytes, the same as repeated addition, and the encoding decodes and re-encodes unchanged.
/// - invalid_encodings, extra_invalid_encodings: decoding rejects the bytes.
/// - element_derivation, element_derivation_same_output: the one-way map of the 64-byte
///   input gives the listed encoding; where a label is given, SHA-512(label) is the input.
/// - sqrt_ratio_m1: SQRT_RATIO_M1(u, v) gives the listed was_square flag and root.
extension VerifyCommand {
    static func checkRistretto255(_ file: [String: Any]) throws -> [CaseResult] {
        var results = [CaseResult]()
        var sum = RistrettoPoint.identity  // k*B by repeated addition, for consecutive k from 0
        var nextK = 0
        for (index, c) in try file.objects("cases").enumerated() {
            let group = try c.string("group")
            let label = (c["name"] as? String) ?? (c["reason"] as? String) ?? (c["label"] as? String) ?? ""
            let name = "case \(index) (\(group))" + (label.isEmpty ? "" : " \(label)")
            switch group {
            case "multiples_of_generator":
                let k = try c.int("scalar")
                let expected = try c.hex("encoding")
                guard k >= 0 else { throw VectorFileError("case \(index): negative scalar") }
                let byTable = RistrettoPoint.multiplyBase(secret: Scalar(UInt64(k))).encoding
                var failure: String? = nil
                if byTable != expected {
                    failure = "k*B encodes to \(HexCoding.encode(byTable))"
                } else if let decoded = try? RistrettoPoint(encoding: expected), decoded.encoding == expected {
                    if k == nextK, sum.encoding != expected { failure = "repeated addition gives \(HexCoding.encode(sum.encoding))" }
                } else {
                    failure = "the expected encoding does not decode and re-encode unchanged"
                }
                if k == nextK { sum = sum + .basepoint; nextK += 1 }
                results.append(failure.map { .fail(name, $0) } ?? .pass(name))
            case "invalid_encodings", "extra_invalid_encodings":
                let bytes = try c.hex("encoding")
                if let point = try? RistrettoPoint(encoding: bytes) {
                    results.append(.fail(name, "accepted (decoded to \(HexCoding.encode(point.encoding))); RFC 9496 rejects it"))
                } else {
                    results.append(.pass(name))
                }
            case "element_derivation", "element_derivation_same_output":
                let input = try c.hex("input")
                let expected = try c.hex("output")
                guard input.count == 64 else { throw VectorFileError("case \(index): input is not 64 bytes") }
                if let text = c["label"] as? String, Hash.sha512(Array(text.utf8)) != input {
                    results.append(.fail(name, "input is not SHA-512 of the label"))
                    continue
                }
                let got = RistrettoPoint.fromUniformBytes(input).encoding
                results.append(got == expected ? .pass(name) : .fail(name, "maps to \(HexCoding.encode(got))"))
            case "sqrt_ratio_m1":
                let u = try c.hex("u"), v = try c.hex("v"), r = try c.hex("r")
                let wasSquare = try c.bool("was_square")
                guard u.count == 32, v.count == 32 else { throw VectorFileError("case \(index): u and v are 32 bytes") }
                let got = RistrettoInternals.sqrtRatioM1(u, v)
                let sqName = "case \(index) (sqrt_ratio_m1) u=\(HexCoding.encode(u.prefix(4)))… v=\(HexCoding.encode(v.prefix(4)))…"
                if got.wasSquare != wasSquare {
                    results.append(.fail(sqName, "was_square \(got.wasSquare), expected \(wasSquare)"))
                } else if got.r != r {
                    results.append(.fail(sqName, "r = \(HexCoding.encode(got.r))"))
                } else {
                    results.append(.pass(sqName))
                }
            default:
                throw VectorFileError("case \(index): unknown group '\(group)'")
            }
        }
        return results
    }
}
