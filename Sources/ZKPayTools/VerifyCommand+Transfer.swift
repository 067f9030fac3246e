import BatchVerify
import Ristretto255
import ZKPayCore

/// `zkpay verify` for kind `zkpay-transfer` (Fixtures/transfers.json).
///
/// Each case gives the spent notes (`inputs`) and the transfer's canonical encoding. A
/// valid case must decode, re-encode to the same bytes, round-trip through JSON and
/// verify; an invalid one must be rejected by the decoder or the verifier, with the code
/// in `error` when the case names one. Finally all valid cases are verified as one batch.
extension VerifyCommand {
    static func checkTransfers(_ file: [String: Any]) throws -> [CaseResult] {
        var results = [CaseResult]()
        var batch: [(transfer: Transfer, inputs: [InputNote])] = []
        var batchNames: [String] = []
        for (index, c) in try file.objects("cases").enumerated() {
            let name = "case \(index) \((try? c.string("name")) ?? "")"
            let valid = try c.bool("valid")
            let expected = c["error"] as? String
            guard let rawInputs = c["inputs"] as? [[String: Any]] else {
                throw VectorFileError("case \(index): missing array `inputs`")
            }
            var inputs: [InputNote] = []
            for (i, raw) in rawInputs.enumerated() {
                let json = JSONValue.object([
                    JSONMember("id", .string(try raw.string("id"))),
                    JSONMember("owner", .string(try raw.string("owner"))),
                    JSONMember("commitment", .string(try raw.string("commitment"))),
                ])
                do { inputs.append(try InputNote(json: json, path: "inputs[\(i)]")) } catch {
                    throw VectorFileError("case \(index): input \(i) is malformed: \(error)")
                }
            }
            let bytes = try c.hex("transfer")
            let outcome = Result { () throws(ProtocolError) -> Transfer in
                let t = try Transfer(bytes: bytes)
                try TransferVerifier.verifyVartime(t, inputs: inputs)
                return t
            }
            switch (outcome, valid) {
            case let (.success(t), true):
                guard t.bytes == bytes else { results.append(.fail(name, "re-encodes differently")); continue }
                guard (try? Transfer(json: JSONValue.parse(Array(t.json.render().utf8)))) == t else {
                    results.append(.fail(name, "does not round-trip through JSON"))
                    continue
                }
                batch.append((t, inputs))
                batchNames.append(name)
                results.append(.pass(name))
            case let (.failure(error), true):
                results.append(.fail(name, "rejected: \(error.code): \(error)"))
            case (.success, false):
                results.append(.fail(name, "accepted; expected rejection\(expected.map { " with \($0)" } ?? "")"))
            case let (.failure(error), false):
                if let expected, error.code != expected {
                    results.append(.fail(name, "rejected with \(error.code) (\(error)); expected \(expected)"))
                } else {
                    results.append(.pass(name))
                }
            }
        }
        if !batch.isEmpty {
            let name = "batch of the \(batch.count) valid cases"
            // Checked on the backend a validator on this CPU uses by default.
            let verifier = BatchVerifier(backend: Backend.fastest(on: CPUFeatures.detect()))
            let bad = TransferVerifier.invalidTransfersVartime(batch, verifier: verifier)
            results.append(bad.isEmpty ? .pass(name)
                : .fail(name, "batch rejects " + bad.map { "\(batchNames[$0.index]) (\($0.error.code))" }.joined(separator: ", ")))
        }
        return results
    }
}
