import Foundation
import Ledger
import Sodium
import ZKPayCore

/// Ledger state-machine figures: settling already-verified transfers durably, and recovery.
extension BenchCommand {
    static func ledgerStateFigures() -> [BenchFigure] {
        [
            // 256 real 2-in/2-out transfers, verified once in setup; each timed call settles them
            // as one batch on a fresh ledger (genesis + 32 mints, made before the call and
            // outside the timing) in a temporary directory on the real file system: rules, state
            // update, chain hash, one receipt batch (Merkle tree + one Ed25519 signature), record
            // encoding, one pwrite and one fsync for the batch.
            BenchFigure("ledger_apply_per_transfer", unit: "2-in/2-out transfer (batch 256, 1 fsync)",
                        opsPerCall: 256, prepareEach: {
                let setup = LedgerBenchSetup()
                let batch = setup.verifiedBatch()
                return {
                    let (directory, ledger) = setup.freshLedger()
                    return {
                        let outcomes: [Outcome]
                        do { outcomes = try ledger.submit(verified: batch, time: 1) } catch {
                            fatalError("ledger_apply_per_transfer: \(error)")
                        }
                        precondition(outcomes.allSatisfy { $0.receipt != nil }, "a benchmark transfer was rejected")
                        _ = directory
                    }
                }
            }),
            // Opening a ledger whose log holds 1,000,000 2-in/2-out transfers (about 1.7 GB, from
            // the page cache after the first pass): frame checks, receipt decoding, the rules,
            // state and chain hash, without re-verifying proofs. The log is a real transfer
            // rewritten into a chain (see Ledger.appendSyntheticChainForBenchmark).
            BenchFigure("ledger_recover_per_transfer", unit: "2-in/2-out transfer (log of 1,000,000)",
                        opsPerCall: 1_000_000) {
                let setup = LedgerBenchSetup()
                let directory = BenchDirectory()
                let template = setup.chainTemplate()
                do {
                    let storage = try POSIXStorage(directory: directory.path)
                    try Ledger.initialize(storage: storage, issuer: setup.issuer.address, minimumFee: 0)
                    let ledger = try Ledger(storage: storage)
                    _ = try ledger.submit(mints: [setup.mints[0]], time: 1)
                    try ledger.appendSyntheticChainForBenchmark(template: template, count: 1_000_000, time: 2)
                } catch { fatalError("ledger_recover_per_transfer setup: \(error)") }
                return { n in
                    for _ in 0..<n {
                        do {
                            let ledger = try Ledger(storage: POSIXStorage(directory: directory.path, create: false))
                            precondition(ledger.state.sequence == 1_000_001, "recovered \(ledger.state.sequence)")
                        } catch { fatalError("ledger_recover_per_transfer: \(error)") }
                    }
                    _ = directory
                }
            },
        ]
    }
}

/// Wallets, mints and transfers for the ledger benchmarks (built with the CSPRNG).
final class LedgerBenchSetup {
    let issuer: WalletKeys
    let alice: WalletKeys
    let bob: WalletKeys
    /// 32 mints of 16 notes of 1000 to alice.
    let mints: [Mint]

    init() {
        do {
            let issuer = try WalletKeys(seed: SecretBytes(randomCount: 32))
            let alice = try WalletKeys(seed: SecretBytes(randomCount: 32))
            self.issuer = issuer
            self.alice = alice
            bob = try WalletKeys(seed: SecretBytes(randomCount: 32))
            let pay = (0..<16).map { _ in Payment(to: alice.address, amount: 1000) }
            mints = try (0..<32).map { try Mint.create(serial: UInt64($0), payments: pay, issuer: issuer.spend) }
        } catch { fatalError("ledger benchmark setup: \(error)") }
    }

    func aliceNotes() -> [OwnedNote] {
        mints.flatMap(\.createdNotes).map { note in
            do { return OwnedNote(note: note, contents: try alice.open(note.output)) } catch {
                fatalError("ledger benchmark setup: \(error)")
            }
        }
    }

    /// 256 transfers, each spending two of alice's notes (pay 1500, change 499, fee 1), verified.
    func verifiedBatch() -> [Verification] {
        let notes = aliceNotes()
        let transfers = (0..<256).map { i in
            do {
                return try TransferBuilder.build(from: alice, spending: [notes[2 * i], notes[2 * i + 1]],
                                                 payments: [Payment(to: bob.address, amount: 1500)], fee: 1).transfer
            } catch { fatalError("ledger benchmark setup: \(error)") }
        }
        var state = LedgerState(issuer: issuer.spend.publicKey, minimumFee: 1, initialChainHash: [])
        let key = ReceiptKey()
        for m in mints {
            do { _ = state.apply(try state.verifyVartime(m), time: 0, key: key) } catch {
                fatalError("ledger benchmark setup: \(error)")
            }
        }
        let verified = state.verifyVartime(transfers)
        for v in verified {
            guard case .verified = v else { fatalError("ledger benchmark setup: a transfer did not verify") }
        }
        return verified
    }

    /// A ledger in a new temporary directory holding the mints.
    func freshLedger() -> (BenchDirectory, Ledger) {
        let directory = BenchDirectory()
        do {
            let storage = try POSIXStorage(directory: directory.path)
            try Ledger.initialize(storage: storage, issuer: issuer.address, minimumFee: 1)
            let ledger = try Ledger(storage: storage)
            ledger.snapshotInterval = .max
            _ = try ledger.submit(mints: mints, time: 0)
            return (directory, ledger)
        } catch { fatalError("ledger benchmark setup: \(error)") }
    }

    /// A real 2-in/2-out transfer spending the first mint's first two notes.
    func chainTemplate() -> Transfer {
        let notes = aliceNotes()
        do {
            return try TransferBuilder.build(from: alice, spending: [notes[0], notes[1]],
                                             payments: [Payment(to: bob.address, amount: 1500)], fee: 0).transfer
        } catch { fatalError("ledger benchmark setup: \(error)") }
    }
}
