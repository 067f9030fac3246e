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

    /// The auditor key of the auditor benchmarks.
    static let benchAuditor: AuditorSecret = {
        do { return try AuditorSecret(seed: SecretBytes(copying: [UInt8](repeating: 0x5d, count: 32))) } catch {
            preconditionFailure("a fixed auditor seed derives a key: \(error)")
        }
    }()

    /// Batch verification of 256 two-output transfers built for a ledger with `auditors`,
    /// their statements built together as the validator builds them.
    static func verifyFigure(_ name: String, auditors: [AuditorKey], backend: Backend, verifier: BatchVerifier) -> BenchFigure {
        BenchFigure(name, unit: "transfer (range + balance + authorization\(auditors.isEmpty ? "" : " + auditor proofs")) in a batch of 256",
                    opsPerCall: 256) {
            let (sender, recipient, note) = transferSetup()
            var items: [(Transfer, [InputNote])] = []
            for _ in 0..<256 {
                guard let built = try? TransferBuilder.build(chain: benchChain, auditors: auditors, from: sender, spending: [note],
                                                             payments: [Payment(to: recipient, amount: 1234)], fee: 10,
                                                             backend: backend)
                else { preconditionFailure("building a benchmark transfer failed") }
                items.append((built.transfer, [note.input]))
            }
            return { n in
                for _ in 0..<n {
                    var statements: [Statement] = []
                    statements.reserveCapacity(256 * 5)
                    for result in TransferVerifier.statements(for: items, auditors: auditors, backend: backend) {
                        guard let s = try? result.get() else { preconditionFailure("benchmark transfer fails a structural rule") }
                        statements += s.all
                    }
                    precondition(verifier.verifyVartime(statements), "benchmark batch must verify")
                }
            }
        }
    }

    /// `count` redemptions of the benchmark sender's note (stateless: each spends the same
    /// note), paying 1000 out to a bank reference, and the note they spend.
    static func redemptionSetup(count: Int, backend: Backend) -> ([Redemption], [InputNote]) {
        let (sender, _, note) = transferSetup()
        let redemptions = (0..<count).map { _ in
            guard let r = try? RedemptionBuilder.build(chain: benchChain, from: sender, spending: [note], amount: 1000, fee: 10,
                                                       reference: "BENCH PAYOUT", backend: backend).redemption
            else { preconditionFailure("building a benchmark redemption failed") }
            return r
        }
        return (redemptions, [note.input])
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
            BenchFigure("transfer_decode_2out", unit: "1-input, 2-output transfer decoded from its bytes (every point, one batch)") {
                let (sender, recipient, note) = transferSetup()
                guard let built = try? TransferBuilder.build(chain: benchChain, from: sender, spending: [note],
                                                             payments: [Payment(to: recipient, amount: 1234)], fee: 10,
                                                             backend: backend)
                else { preconditionFailure("building a benchmark transfer failed") }
                let bytes = built.transfer.bytes
                return { n in
                    for _ in 0..<n { precondition((try? Transfer(bytes: bytes, backend: backend)) != nil, "valid transfer") }
                }
            },
            verifyFigure("transfer_verify_2out_batch256", auditors: [], backend: backend, verifier: verifier),
            verifyFigure("transfer_verify_2out_1auditor_batch256", auditors: [benchAuditor.publicKey], backend: backend,
                         verifier: verifier),
            BenchFigure("redemption_verify_alone", unit: "redemption (inner transfer, opening, holder signature), one MSM of its own") {
                let (redemptions, inputs) = redemptionSetup(count: 1, backend: backend)
                return { n in
                    for _ in 0..<n {
                        precondition((try? redemptions[0].verifyVartime(inputs: inputs, verifier: verifier)) != nil, "valid")
                    }
                }
            },
            BenchFigure("redemption_verify_batch64", unit: "redemption in a batch of 64 checked with one MSM (as the ledger applies them)",
                        opsPerCall: 64) {
                let (redemptions, inputs) = redemptionSetup(count: 64, backend: backend)
                return { n in
                    for _ in 0..<n {
                        var statements: [Statement] = []
                        for r in redemptions {
                            guard let s = try? r.statements(inputs: inputs, backend: backend) else { preconditionFailure("valid") }
                            statements += s
                        }
                        precondition(verifier.verifyVartime(statements), "benchmark batch must verify")
                    }
                }
            },
            BenchFigure("auditor_scan_2out", unit: "2-output transfer read by its auditor (decrypt and check both outputs)") {
                let (sender, recipient, note) = transferSetup()
                let auditors = [benchAuditor.publicKey]
                guard let built = try? TransferBuilder.build(chain: benchChain, auditors: auditors, from: sender, spending: [note],
                                                             payments: [Payment(to: recipient, amount: 1234)], fee: 10,
                                                             backend: backend),
                      let genesis = try? Genesis(issuer: recipient, minimumFee: 1,
                                                 validators: [GenesisValidator(name: "v1", publicKey: [UInt8](repeating: 1, count: 32))],
                                                 auditors: auditors),
                      let scanner = AuditorScanner(secret: benchAuditor, genesis: genesis,
                                                   table: DiscreteLogTable(babyBits: 1, bits: 1))
                else { preconditionFailure("building the benchmark auditor scan failed") }
                return { n in
                    for _ in 0..<n { precondition(!scanner.scan(built.transfer, backend: backend).isFlagged, "honest transfer") }
                }
            },
        ]
    }
}
