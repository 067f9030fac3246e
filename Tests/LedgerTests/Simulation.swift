@testable import Ledger
import Ristretto255
import Sodium
import SimulationSupport
import ZKPayCore
import ZKPayTools

/// A deterministic simulation of a durable `Ledger` on `SimulatedStorage`, driven by one seed.
///
/// Each step draws an action: a batch of valid transfers (with, at random, a double spend
/// inside the batch or of a settled note, a replay of a settled transfer, a transfer with one
/// byte flipped, a fee below the minimum), mints from the issuer and from a rogue key, a
/// snapshot, a crash armed at a random byte of the writes to come, a full disk, failing
/// fsyncs, a crash at the next fsync, or a power loss and restart (keeping none, all, or a
/// random part of the unsynced bytes). Any crash is followed by a restart and a reopen.
///
/// The model: the acknowledged receipts by sequence (with their records' bytes), every
/// wallet's expected unspent notes, the supply, and the objects of batches whose outcome is unknown (a crash, `logUnusable`) since
/// the last durable append (the only ones a recovery may add). Checked after every step: the
/// sequence, chain hash, state digest and last record agree with the last acknowledged receipt, the unspent
/// notes and supply agree with the model, the supply audit holds; a batch that failed
/// cleanly (full disk, failed fsync whose cut-back succeeded) never reappears. After every
/// restart also:
/// every acknowledged record is byte for byte where it was, every acknowledged id is
/// settled at its sequence with its receipt, anything past the last acknowledgement is a
/// subsequence of one failed batch, the full audit holds (`LogAuditor`, fed incrementally:
/// the records it checked before are compared byte for byte), and opening without the
/// snapshot (a full replay) gives the same state. At the end a fresh `LogAuditor` checks the
/// whole log from genesis.
final class LedgerSimulation {
    static let minimumFee: UInt64 = 2
    static let keySeed = [UInt8](repeating: 0x51, count: 32)

    private enum Object {
        case transfer(Transfer)
        case mint(Mint)
    }

    /// What an item of a batch must come to.
    private enum Expect {
        case settle
        case reject(code: String?)
        case finalized(Receipt)
    }


    let seed: UInt64
    let steps: Int
    let storage = SimulatedStorage()
    private var rng: SimulationRNG
    private var signer: FixtureSigner<SimulationRNG>
    private let options: LogOptions
    private var ledger: Ledger
    private let issuer: WalletKeys
    private var wallets: SimulatedWallets

    // The model.
    private var acknowledged: [Receipt] = []
    private var acknowledgedPayloads: [[UInt8]] = []
    private var acknowledgedIDs: [[UInt8]: UInt64] = [:]
    private var supply: UInt64 = 0
    private var objects: [[UInt8]: Object] = [:]
    private var mustNotSettle = Set<[UInt8]>()
    private var settledTransfers: [Transfer] = []
    private var settledMints: [Mint] = []
    private var inDoubt: [[[UInt8]]] = []
    private var auditor: LogAuditor
    private var audited: UInt64 = 0

    private var nextSerial: UInt64 = 1
    private var time: UInt64 = 1
    private var step = 0
    private var action = "initialize"
    private var trace: [String] = []
    private var restarts = 0
    private var faults = 0

    init(seed: UInt64, steps: Int) throws {
        self.seed = seed
        self.steps = steps
        rng = SimulationRNG(seed: seed)
        signer = FixtureSigner(rng: SimulationRNG(seed: seed ^ 0x5157_5157_5157_5157))
        issuer = Pool.wallet(101)
        wallets = SimulatedWallets(keys: (0..<4).map { Pool.wallet(110 + UInt8($0)) })
        options = LogOptions(rotateAfterBytes: [1024, 4096, 1 << 20][rng.below(3)])
        try Ledger.initialize(storage: storage, issuer: issuer.address, minimumFee: Self.minimumFee,
                              receiptKeySeed: SecretBytes(copying: Self.keySeed))
        ledger = try Ledger(storage: storage, options: options)
        auditor = LogAuditor(genesis: ledger.genesis, backend: ledger.backend)
        ledger.snapshotInterval = UInt64(4 + rng.below(40))
    }

    private func fail(_ message: String) -> SimulationFailure {
        SimulationFailure(seed: seed, steps: steps, step: step, action: action, message: message,
                          recent: Array(trace.suffix(12)))
    }

    private func check(_ condition: Bool, _ message: @autoclosure () -> String) throws(SimulationFailure) {
        if !condition { throw fail(message()) }
    }

