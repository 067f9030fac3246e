import ZKPayCLI
import BatchVerify
import Bulletproofs
import Merlin
import Ristretto255
import Sodium

/// Benchmark figures of the Bulletproofs module (64-bit range proofs; baseline:
/// libsodium's scalarmult). Verification figures start from the wire bytes, so they
/// include decoding; batch figures are per proof (opsPerCall = batch size).
extension BenchCommand {
    static func bulletproofsFigures(_ runtime: RuntimeOptions) -> [BenchFigure] {
        var figures: [BenchFigure] = []
        let backend = runtime.backend
        for m in [1, 2, 8] {
            figures.append(BenchFigure("bp_prove_m\(m)", unit: "prove \(m) x 64-bit aggregated range proof") {
                let values = (0..<m).map { _ in UInt64.random(in: 0...UInt64.max) }
                let blindings = (0..<m).map { _ in Scalar.random() }
                var sink = 0
                return { iterations in
                    for _ in 0..<iterations {
                        var t = Transcript(label: "zkpay bench")
                        if let p = try? RangeProof.prove(values: values, blindings: blindings, bitSize: 64, transcript: &t,
                                                         backend: backend) {
                            sink &+= p.proof.bytes.count
                        }
                    }
                    if sink == 1 { print(sink) }
                }
            })
        }
        for m in [1, 2, 8] {
            figures.append(BenchFigure("bp_verify_m\(m)", unit: "decode + verify \(m) x 64-bit range proof") {
                let (bytes, commitments) = benchProof(m: m)
                return { iterations in
                    for _ in 0..<iterations {
                        var t = Transcript(label: "zkpay bench")
                        guard let proof = try? RangeProof(bytes: bytes, backend: backend),
                              (try? proof.verifyVartime(commitments: commitments, bitSize: 64, transcript: &t,
                                                        backend: backend)) != nil
                        else { fatalError("benchmark proof does not verify") }
                    }
                }
            })
        }
        for size in [64, 256] {
            figures.append(BenchFigure("bp_batch_m2_\(size)", unit: "per proof, batch of \(size) 2 x 64-bit proofs",
                                       opsPerCall: size) {
                // 64 distinct proofs, repeated to fill larger batches (the cost of a batch
                // does not depend on whether its proofs differ).
                let distinct = (0..<min(size, 64)).map { _ in benchProof(m: 2) }
                let encoded = (0..<size).map { distinct[$0 % distinct.count] }
                return { iterations in
                    for _ in 0..<iterations {
                        var claims: [RangeProofClaim] = []
                        claims.reserveCapacity(size)
                        // Decoded together, as a verifier holding a batch of proofs does.
                        for (decoded, (_, commitments)) in zip(RangeProof.decodeMany(encoded.map(\.0), backend: backend), encoded) {
                            guard let proof = try? decoded.get() else { fatalError("benchmark proof does not decode") }
                            claims.append(RangeProofClaim(proof: proof, commitments: commitments, bitSize: 64,
                                                          transcript: Transcript(label: "zkpay bench")))
                        }
                        guard RangeProof.verifyBatchVartime(claims, verifier: BatchVerifier(backend: backend)) else { fatalError("benchmark batch does not verify") }
                    }
                }
            })
        }
        return figures
    }

    /// A fresh 64-bit proof over m random values: its bytes and commitments.
    private static func benchProof(m: Int) -> ([UInt8], [RistrettoPoint]) {
        let values = (0..<m).map { _ in UInt64.random(in: 0...UInt64.max) }
        let blindings = (0..<m).map { _ in Scalar.random() }
        var t = Transcript(label: "zkpay bench")
        guard let (proof, commitments) = try? RangeProof.prove(values: values, blindings: blindings, bitSize: 64,
                                                               transcript: &t)
        else { fatalError("benchmark proof could not be made") }
        return (proof.bytes, commitments)
    }
}
