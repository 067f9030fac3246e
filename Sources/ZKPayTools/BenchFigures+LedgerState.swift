import ZKPayCLI
import Foundation
import Ledger
import Sodium
import ZKPayCore

/// Ledger state-machine figures: settling already-verified transfers durably, and recovery.
extension BenchCommand {
    static func ledgerStateFigures(_ runtime: RuntimeOptions) -> [BenchFigure] {
        [
            // 512 real 2-in/2-out transfers, verified once in setup. Each timed call settles
            // the last 256 as one batch on a fresh ledger in a temporary directory on the real
            // file system (rules, state update, chain hash, one receipt batch (Merkle tree + one
            // Ed25519 signature), record encoding, one write and one sync for the batch), after
            // the first 256 were settled on it outside the timing, as a running validator's
            // ledger has settled batches before: the timed batch does not pay the first use
            // of the ledger's and the storage's buffers (page faults of fresh memory). Genesis,
            // the 64 mints and the first batch are made before the call.
            BenchFigure("ledger_apply_per_transfer", unit: "2-in/2-out transfer (batch 256, 1 fsync)",
                        opsPerCall: 256, prepareEach: {
                let setup = LedgerBenchSetup(mintCount: 64, runtime: runtime)
                let both = setup.verifiedBatch(transfers: 512)
                let warmUp = Array(both[..<256])
                let batch = Array(both[256...])
                return {
                    let (directory, storage, ledger) = setup.freshLedger()
                    // A running validator's log is zero-filled ahead of its commits (see
                    // ZeroFiller); here the filler started moments ago with the mints. Waiting
                    // for it before the warm-up batch, not after, leaves the timed batch
                    // following a busy one, as in a loaded validator (not an idle wait).
                    storage.waitForZeroFill()
                    do {
                        let outcomes = try ledger.submit(verified: warmUp, time: 1)
                        precondition(outcomes.allSatisfy { if case .settled = $0 { true } else { false } },
                                     "a warm-up transfer was not settled")
                    } catch { fatalError("ledger_apply_per_transfer warm-up: \(error)") }
                    return {
                        let outcomes: [Outcome]
                        do { outcomes = try ledger.submit(verified: batch, time: 1) } catch {
                            fatalError("ledger_apply_per_transfer: \(error)")
                        }
                        precondition(outcomes.allSatisfy { if case .settled = $0 { true } else { false } },
                                     "a benchmark transfer was not settled")
                        _ = directory
                    }
                }
            }),
            // Opening a ledger whose log holds 1,000,000 2-in/2-out transfers (about 1.7 GB, from
            // the page cache after the first pass): frame checks, receipt decoding, the rules,
            // state and chain hash, without re-verifying proofs. The log is a real transfer
            // rewritten into a chain (see Ledger.appendSyntheticChain in BenchLedgerSynthetic.swift).
            BenchFigure("ledger_recover_per_transfer", unit: "2-in/2-out transfer (log of 1,000,000)",
                        opsPerCall: 1_000_000) {
                let setup = LedgerBenchSetup(runtime: runtime)
                let directory = BenchDirectory()
                let template = setup.chainTemplate()
                do {
                    let storage = try runtime.openStorage(directory.path, create: true)
                    // The setup's genesis (minimum fee 0): its mints and the template are built for its chain id.
                    try Ledger.initialize(storage: storage, genesis: setup.genesis, receiptKeySeed: setup.keySeed)
                    let ledger = try Ledger(storage: storage, options: runtime.logOptions, backend: runtime.backend)
                    _ = try ledger.submit(mints: [setup.mints[0]], time: 1)
                    try ledger.appendSyntheticChain(template: template, count: 1_000_000, time: 2)
                } catch { fatalError("ledger_recover_per_transfer setup: \(error)") }
                return { n in
                    for _ in 0..<n {
                        do {
                            let ledger = try Ledger(storage: runtime.openStorage(directory.path, create: false),
                                                    options: runtime.logOptions, backend: runtime.backend)
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
    /// `mintCount` mints of 16 notes of 1000 to alice.
    let mints: [Mint]
    /// The benchmark ledger's genesis (one validator) and that validator's key seed.
    let genesis: Genesis
    let keySeed: SecretBytes
    /// The backend and storage options of the benchmark run.
    let runtime: RuntimeOptions

    init(mintCount: Int = 32, runtime: RuntimeOptions) {
        self.runtime = runtime
        do {
            let issuer = try WalletKeys(seed: SecretBytes(randomCount: 32))
            let alice = try WalletKeys(seed: SecretBytes(randomCount: 32))
            self.issuer = issuer
            self.alice = alice
            bob = try WalletKeys(seed: SecretBytes(randomCount: 32))
            keySeed = SecretBytes(randomCount: 32)
            // Minimum fee 0: the synthetic chain's transfers pay none.
            let genesis = try Genesis(issuer: issuer.address, minimumFee: 0, validators: [
                GenesisValidator(name: "v1", publicKey: try ReceiptKey(seed: keySeed).publicKey),
            ])
            self.genesis = genesis
            let pay = (0..<16).map { _ in Payment(to: alice.address, amount: 1000) }
            mints = try (0..<mintCount).map {
                try Mint.create(chain: genesis.chainID, serial: UInt64($0), payments: pay, issuer: issuer.spend)
            }
        } catch { fatalError("ledger benchmark setup: \(error)") }
    }

    func aliceNotes() -> [OwnedNote] {
        mints.flatMap(\.createdNotes).map { note in
            do { return OwnedNote(note: note, contents: try alice.open(note.output)) } catch {
                fatalError("ledger benchmark setup: \(error)")
            }
        }
    }

    /// `transfers` transfers (at most half the notes), each spending two of alice's notes
    /// (pay 1500, change 499, fee 1), verified.
    func verifiedBatch(transfers count: Int = 256) -> [Verification] {
        let notes = aliceNotes()
        precondition(2 * count <= notes.count, "two notes per transfer")
        let transfers = (0..<count).map { i in
            do {
                return try TransferBuilder.build(chain: genesis.chainID, from: alice, spending: [notes[2 * i], notes[2 * i + 1]],
                                                 payments: [Payment(to: bob.address, amount: 1500)], fee: 1,
                                                 backend: runtime.backend).transfer
            } catch { fatalError("ledger benchmark setup: \(error)") }
        }
        var state = LedgerState(genesis: genesis, backend: runtime.backend)
        let signer: ReceiptSigner
        do { signer = ReceiptSigner(key: try ReceiptKey(seed: keySeed), chain: genesis.chainID) } catch {
            fatalError("ledger benchmark setup: \(error)")
        }
        let applied = state.apply(OrderedBatch(time: 0, mints: mints))
        var receipts = SettledReceipts()
        for outcome in receipts.seal(applied, signatures: applied.signatures(signer: signer)) {
            guard case .settled = outcome else { fatalError("ledger benchmark setup: a mint was not settled: \(outcome)") }
        }
        let verified = state.verifyVartime(transfers)
        for v in verified {
            guard case .verified = v else { fatalError("ledger benchmark setup: a transfer did not verify") }
        }
        return verified
    }

    /// A ledger in a new temporary directory holding the mints, and its storage.
    func freshLedger() -> (BenchDirectory, POSIXStorage, Ledger) {
        let directory = BenchDirectory()
        do {
            let storage = try runtime.openStorage(directory.path, create: true)
            try Ledger.initialize(storage: storage, genesis: genesis, receiptKeySeed: keySeed)
            let ledger = try Ledger(storage: storage, options: runtime.logOptions, backend: runtime.backend)
            ledger.snapshotInterval = .max
            _ = try ledger.submit(mints: mints, time: 0)
            return (directory, storage, ledger)
        } catch { fatalError("ledger benchmark setup: \(error)") }
    }

    /// A real 2-in/2-out transfer spending the first mint's first two notes.
    func chainTemplate() -> Transfer {
        let notes = aliceNotes()
        do {
            return try TransferBuilder.build(chain: genesis.chainID, from: alice, spending: [notes[0], notes[1]],
                                             payments: [Payment(to: bob.address, amount: 1500)], fee: 0,
                                             backend: runtime.backend).transfer
        } catch { fatalError("ledger benchmark setup: \(error)") }
    }
}
