import BatchVerify
import Bulletproofs
import Foundation
import Merlin
import Ristretto255

/// `zkpay verify` for kind `dalek-bulletproofs`: range proofs serialized by the dalek
/// `bulletproofs` crate (Fixtures/vectors/dalek-bulletproofs.json). A valid case passes
/// when the proof decodes and verifies against its commitments with a fresh transcript
/// labelled `transcript_label`; an invalid case passes when it is rejected, and a case
/// whose `expected_error` is `FormatError` must already be rejected by the decoder.
extension VerifyCommand {
    static func checkDalekBulletproofs(_ file: [String: Any]) throws -> [CaseResult] {
        try file.objects("cases").map { c in
            let name = try c.string("name")
            let valid = try c.bool("valid")
            let n = try c.int("n")
            let label = try c.string("transcript_label")
            let proofBytes = try c.hex("proof")
            guard let commitmentHex = c["commitments"] as? [String] else {
                throw VectorFileError("case \(name): missing array of strings `commitments`")
            }
            var commitments: [[UInt8]] = []
            for (j, hex) in commitmentHex.enumerated() {
                guard let bytes = HexCoding.decode(hex) else {
                    throw VectorFileError("case \(name): commitment \(j) is not hex")
                }
                commitments.append(bytes)
            }
            let outcome = bulletproofOutcome(proofBytes, commitments: commitments, bitSize: n, label: label)
            if valid {
                if let rejection = outcome.rejection { return .fail(name, "valid proof rejected: \(rejection)") }
                return .pass(name)
            }
            guard let rejection = outcome.rejection else { return .fail(name, "invalid proof accepted") }
            if (c["expected_error"] as? String) == "FormatError" && !outcome.rejectedByDecoder {
                return .fail(name, "expected a decoding (format) error, but the decoder accepted it; rejected later: \(rejection)")
            }
            return .pass(name)
        }
    }

    /// Decodes and verifies; reports where and why it was rejected (nil rejection: verified).
    private static func bulletproofOutcome(_ bytes: [UInt8], commitments: [[UInt8]], bitSize n: Int, label: String)
        -> (rejection: String?, rejectedByDecoder: Bool)
    {
        let proof: RangeProof
        do { proof = try RangeProof(bytes: bytes) } catch { return ("\(error)", true) }
        var transcript = Transcript(labelBytes: Array(label.utf8))
        do {
            let statement = try proof.statement(commitmentEncodings: commitments, bitSize: n, transcript: &transcript)
            // Vectors are checked on the backend a validator on this CPU uses by default.
            let backend = Backend.fastest(on: CPUFeatures.detect())
            return (statement.isSatisfiedVartime(backend: backend) ? nil : "\(BulletproofsError.verificationFailed)", false)
        } catch {
            return ("\(error)", false)
        }
    }
}