    /// Runs every step; throws the first broken invariant.
    func run() throws(SimulationFailure) -> SimulationResult {
        trace.append("0 log files of \(options.rotateAfterBytes) bytes, snapshot every \(ledger.snapshotInterval) records")
        try checkStep()
        for s in 1...steps {
            step = s
            try runStep()
            if storage.isCrashed { try restart() }
            try checkStep()
            if s % 25 == 0 { try checkAcknowledged() }
            trace.append("\(s) \(action) seq=\(ledger.state.sequence) chain=\(hex(ledger.state.chainHash.prefix(8)))")
        }
        step = steps + 1
        action = "final restart"
        try restart()
        action = "final audit"
        try fullAuditFromGenesis()
        return SimulationResult(trace: trace, chainHash: ledger.state.chainHash, sequence: ledger.state.sequence,
                                restarts: restarts, faults: faults)
    }

    // MARK: - Actions

    private func runStep() throws(SimulationFailure) {
        time += 1
        let funded = wallets.anyFunded(fee: Self.minimumFee)
        let roll = rng.below(100)
        switch roll {
        case _ where !funded || roll < 8: try mints(rogue: false)
        case 8..<12: try mints(rogue: true)
        case 12..<62: try transfers()
        case 62..<68: try snapshot()
        case 68..<94:
            faults += 1
            let fault: StorageFault = switch roll {
            case ..<77: .crashAtByte
            case ..<83: .diskFull
            case ..<89: .failingSyncs(upTo: 2)
            default: .crashAtNextSync
            }
            action = storage.arm(fault, &rng)
            try transfers(prefix: action + "; ")
        default:
            action = "power loss"
            try restart()
        }
    }

    /// A batch of transfers: 1 to 3 valid ones, and at random a double spend in the batch, a
    /// double spend of a settled note, a replay, a tampered transfer and a fee below the minimum.
    private func transfers(prefix: String = "") throws(SimulationFailure) {
        var reserved = Set<[UInt8]>()
        var items: [(Transfer, Expect)] = []
        var labels: [String] = []
        for _ in 0..<(1 + rng.below(3)) {
            guard let t = try build(reserved: &reserved) else { break }
            items.append((t, .settle))
            labels.append("valid")
            if rng.chance(15), let twin = try build(reserved: &reserved, spending: t.inputs) {
                mustNotSettle.insert(twin.id.bytes)
                items.append((twin, .reject(code: "double_spend")))
                labels.append("double-spend")
            }
        }
        if rng.chance(15), !wallets.spent.isEmpty {
            let (user, owned) = wallets.spent[rng.below(wallets.spent.count)]
            if let t = try build(user: user, spending: [owned]) {
                mustNotSettle.insert(t.id.bytes)
                items.insert((t, .reject(code: "double_spend")), at: rng.below(items.count + 1))
                labels.append("spent-note")
            }
        }
        if rng.chance(15), !settledTransfers.isEmpty {
            let t = settledTransfers[rng.below(settledTransfers.count)]
            guard let seq = acknowledgedIDs[t.id.bytes] else { throw fail("a settled transfer has no sequence") }
            items.insert((t, .finalized(acknowledged[Int(seq) - 1])), at: rng.below(items.count + 1))
            labels.append("replay")
        }
        if rng.chance(15), let t = try build(reserved: &reserved) {
            var bytes = t.bytes
            let at = rng.below(bytes.count)
            bytes[at] ^= UInt8(1 + rng.below(255))
            if let tampered = try? Transfer(bytes: bytes) {
                objects[tampered.id.bytes] = .transfer(tampered)
                mustNotSettle.insert(tampered.id.bytes)
                items.insert((tampered, .reject(code: nil)), at: rng.below(items.count + 1))
                labels.append("tampered@\(at)")
            } else {
                labels.append("tampered@\(at)-undecodable")
            }
        }
        if rng.chance(10), let t = try build(reserved: &reserved, fee: 1) {
            mustNotSettle.insert(t.id.bytes)
            items.insert((t, .reject(code: "fee_too_low")), at: rng.below(items.count + 1))
            labels.append("low-fee")
        }
        action = prefix + "transfers [" + labels.joined(separator: " ") + "]"
        guard !items.isEmpty else { return }
        try submit(items.map { (Object.transfer($0.0), $0.1) })
    }

