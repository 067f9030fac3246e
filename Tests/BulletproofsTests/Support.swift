import Bulletproofs
import Foundation
import Merlin
import Ristretto255
import TestSupport

/// One case of Fixtures/vectors/dalek-bulletproofs.json.
struct BulletproofVector: Sendable, CustomStringConvertible {
    let name: String
    let valid: Bool
    let n: Int
    let m: Int
    let label: String
    let commitments: [[UInt8]]
    let proof: [UInt8]
    /// "FormatError" (decoding must fail) or "VerificationError" (verification must fail).
    let expectedError: String?

    var description: String { name }

    static let all: [BulletproofVector] = {
        guard let cases = try? Fixtures.cases("dalek-bulletproofs.json") else { return [] }
        return cases.compactMap { c in
            guard let name = c["name"] as? String, let valid = c["valid"] as? Bool, let n = c["n"] as? Int,
                  let m = c["m"] as? Int, let label = c["transcript_label"] as? String,
                  let commitments = c["commitments"] as? [String], let proof = c["proof"] as? String
            else { return nil }
            return BulletproofVector(name: name, valid: valid, n: n, m: m, label: label,
                                     commitments: commitments.map(Hex.decode), proof: Hex.decode(proof),
                                     expectedError: c["expected_error"] as? String)
        }
    }()

    static var valid: [BulletproofVector] { all.filter(\.valid) }
    static var invalid: [BulletproofVector] { all.filter { !$0.valid } }

    var transcript: Transcript { Transcript(labelBytes: Array(label.utf8)) }

    /// Decodes and verifies the case the way the crate's test does.
    func verify() throws {
        let decoded = try RangeProof(bytes: proof)
        let points = try commitments.map { try RistrettoPoint(encoding: $0, field: "V") }
        var t = transcript
        try decoded.verifyVartime(commitments: points, bitSize: n, transcript: &t)
    }
}

/// Deterministic proofs for tests.
enum TestProofs {
    static let label: StaticString = "zkpay bulletproofs test"

    static func transcript() -> Transcript { Transcript(label: label) }

    /// Random in-range values and blindings from `rng`.
    static func inputs(bitSize n: Int, count m: Int, rng: inout SeededRNG) -> ([UInt64], [Scalar]) {
        let values = (0..<m).map { _ in n == 64 ? rng.next() : rng.next() & ((1 << UInt64(n)) - 1) }
        let blindings = (0..<m).map { _ in Scalar(reducingWide: rng.bytes(64)) }
        return (values, blindings)
    }

    static func make(bitSize n: Int, count m: Int, rng: inout SeededRNG) throws
        -> (proof: RangeProof, commitments: [RistrettoPoint], values: [UInt64], blindings: [Scalar])
    {
        let (values, blindings) = inputs(bitSize: n, count: m, rng: &rng)
        var t = transcript()
        let (proof, commitments) = try RangeProof.prove(values: values, blindings: blindings, bitSize: n,
                                                        transcript: &t, using: &rng)
        return (proof, commitments, values, blindings)
    }

    /// True iff `bytes` decode and verify against `commitments`.
    static func verifies(_ bytes: [UInt8], _ commitments: [RistrettoPoint], bitSize n: Int) -> Bool {
        guard let proof = try? RangeProof(bytes: bytes) else { return false }
        var t = transcript()
        return (try? proof.verifyVartime(commitments: commitments, bitSize: n, transcript: &t)) != nil
    }
}
