public import Ledger
public import ZKPayCore
package import ZKPayTools

/// The wallets of a seeded simulation and what the model says they hold: every unspent
/// note (from the receipts the simulation accepted), the notes they spent, and how a
/// random transfer between them is chosen and built. The ledger's and the sequencer's
/// simulations share it.
public struct SimulatedWallets {
    /// A note the model holds, opened by its owner.
    public struct ModelNote {
        public let id: NoteID
        public let owned: OwnedNote
    }

    public let keys: [WalletKeys]
    private let index: [[UInt8]: Int]
    /// Each wallet's unspent notes, in the order they were credited.
    public private(set) var unspent: [[ModelNote]]
    /// Notes spent by settled transfers, with their owner.
    public private(set) var spent: [(user: Int, owned: OwnedNote)] = []

    public init(keys: [WalletKeys]) {
        self.keys = keys
        var index: [[UInt8]: Int] = [:]
        for (i, k) in keys.enumerated() { index[k.spend.publicKey.encoding] = i }
        self.index = index
        unspent = Array(repeating: [], count: keys.count)
    }

    /// Unspent notes over every wallet.
    public var unspentCount: Int { unspent.reduce(0) { $0 + $1.count } }

    /// The wallet holding `note` unspent.
    public func owner(of note: NoteID) -> Int? { unspent.firstIndex { $0.contains { $0.id == note } } }

    /// Whether some wallet holds a note worth more than `fee` outside `reserved`.
    public func anyFunded(fee: UInt64, reserved: Set<[UInt8]> = []) -> Bool {
        unspent.contains { $0.contains { $0.owned.amount > fee && !reserved.contains($0.id.bytes) } }
    }

    /// Wallet `user`'s unspent notes among `ids`.
    public func notes(of user: Int, among ids: [NoteID]) -> [OwnedNote] {
        unspent[user].filter { ids.contains($0.id) }.map(\.owned)
    }

    /// A random wallet with notes outside `reserved` worth more than `fee`, and one or two of
    /// those notes (one worth more than the fee if the two together are not).
    public func choose(fee: UInt64, reserved: Set<[UInt8]>, rng: inout SimulationRNG) -> (user: Int, notes: [OwnedNote])? {
        let funded = keys.indices.filter { u in unspent[u].contains { $0.owned.amount > fee && !reserved.contains($0.id.bytes) } }
        guard !funded.isEmpty else { return nil }
        let user = funded[rng.below(funded.count)]
        var candidates = unspent[user].filter { !reserved.contains($0.id.bytes) }
        var chosen: [ModelNote] = []
        for _ in 0..<(1 + rng.below(2)) where !candidates.isEmpty {
            chosen.append(candidates.remove(at: rng.below(candidates.count)))
        }
        if chosen.reduce(0, { $0 + $1.owned.amount }) <= fee {
            guard let rich = candidates.first(where: { $0.owned.amount > fee }) else { return nil }
            chosen = [rich]
        }
        return (user, chosen.map(\.owned))
    }

    /// A transfer from wallet `user` spending `spending` to another random wallet (a random
    /// amount, the change back), or nil if the notes are not worth more than `fee`.
    package func transfer(chain: ChainID, from user: Int, spending: [OwnedNote], fee: UInt64, rng: inout SimulationRNG,
                         signer: inout FixtureSigner<SimulationRNG>) throws -> Transfer? {
        let total = spending.reduce(0) { $0 + $1.amount }
        guard total > fee else { return nil }
        var recipient = rng.below(keys.count - 1)
        if recipient >= user { recipient += 1 }
        let amount = 1 + UInt64(rng.below(Int(min(total - fee, 1 << 30))))
        return try TransferBuilder.build(chain: chain, from: keys[user], spending: spending,
                                         payments: [Payment(to: keys[recipient].address, amount: amount)],
                                         fee: fee, rng: &rng, signer: &signer).transfer
    }

    /// Books a settled transfer's input: false if the model does not hold it unspent (a
    /// note spent twice, or one that never settled).
    public mutating func spend(_ note: NoteID) -> Bool {
        guard let user = owner(of: note), let at = unspent[user].firstIndex(where: { $0.id == note }) else { return false }
        spent.append((user, unspent[user].remove(at: at).owned))
        return true
    }

    /// Credits settled notes to the wallets that own them.
    /// - Throws: a message if a note's owner is not one of the wallets or it does not open.
    public mutating func credit(_ created: [Note]) throws(SimulationModelError) {
        for note in created {
            guard let user = index[note.output.owner.encoding] else { throw SimulationModelError("a note for an unknown owner") }
            let contents: MemoContents
            do { contents = try keys[user].open(note.output) } catch {
                throw SimulationModelError("a settled note does not open: \(error)")
            }
            unspent[user].append(ModelNote(id: note.id, owned: OwnedNote(note: note, contents: contents)))
        }
    }
}

/// A broken expectation of a simulation's model, turned into a `SimulationFailure` by the run.
public struct SimulationModelError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A storage fault a simulation arms before a batch.
public enum StorageFault {
    /// A crash at a random byte of the next 4,000 written.
    case crashAtByte
    /// A full disk with up to 3,000 bytes free.
    case diskFull
    /// The next fsyncs fail (1 to `upTo` of them).
    case failingSyncs(upTo: Int)
    /// A crash at the next fsync.
    case crashAtNextSync
}

extension SimulatedStorage {
    /// Arms `fault` for the writes to come (its size drawn from `rng`); returns what was
    /// armed, for the trace.
    public func arm(_ fault: StorageFault, _ rng: inout SimulationRNG) -> String {
        switch fault {
        case .crashAtByte:
            let offset = rng.below(4000)
            crashAfterBytes = bytesWritten + offset
            return "arm crash after \(offset) bytes"
        case .diskFull:
            let free = rng.below(3000)
            capacity = usedBytes + free
            return "disk full with \(free) bytes free"
        case let .failingSyncs(upTo):
            let count = upTo > 1 ? 1 + rng.below(upTo) : 1
            failingSyncs = count
            return "fail \(count) fsync"
        case .crashAtNextSync:
            crashAtNextSync = true
            return "crash at next fsync"
        }
    }

    /// Power is lost: keeps none, all or a random part of the unsynced bytes (chosen by
    /// `rng`) and restarts. Returns what was kept of how many.
    public func losePower(_ rng: inout SimulationRNG) -> (kept: Int, unsynced: Int) {
        let unsynced = unsyncedBytes
        let keep: Int = switch rng.below(3) {
        case 0: 0
        case 1: unsynced
        default: rng.below(unsynced + 1)
        }
        restart(keepingUnsyncedBytes: keep)
        return (keep, unsynced)
    }
}

extension Ledger {
    /// A fresh audit of every record of the log from genesis, proofs re-verified; the
    /// report must end at the state's sequence and chain hash.
    public func auditFromGenesis() throws(SimulationModelError) -> LogAuditReport {
        var auditor = LogAuditor(genesis: genesis, backend: backend)
        let last = state.sequence
        if last > 0 {
            for s in 1...last {
                do {
                    guard let record = try self.record(at: s) else { throw SimulationModelError("record \(s) is missing") }
                    try auditor.add(record)
                } catch let e as SimulationModelError { throw e } catch { throw SimulationModelError("full audit at \(s): \(error)") }
            }
        }
        let report: LogAuditReport
        do { report = try auditor.finish() } catch { throw SimulationModelError("full audit: \(error)") }
        guard report.records == last && report.chainHash == state.chainHash else {
            throw SimulationModelError("the full audit ends at \(report.records), not at the state's sequence \(last)")
        }
        return report
    }
}
