import ZKPayCLI
import BatchVerify
import Ristretto255
import Sodium
import ZKPayCore

/// Benchmark figures of the transfer protocol (ZKPayCore).
extension BenchCommand {
    /// A wallet, a recipient and a spendable note of 1,000,000 (an honest opening).
    private static func transferSetup() -> (WalletKeys, Address, OwnedNote) {
        let sender = WalletKeys.generate().keys
        let recipient = WalletKeys.generate().keys.address
        let blinding = SecretScalar(Scalar.random())
        let input = InputNote(id: NoteID(transfer: TransferID(uncheckedBytes: SecureRandom.bytes(32)), outputIndex: 0),
                              owner: sender.spend.publicKey,
                              commitment: blinding.withScalar { Pedersen.commit(amount: 1_000_000, blinding: $0) })
        return (sender, recipient, OwnedNote(input: input, amount: 1_000_000, blinding: blinding))
    }

    /// The chain id the stateless transfer benchmarks build for (no ledger checks it).
    static let benchChain = ChainID(uncheckedBytes: Array(repeating: 0x42, count: 32))

    static func zkpayCoreFigures(_ runtime: RuntimeOptions) -> [BenchFigure] {
        let backend = runtime.backend
        let verifier = BatchVerifier(backend: backend)
        return [
            BenchFigure("transfer_build_2out", unit: "1 input -> payment + change, proof and signatures") {
                let (sender, recipient, note) = transferSetup()
                return { n in
                    for _ in 0..<n {
                        let built = try? TransferBuilder.build(chain: benchChain, from: sender, spending: [note],
                                                               payments: [Payment(to: recipient, amount: 1234)], fee: 10,
                                                               backend: backend)
                        precondition(built != nil, "building a benchmark transfer failed")
                    }
                }
            },
            BenchFigure("transfer_verify_2out_batch256", unit: "transfer (range + balance + authorization) in a batch of 256",
                        opsPerCall: 256) {
                let (sender, recipient, note) = transferSetup()
                var items: [(Transfer, [InputNote])] = []
                for _ in 0..<256 {
                    guard let built = try? TransferBuilder.build(chain: benchChain, from: sender, spending: [note],
                                                                 payments: [Payment(to: recipient, amount: 1234)], fee: 10,
                                                                 backend: backend)
                    else { preconditionFailure("building a benchmark transfer failed") }
                    items.append((built.transfer, [note.input]))
                }
                return { n in
                    for _ in 0..<n {
                        // The batch's statements built together, as the validator builds them.
                        var statements: [Statement] = []
                        statements.reserveCapacity(256 * 4)
                        for result in TransferVerifier.statements(for: items, backend: backend) {
                            guard let s = try? result.get() else { preconditionFailure("benchmark transfer fails a structural rule") }
                            statements += s.all
                        }
                        precondition(verifier.verifyVartime(statements), "benchmark batch must verify")
                    }
                }
            },
        ]
    }
}