    /// One or two mints from the issuer, or a rogue one (another key, or the issuer's mint made
    /// for another ledger's chain); at random with a replay of a settled mint.
    private func mints(rogue: Bool) throws(SimulationFailure) {
        var items: [(Object, Expect)] = []
        var labels: [String] = []
        for _ in 0..<(rogue ? 1 : 1 + rng.below(2)) {
            let payments = (0..<(1 + rng.below(3))).map { _ in
                Payment(to: wallets.keys[rng.below(wallets.keys.count)].address, amount: UInt64(50 + rng.below(950)))
            }
            let otherChain = rogue && rng.chance(50)
            let key = rogue && !otherChain ? wallets.keys[rng.below(wallets.keys.count)].spend : issuer.spend
            let chain = otherChain ? ChainID(uncheckedBytes: rng.bytes(32)) : ledger.genesis.chainID
            let mint: Mint
            do { mint = try Mint.create(chain: chain, serial: nextSerial, payments: payments, issuer: key, rng: &rng, signer: &signer) }
            catch { throw fail("a mint does not build: \(error)") }
            nextSerial += 1
            objects[mint.id.bytes] = .mint(mint)
            if rogue { mustNotSettle.insert(mint.id.bytes) }
            items.append((.mint(mint), rogue ? .reject(code: otherChain ? "wrong_chain" : nil) : .settle))
            labels.append(otherChain ? "other-chain" : rogue ? "rogue" : "mint")
        }
        if rng.chance(20), !settledMints.isEmpty {
            let m = settledMints[rng.below(settledMints.count)]
            guard let seq = acknowledgedIDs[m.id.bytes] else { throw fail("a settled mint has no sequence") }
            items.append((.mint(m), .finalized(acknowledged[Int(seq) - 1])))
            labels.append("replay")
        }
        action = "mints [" + labels.joined(separator: " ") + "]"
        try submit(items)
    }

    private func snapshot() throws(SimulationFailure) {
        action = "snapshot"
        do { try ledger.snapshot() } catch {
            action += " failed: \(error)"
            storage.capacity = nil
        }
    }

    /// A transfer from a random funded user to another, spending `spending` (when given) or
    /// one or two unreserved notes.
    private func build(reserved: inout Set<[UInt8]>, spending: [NoteID]? = nil, fee: UInt64? = nil)
        throws(SimulationFailure) -> Transfer?
    {
        if let spending {
            guard let user = wallets.owner(of: spending[0]) else { return nil }
            return try build(user: user, spending: wallets.notes(of: user, among: spending), fee: fee)
        }
        let fee = fee ?? Self.minimumFee + UInt64(rng.below(4))
        guard let (user, chosen) = wallets.choose(fee: fee, reserved: reserved, rng: &rng),
              let t = try build(user: user, spending: chosen, fee: fee) else { return nil }
        for id in t.inputs { reserved.insert(id.bytes) }
        return t
    }

    private func build(user: Int, spending: [OwnedNote], fee: UInt64? = nil) throws(SimulationFailure) -> Transfer? {
        let fee = fee ?? Self.minimumFee + UInt64(rng.below(4))
        let built: Transfer?
        do {
            built = try wallets.transfer(chain: ledger.genesis.chainID, from: user, spending: spending, fee: fee, rng: &rng,
                                         signer: &signer)
        } catch { throw fail("a transfer does not build: \(error)") }
        if let built { objects[built.id.bytes] = .transfer(built) }
        return built
    }

    // MARK: - Submission and the model

    private func submit(_ items: [(Object, Expect)]) throws(SimulationFailure) {
        let sequence = ledger.state.sequence
        let chain = ledger.state.chainHash
        let outcomes: [Outcome]
        do throws(LedgerError) {
            if case .mint = items[0].0 {
                outcomes = try ledger.submit(mints: items.map { if case let .mint(m) = $0.0 { m } else { preconditionFailure() } },
                                             time: time)
            } else {
                outcomes = try ledger.submit(items.map { if case let .transfer(t) = $0.0 { t } else { preconditionFailure() } },
                                             time: time)
            }
        } catch {
            action += " -> \(error)"
            try check(ledger.state.sequence == sequence && ledger.state.chainHash == chain,
                      "a failed batch changed the state (\(error))")
            // A crash or a log that could not cut the batch back leaves its outcome to recovery;
            // any other failure promises that nothing of the batch settles, even after a restart.
            let unknown = storage.isCrashed || !ledger.log.isWritable
            if unknown { inDoubt.append(items.compactMap { if case .settle = $0.1 { id(of: $0.0) } else { nil } }) }
            if unknown {
                try restart()
            } else {
                storage.capacity = nil
                storage.failingSyncs = 0
            }
            return
        }
        try check(outcomes.count == items.count, "\(outcomes.count) outcomes for \(items.count) items")
        var next = sequence + 1
        var settled = 0
        for ((object, expect), outcome) in zip(items, outcomes) {
            switch (expect, outcome) {
            case let (.settle, .settled(r)):
                try check(r.sequence == next, "receipt sequence \(r.sequence), expected \(next)")
                try check(r.id == id(of: object), "receipt id differs from the object's")
                next += 1
                settled += 1
                try adopt(r)
            case let (.reject(code), .rejected(e)):
                if let code { try check(e.code == code, "rejected with \(e.code), expected \(code)") }
            case let (.finalized(expected), .finalized(r)):
                try check(r == expected, "a replay was answered with a receipt other than the acknowledged one")
            default:
                throw fail("outcome \(outcome) where \(expect) was expected")
            }
        }
        try check(ledger.state.sequence == sequence + UInt64(settled), "the state's sequence does not count the settled items")
        if settled > 0 { inDoubt = [] }
        if let e = ledger.lastSnapshotError {
            action += " (snapshot: \(e))"
            if case .diskFull = e { storage.capacity = nil }
        }
    }

