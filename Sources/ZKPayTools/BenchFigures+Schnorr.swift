import ZKPayCLI
import BatchVerify
import Merlin
import Schnorr
import Sodium

/// Benchmark figures of the Schnorr (sr25519) module, against libsodium's Ed25519
/// verification measured in the same run.
extension BenchCommand {
    static func schnorrFigures(_ runtime: RuntimeOptions) -> [BenchFigure] {
        let verifier = BatchVerifier(backend: runtime.backend)
        return [
            BenchFigure("schnorr_sign", unit: "sign a 64-byte message (hedged nonce)",
                        baseline: "libsodium_ed25519_verify") {
                let key = MiniSecretKey().expandEd25519()
                let context = SigningContext("zkpay bench")
                let message = SecureRandom.bytes(64)
                var sink: UInt8 = 0  // keeps each signature live
                return { n in
                    for _ in 0..<n { sink ^= key.sign(context: context, message: message).bytes[0] }
                }
            },
            BenchFigure("schnorr_verify", unit: "verify from bytes (decode key and R, challenge, double-base mul)",
                        baseline: "libsodium_ed25519_verify") {
                let key = MiniSecretKey().expandEd25519()
                let context = SigningContext("zkpay bench")
                let message = SecureRandom.bytes(64)
                let signature = key.sign(context: context, message: message).bytes
                let publicKey = key.publicKey().bytes
                return { n in
                    for _ in 0..<n {
                        do {
                            try Schnorr.verifyVartime(publicKey: publicKey, message: message, signature: signature,
                                                      context: context)
                        } catch {
                            preconditionFailure("benchmark signature must verify: \(error)")
                        }
                    }
                }
            },
            batchFigure("schnorr_batch_verify_64", count: 64, fromBytes: false, verifier: verifier),
            batchFigure("schnorr_batch_verify_1024", count: 1024, fromBytes: false, verifier: verifier),
            batchFigure("schnorr_batch_1024_from_bytes", count: 1024, fromBytes: true, verifier: verifier),
        ]
    }

    /// Per-signature cost of verifying `count` signatures (different keys and messages)
    /// as one batch: challenges, statements and one MSM; with `fromBytes` also decoding
    /// every public key and signature.
    private static func batchFigure(_ name: String, count: Int, fromBytes: Bool, verifier: BatchVerifier) -> BenchFigure {
        let unit = fromBytes
            ? "signature in a batch of \(count), decoding keys and signatures included"
            : "signature in a batch of \(count) (keys and signatures decoded beforehand)"
        return BenchFigure(name, unit: unit, baseline: "libsodium_ed25519_verify", opsPerCall: count) {
            let context = SigningContext("zkpay bench")
            var keys: [PublicKey] = []
            var signatures: [Signature] = []
            var transcripts: [Transcript] = []
            var keyBytes: [[UInt8]] = []
            var signatureBytes: [[UInt8]] = []
            for _ in 0..<count {
                let secret = MiniSecretKey().expandEd25519()
                let message = SecureRandom.bytes(64)
                let pk = secret.publicKey()
                let sig = secret.sign(context: context, message: message)
                keys.append(pk)
                signatures.append(sig)
                transcripts.append(context.bytes(message))
                keyBytes.append(pk.bytes)
                signatureBytes.append(sig.bytes)
            }
            return { n in
                for _ in 0..<n {
                    var statements: [Statement] = []
                    statements.reserveCapacity(count)
                    for i in 0..<count {
                        if fromBytes {
                            guard let pk = try? PublicKey(bytes: keyBytes[i]),
                                  let sig = try? Signature(bytes: signatureBytes[i]) else {
                                preconditionFailure("benchmark keys and signatures decode")
                            }
                            statements.append(pk.statement(for: sig, transcripts[i]))
                        } else {
                            statements.append(keys[i].statement(for: signatures[i], transcripts[i]))
                        }
                    }
                    precondition(verifier.verifyVartime(statements), "benchmark batch must verify")
                }
            }
        }
    }
}