    private func id(of object: Object) -> [UInt8] {
        switch object {
        case let .transfer(t): t.id.bytes
        case let .mint(m): m.id.bytes
        }
    }

    /// Books a settled receipt into the model: checks its object was submitted and may
    /// settle, spends its inputs (each must be unspent in the model), credits its outputs.
    private func adopt(_ receipt: Receipt) throws(SimulationFailure) {
        let id = receipt.id
        try check(receipt.sequence == UInt64(acknowledged.count) + 1, "receipt \(receipt.sequence) out of order")
        try check(acknowledgedIDs[id] == nil, "an object settled twice (sequence \(receipt.sequence))")
        try check(!mustNotSettle.contains(id), "an invalid object settled at \(receipt.sequence)")
        guard let object = objects[id] else { throw fail("sequence \(receipt.sequence) settled an unknown object") }
        acknowledged.append(receipt)
        // A record is its receipt followed by the object's canonical bytes (storage may have
        // crashed after the append, in a snapshot: the record is read back after the restart).
        switch object {
        case let .transfer(t): acknowledgedPayloads.append(receipt.bytes + t.bytes)
        case let .mint(m): acknowledgedPayloads.append(receipt.bytes + m.bytes)
        }
        acknowledgedIDs[id] = receipt.sequence
        switch object {
        case let .transfer(t):
            for input in t.inputs {
                try check(wallets.spend(input), "transfer at \(receipt.sequence) spent a note the model does not hold unspent")
            }
            try check(supply >= t.fee, "fees exceed the supply")
            supply -= t.fee
            try credit(t.createdNotes)
            settledTransfers.append(t)
        case let .mint(m):
            supply += m.outputs.reduce(0) { $0 + $1.amount }
            try credit(m.createdNotes)
            settledMints.append(m)
        }
    }

    private func credit(_ created: [Note]) throws(SimulationFailure) {
        do { try wallets.credit(created) } catch { throw fail(error.description) }
    }

    // MARK: - Restart and invariants

    /// A power loss keeping none, all or a random part of the unsynced bytes, and a reopen.
    private func restart() throws(SimulationFailure) {
        let (keep, unsynced) = storage.losePower(&rng)
        restarts += 1
        action += " / restart keeping \(keep) of \(unsynced)"
        do { ledger = try Ledger(storage: storage, options: options) } catch {
            throw fail("recovery failed: \(error)")
        }
        ledger.snapshotInterval = UInt64(4 + rng.below(40))
        let last = UInt64(acknowledged.count)
        let recovered = ledger.state.sequence
        try check(recovered >= last, "recovery lost acknowledged records: \(recovered) < \(last)")
        if recovered > last {
            var extra: [[UInt8]] = []
            for s in (last + 1)...recovered {
                guard let r = ledger.receipts.receipt(at: s) else { throw fail("no receipt at recovered sequence \(s)") }
                extra.append(r.id)
            }
            try check(inDoubt.contains { isSubsequence(extra, of: $0) },
                      "recovery kept \(extra.count) records that are not of one failed batch")
            for s in (last + 1)...recovered {
                guard let r = ledger.receipts.receipt(at: s) else { throw fail("no receipt at \(s)") }
                try adopt(r)
            }
            action += " (kept \(extra.count) unacknowledged)"
        }
        inDoubt = []
        try checkAcknowledged()
        try auditIncrementally()
        try checkFullReplay()
    }

    private func isSubsequence(_ xs: [[UInt8]], of ys: [[UInt8]]) -> Bool {
        var i = 0
        for y in ys where i < xs.count && xs[i] == y { i += 1 }
        return i == xs.count
    }

    /// After every step: the state, the log's end and the model agree.
    private func checkStep() throws(SimulationFailure) {
        let state = ledger.state
        let last = UInt64(acknowledged.count)
        try check(state.sequence == last, "state sequence \(state.sequence), \(last) acknowledged")
        try check(ledger.log.lastSequence == last, "log ends at \(ledger.log.lastSequence), \(last) acknowledged")
        try check(state.chainHash == (acknowledged.last?.chainHash ?? ledger.genesis.chainID.bytes),
                  "the chain hash is not the last acknowledged receipt's")
        if let r = acknowledged.last, r.sequence == r.batchFirst + UInt64(r.batchSize) - 1 {
            try check(state.stateDigest == r.stateDigest, "the state digest is not the one the last acknowledged batch signed")
        }
        do {
            if last > 0 {
                try check(try ledger.record(at: last)?.payload == acknowledgedPayloads[Int(last) - 1],
                          "the last record differs from the acknowledged one")
            }
            try check(try ledger.record(at: last + 1) == nil, "a record past the last acknowledged one")
        } catch let e as SimulationFailure { throw e } catch { throw fail("reading the log: \(error)") }
        try check(state.supply == supply, "supply \(state.supply), the model has \(supply)")
        var total: UInt64 = 0
        for (i, user) in wallets.keys.enumerated() {
            let held = Set(state.unspentNotes(owner: user.spend.publicKey).map(\.id))
            try check(held == Set(wallets.unspent[i].map(\.id)), "user \(i)'s unspent notes differ from the model")
            total += wallets.unspent[i].reduce(0) { $0 + $1.owned.amount }
        }
        try check(total == supply, "the model's notes hold \(total), its supply is \(supply)")
        try check(state.unspentCount(owner: issuer.spend.publicKey) == 0, "the issuer holds notes")
        let audit = ledger.auditVartime()
        try check(audit.ok, "the supply audit fails")
    }

    /// Every acknowledged record is where it was, byte for byte, and every acknowledged id
    /// is settled at its sequence with its receipt.
    private func checkAcknowledged() throws(SimulationFailure) {
        for (i, receipt) in acknowledged.enumerated() {
            let s = UInt64(i + 1)
            let record: LogRecord?
            do { record = try ledger.record(at: s) } catch { throw fail("record \(s): \(error)") }
            try check(record?.payload == acknowledgedPayloads[i], "acknowledged record \(s) changed or is lost")
            try check(ledger.receipt(for: receipt.id) == receipt, "acknowledged receipt \(s) changed or is lost")
            try check(ledger.state.settledSequence(of: receipt.id) == s, "acknowledged id of \(s) moved")
        }
    }

    /// The full audit, fed the records it has not seen; the ones it saw are compared by
    /// `checkAcknowledged` (so together: the audit of the whole log from genesis).
    private func auditIncrementally() throws(SimulationFailure) {
        let last = ledger.state.sequence
        guard last > audited else { return }
        for s in (audited + 1)...last {
            do throws(LogAuditError) { try auditor.add(LogRecord(sequence: s, payload: acknowledgedPayloads[Int(s) - 1])) }
            catch { throw fail("full audit: \(error)") }
        }
        audited = last
        let report: LogAuditReport
        do { report = try auditor.finish() } catch { throw fail("full audit: \(error)") }
        try check(report.records == last && report.chainHash == ledger.state.chainHash,
                  "the full audit ends at \(report.records), not at the state's sequence")
    }

    /// A fresh audit of every record from genesis.
    private func fullAuditFromGenesis() throws(SimulationFailure) {
        do { _ = try ledger.auditFromGenesis() } catch { throw fail(error.description) }
    }

    /// Opening a copy of the directory without the snapshot replays the whole log: it must
    /// reach the same state and receipts as snapshot + replay.
    private func checkFullReplay() throws(SimulationFailure) {
        let copy = SimulatedStorage()
        do {
            for name in try storage.list().sorted()
            where name != LogFormat.snapshotName && name != LogFormat.snapshotTempName {
                copy.setContents(of: name, to: storage.contents(of: name) ?? [])
            }
        } catch { throw fail("listing the directory: \(error)") }
        let full: Ledger
        do { full = try Ledger(storage: copy, options: options) } catch { throw fail("full replay failed: \(error)") }
        try check(full.recovery.snapshotSequence == 0, "the copy still had a snapshot")
        try check(full.snapshotBytes == ledger.snapshotBytes,
                  "snapshot + replay (from \(ledger.recovery.snapshotSequence)) differs from a full replay")
        try check(full.state.stateDigest == ledger.state.stateDigest,
                  "snapshot + replay and a full replay reach different state digests")
    }

    private func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes { out += [digits[Int(b >> 4)], digits[Int(b & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }
}
