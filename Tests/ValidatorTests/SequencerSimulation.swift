import Foundation
import HTTP1
@testable import Ledger
import Ristretto255
import Sodium
import Synchronization
import SimulationSupport
@testable import Validator
import ZKPayCore
import ZKPayTools

/// An event stream's far end in the simulation: the frames a subscriber received, closed
/// like a client that goes away.
final class RecordingSink: EventSink {
    private let state = Mutex<(frames: [ServerSentEvent], open: Bool)>(([], true))

    var isOpen: Bool { state.withLock { $0.open } }
    var frames: [ServerSentEvent] { state.withLock { $0.frames } }

    func send(_ event: ServerSentEvent) throws(EventStreamError) -> Bool {
        state.withLock { s in
            guard s.open else { return false }
            s.frames.append(event)
            return true
        }
    }

    func comment(_ text: String) -> Bool { isOpen }
    func close() { state.withLock { $0.open = false } }
}

/// The simulated monotonic clock the sequencer reads (nanoseconds; the wall clock follows it).
final class SimulatedClock: Sendable {
    private let nanos = Mutex<UInt64>(1_000_000_000)

    var now: UInt64 { nanos.withLock { $0 } }
    func advance(to t: UInt64) { nanos.withLock { $0 = max($0, t) } }
    func advance(by d: UInt64) { nanos.withLock { $0 += d } }

    var sequencerClock: SequencerClock {
        SequencerClock(monotonicNanos: { [self] in now }, wallMilliseconds: { [self] in 1_780_000_000_000 + now / 1_000_000 })
    }
}

/// The answers the sequencer gave, by item number (a reply runs on the thread that steps the
/// loop, during the step).
final class ReplyBook: Sendable {
    private let answers = Mutex<[Int: [ItemResult]]>([:])

    func reply(for item: Int) -> @Sendable (ItemResult) -> Void { { [self] result in answers.withLock { $0[item, default: []].append(result) } } }

    /// Takes the answers given since the last call.
    func take() -> [(item: Int, results: [ItemResult])] {
        answers.withLock { a in
            defer { a.removeAll() }
            return a.keys.sorted().map { ($0, a[$0]!) }
        }
    }
}

/// A deterministic simulation of the validator's sequencer over a durable `Ledger` on
/// `SimulatedStorage`, driven by one seed: the real batching and pipelining loop
/// (`SequencerLoop`), event hub and replay, stepped on this thread with a simulated clock
/// (the HTTP threads are not in it; the scheduler is the seed).
///
/// Each step draws an action: wallets submit transfers (valid ones, and at random a double
/// spend of one of them submitted behind it, a note already spent, a replay of a settled
/// transfer, a transfer with a flipped byte, a fee below the minimum), the issuer or a rogue
/// key mints, an address's event stream connects (replaying history in slices of 1 to 5
/// records queued between batches, like `GET /v1/events`) or goes away, a snapshot is taken
/// between batches, a fault is armed (a crash at a random byte of the writes to come, a full
/// disk, failing fsyncs, a crash at the next fsync), power is lost, or the validator stops
/// gracefully and reopens. Then the loop runs a random number of steps; where it would wait
/// for a batch to fill the clock jumps to the deadline or it waits for more.
///
/// Checked after every step: every answer settles at the next sequence, with the receipt of
/// an object that was submitted and may settle, spending notes the model holds unspent (so no
/// note is spent twice); a valid transfer submitted alone on its notes settles unless the
/// storage failed under it; a replay is answered with the first receipt; each item is answered
/// at most once; the ledger's sequence and the supply audit agree with the model; every
/// event stream has received exactly a prefix of its address's events, in order, across its
/// reconnections (`Last-Event-ID`), with no gap and no duplicate. After every crash or power
/// loss: recovery keeps every acknowledged receipt byte for byte, and whatever it keeps beyond
/// was in doubt (submitted and not acknowledged). At the end the validator stops gracefully:
/// every admitted item is answered, every connected stream holds all of its events, and a
/// fresh full audit of the log from genesis agrees.
final class SequencerSimulation {
    static let minimumFee: UInt64 = 2
    static let keySeed = [UInt8](repeating: 0x53, count: 32)

    private enum Object {
        case transfer(Transfer)
        case mint(Mint)

        var id: [UInt8] {
            switch self {
            case let .transfer(t): t.id.bytes
            case let .mint(m): m.id.bytes
            }
        }
    }

    /// What an item may come to.
    private enum Expect {
        /// Settles unless the storage fails under its batch.
        case settle
        /// Settles, or is refused as a double spend (it conflicts with another item).
        case settleOrDoubleSpend
        /// Refused (with this code, if given).
        case reject(code: String?)
        /// Answered with this receipt (a replay).
        case finalized(Receipt)
    }

    private struct Item {
        let object: Object
        let expect: Expect
        let label: String
    }

    private struct Subscriber {
        let user: Int
        var sink: RecordingSink?
        /// Frames of the closed connections, in order.
        var received: [ServerSentEvent] = []
        var lastID: UInt64 = 0
    }

    let seed: UInt64
    let steps: Int
    private let storage = SimulatedStorage()
    private let clock = SimulatedClock()
    private let book = ReplyBook()
    private let workers = WorkerPool(count: 1, name: "zkpay.sim.worker")
    private var rng: SimulationRNG
    private var signer: FixtureSigner<SimulationRNG>
    private let options: LogOptions
    private let issuer: WalletKeys
    private var wallets: SimulatedWallets
    private var policy: BatchPolicy
    private var hub: EventHub
    private var sequencer: Sequencer
    private var loop: SequencerLoop
    private var ledger: Ledger { loop.ledger }

    // The model.
    private var items: [Item] = []
    /// Items submitted and not answered, and items whose answer was a storage failure:
    /// recovery may still settle them.
    private var inDoubt = Set<Int>()
    private var answered = Set<Int>()
    private var acknowledged: [Receipt] = []
    private var acknowledgedIDs: [[UInt8]: UInt64] = [:]
    private var reserved = Set<[UInt8]>()
    private var settledTransfers: [Transfer] = []
    private var mustNotSettle = Set<[UInt8]>()
    private var objects: [[UInt8]: Int] = [:]
    private var supply: UInt64 = 0
    private var subscribers: [Subscriber] = []
    private var nextSerial: UInt64 = 1

    private var step = 0
    private var action = "initialize"
    private var trace: [String] = []
    private var restarts = 0
    private var faults = 0

    init(seed: UInt64, steps: Int) throws {
        self.seed = seed
        self.steps = steps
        rng = SimulationRNG(seed: seed)
        signer = FixtureSigner(rng: SimulationRNG(seed: seed ^ 0x5e9_5e9_5e9_5e9))
        issuer = Pool.wallet(121)
        wallets = SimulatedWallets(keys: (0..<6).map { Pool.wallet(130 + UInt8($0)) })
        subscribers = wallets.keys.indices.map { Subscriber(user: $0) }
        options = LogOptions(rotateAfterBytes: [2048, 1 << 20][rng.below(2)])
        policy = BatchPolicy(maxTransfers: 1 + rng.below(6), maxWaitNanos: [0, 2_000_000, 5_000_000][rng.below(3)],
                             capacity: 8 + rng.below(24))
        try Ledger.initialize(storage: storage, issuer: issuer.address, minimumFee: Self.minimumFee,
                              receiptKeySeed: SecretBytes(copying: Self.keySeed))
        let ledger = try Ledger(storage: storage, options: options)
        ledger.snapshotInterval = UInt64(4 + rng.below(30))
        hub = EventHub(heartbeatInterval: 3600)
        (sequencer, loop) = Sequencer.manual(ledger: ledger, policy: policy, clock: clock.sequencerClock, workers: workers,
                                             hub: hub, metrics: Metrics())
    }

    deinit {
        hub.stop()
        workers.stop()
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
        trace.append("0 batches of up to \(policy.maxTransfers), wait \(policy.maxWaitNanos) ns, "
            + "queue \(policy.capacity), log files of \(options.rotateAfterBytes) bytes")
        for s in 1...steps {
            step = s
            try runStep()
            try drive(steps: rng.below(7))
            try settleAnswers()
            if storage.isCrashed || !ledger.log.isWritable { try restart() }
            try checkStep()
            trace.append("\(s) \(action) seq=\(ledger.state.sequence) queued=\(sequencer.depth)")
        }
        step = steps + 1
        action = "graceful stop"
        try stopGracefully()
        try checkStreams(complete: true)
        action = "final audit"
        try fullAudit()
        return SimulationResult(trace: trace, chainHash: ledger.state.chainHash, sequence: ledger.state.sequence,
                                restarts: restarts, faults: faults)
    }

    // MARK: - Actions

    private func runStep() throws(SimulationFailure) {
        clock.advance(by: UInt64(rng.below(3_000_000)))
        let funded = wallets.anyFunded(fee: Self.minimumFee, reserved: reserved)
        let roll = rng.below(100)
        switch roll {
        case _ where !funded || roll < 10: try mints(rogue: false)
        case 10..<13: try mints(rogue: true)
        case 13..<55: try transfers()
        case 55..<63:
            let u = rng.below(wallets.keys.count)
            action = "connect events of user \(u)"
            connect(u)
        case 63..<68:
            let u = rng.below(wallets.keys.count)
            action = "disconnect events of user \(u)"
            disconnect(u)
        case 68..<72:
            action = "snapshot between batches"
            sequencer.read { ledger in _ = try? ledger.snapshot() }
        case 72..<91:
            faults += 1
            let fault: StorageFault = switch roll {
            case ..<78: .crashAtByte
            case ..<83: .diskFull
            case ..<88: .failingSyncs(upTo: 1)
            default: .crashAtNextSync
            }
            action = storage.arm(fault, &rng) + "; "
            try transfers(prefix: action)
        case 91..<95:
            action = "power loss"
            try restart()
        default:
            action = "graceful stop and reopen"
            try stopGracefully()
            try reopen(crashed: false)
        }
    }

    /// Runs the loop up to `steps` steps. Where it would wait for a batch to fill, the clock
    /// jumps to the deadline half of the time; otherwise (and where it waits for more) the
    /// drive ends, as if the next arrival came first.
    private func drive(steps: Int) throws(SimulationFailure) {
        var taken = 0
        while taken < steps {
            taken += 1
            switch loop.step() {
            case .proceed:
                continue
            case let .wait(until: deadline?) where rng.chance(50):
                clock.advance(to: deadline)
            case .wait:
                return
            case .exit:
                throw fail("the loop exited without a stop")
            }
        }
    }

    /// 1 to 3 valid transfers, and at random a double spend of one of them, a note already
    /// spent, a replay, a tampered transfer and a fee below the minimum.
    private func transfers(prefix: String = "") throws(SimulationFailure) {
        var batch: [Item] = []
        for _ in 0..<(1 + rng.below(3)) {
            guard let t = try build() else { break }
            batch.append(Item(object: .transfer(t), expect: .settle, label: "valid"))
            if rng.chance(15), let user = wallets.owner(of: t.inputs[0]) {
                if let twin = try build(user: user, spending: wallets.notes(of: user, among: t.inputs)) {
                    batch[batch.count - 1] = Item(object: .transfer(t), expect: .settleOrDoubleSpend, label: "valid")
                    batch.append(Item(object: .transfer(twin), expect: .settleOrDoubleSpend, label: "double-spend"))
                }
            }
        }
        if rng.chance(15), !wallets.spent.isEmpty {
            let (user, owned) = wallets.spent[rng.below(wallets.spent.count)]
            if let t = try build(user: user, spending: [owned]) {
                mustNotSettle.insert(t.id.bytes)
                batch.insert(Item(object: .transfer(t), expect: .reject(code: "double_spend"), label: "spent-note"),
                             at: rng.below(batch.count + 1))
            }
        }
        if rng.chance(15), !settledTransfers.isEmpty {
            let t = settledTransfers[rng.below(settledTransfers.count)]
            if let seq = acknowledgedIDs[t.id.bytes] {
                batch.insert(Item(object: .transfer(t), expect: .finalized(acknowledged[Int(seq) - 1]), label: "replay"),
                             at: rng.below(batch.count + 1))
            }
        }
        if rng.chance(15), let t = try build() {
            release(t)
            var bytes = t.bytes
            let at = rng.below(bytes.count)
            bytes[at] ^= UInt8(1 + rng.below(255))
            if let tampered = try? Transfer(bytes: bytes) {
                mustNotSettle.insert(tampered.id.bytes)
                batch.insert(Item(object: .transfer(tampered), expect: .reject(code: nil), label: "tampered@\(at)"),
                             at: rng.below(batch.count + 1))
            }
        }
        if rng.chance(10), let t = try build(fee: 1) {
            mustNotSettle.insert(t.id.bytes)
            batch.insert(Item(object: .transfer(t), expect: .reject(code: "fee_too_low"), label: "low-fee"),
                         at: rng.below(batch.count + 1))
        }
        action = prefix + "transfers [" + batch.map(\.label).joined(separator: " ") + "]"
        submit(batch)
    }

    /// One or two mints from the issuer, or one from a rogue key.
    private func mints(rogue: Bool) throws(SimulationFailure) {
        var batch: [Item] = []
        for _ in 0..<(rogue ? 1 : 1 + rng.below(2)) {
            let payments = (0..<(1 + rng.below(3))).map { _ in
                Payment(to: wallets.keys[rng.below(wallets.keys.count)].address, amount: UInt64(50 + rng.below(950)))
            }
            let key = rogue ? wallets.keys[rng.below(wallets.keys.count)].spend : issuer.spend
            let mint: Mint
            do {
                mint = try Mint.create(chain: ledger.genesis.chainID, serial: nextSerial, payments: payments, issuer: key,
                                       rng: &rng, signer: &signer)
            } catch { throw fail("a mint does not build: \(error)") }
            nextSerial += 1
            if rogue { mustNotSettle.insert(mint.id.bytes) }
            batch.append(Item(object: .mint(mint), expect: rogue ? .reject(code: nil) : .settle, label: rogue ? "rogue" : "mint"))
        }
        action = "mints [" + batch.map(\.label).joined(separator: " ") + "]"
        submit(batch)
    }

    /// Admits and queues the items, in order, as the HTTP front would (a full queue refuses
    /// the rest).
    private func submit(_ batch: [Item]) {
        for item in batch {
            if let refusal = sequencer.admit(1) {
                action += " (\(refusal.code))"
                release(item.object)
                continue
            }
            let n = items.count
            items.append(item)
            objects[item.object.id] = n
            inDoubt.insert(n)
            switch item.object {
            case let .transfer(t): sequencer.enqueue(.transfer(t, book.reply(for: n)))
            case let .mint(m): sequencer.enqueue(.mint(m, book.reply(for: n)))
            }
        }
    }

    /// A transfer from a random wallet with unreserved notes to another, spending one or two
    /// of them; its inputs are reserved until it is answered.
    private func build(fee: UInt64? = nil) throws(SimulationFailure) -> Transfer? {
        let fee = fee ?? Self.minimumFee + UInt64(rng.below(4))
        guard let (user, chosen) = wallets.choose(fee: fee, reserved: reserved, rng: &rng) else { return nil }
        return try build(user: user, spending: chosen, fee: fee)
    }

    private func build(user: Int, spending: [OwnedNote], fee: UInt64? = nil) throws(SimulationFailure) -> Transfer? {
        let fee = fee ?? Self.minimumFee + UInt64(rng.below(4))
        let built: Transfer?
        do {
            built = try wallets.transfer(chain: ledger.genesis.chainID, from: user, spending: spending, fee: fee, rng: &rng,
                                         signer: &signer)
        } catch { throw fail("a transfer does not build: \(error)") }
        for id in built?.inputs ?? [] { reserved.insert(id.bytes) }
        return built
    }

    private func release(_ t: Transfer) { for id in t.inputs { reserved.remove(id.bytes) } }

    private func release(_ object: Object) { if case let .transfer(t) = object { release(t) } }

    // MARK: - Event streams

    /// Connects user `u`'s stream (if it is not connected), resuming after the last event id
    /// it saw, with a replay in slices queued behind waiting batches.
    private func connect(_ u: Int) {
        guard subscribers[u].sink == nil else { return }
        let sink = RecordingSink()
        subscribers[u].sink = sink
        let after = subscribers[u].lastID
        Self.replay(sequencer: sequencer, hub: hub, owner: wallets.keys[u].spend.publicKey, from: after + 1, resumeAfter: after,
                    slice: UInt64(1 + rng.below(5)), sink: sink)
    }

    /// One slice per sequencer read, as the HTTP route queues them.
    private static func replay(sequencer: Sequencer, hub: EventHub, owner: RistrettoPoint, from: UInt64, resumeAfter: UInt64,
                               slice: UInt64, sink: RecordingSink) {
        sequencer.read { ledger in
            do throws(LedgerError) {
                if let next = try hub.replaySlice(ledger, owner: owner, from: from, resumeAfter: resumeAfter,
                                                  sliceRecords: slice, open: { sink }) {
                    replay(sequencer: sequencer, hub: hub, owner: owner, from: next, resumeAfter: resumeAfter, slice: slice,
                           sink: sink)
                }
            } catch {
                sink.close()
            }
        }
    }

    /// The client of user `u`'s stream goes away; what it received is kept.
    private func disconnect(_ u: Int) {
        guard let sink = subscribers[u].sink else { return }
        sink.close()
        subscribers[u].received += sink.frames
        subscribers[u].lastID = subscribers[u].received.last.flatMap { $0.id.flatMap { UInt64($0) } } ?? subscribers[u].lastID
        subscribers[u].sink = nil
    }

    /// Every stream has received a prefix of its address's events (all of them if `complete`).
    private func checkStreams(complete: Bool) throws(SimulationFailure) {
        let end = ledger.state.sequence
        for s in subscribers {
            let got = s.received + (s.sink?.frames ?? [])
            let expected: [ServerSentEvent]
            do {
                expected = end == 0 ? [] : try ledger.events(for: wallets.keys[s.user].spend.publicKey, records: 1...end).map(EventHub.frame)
            } catch { throw fail("reading user \(s.user)'s events: \(error)") }
            try check(got.count <= expected.count && Array(expected.prefix(got.count)) == got,
                      "user \(s.user)'s stream received \(got.count) events that are not the first of its \(expected.count): "
                          + "ids \(got.compactMap(\.id).suffix(6)) against \(expected.compactMap(\.id).prefix(got.count + 1).suffix(7))")
            if complete, s.sink != nil {
                try check(got.count == expected.count,
                          "user \(s.user)'s stream holds \(got.count) of its \(expected.count) events after the stop")
            }
        }
    }

    // MARK: - Answers and the model

    /// Books every answer given since the last call.
    private func settleAnswers() throws(SimulationFailure) {
        for (n, results) in book.take() {
            try check(results.count == 1 && !answered.contains(n), "item \(n) (\(items[n].label)) was answered more than once")
            answered.insert(n)
            inDoubt.remove(n)
            let item = items[n]
            switch (item.expect, results[0]) {
            case let (_, .failed(f)) where f.code == "storage_full" || f.code == "storage_error":
                // The storage failed under the batch. A batch the log cut back never settles;
                // after a crash, or a log left unusable, recovery decides (`reopen`).
                action += " (\(item.label): \(f.code))"
                if storage.isCrashed || !ledger.log.isWritable {
                    inDoubt.insert(n)
                } else {
                    release(item.object)
                    mustNotSettle.insert(item.object.id)
                }
            case (.settle, .settled(let r, fresh: true)), (.settleOrDoubleSpend, .settled(let r, fresh: true)):
                try adopt(r, item: n)
            case (.settleOrDoubleSpend, .failed(let f)) where f.code == "double_spend":
                release(item.object)
            case let (.reject(code), .failed(f)):
                if let code { try check(f.code == code, "\(item.label) refused with \(f.code), expected \(code)") }
                release(item.object)
            case let (.finalized(expected), .settled(r, fresh: false)):
                try check(r == expected, "a replay was answered with a receipt other than the acknowledged one")
            default:
                throw fail("item \(n) (\(item.label)) came to \(results[0]) where \(item.expect) was expected")
            }
        }
    }

    /// Books a settled receipt: the next sequence, of an object submitted that may settle,
    /// spending notes the model holds unspent; credits its outputs.
    private func adopt(_ receipt: Receipt, item n: Int?) throws(SimulationFailure) {
        let id = receipt.id
        try check(receipt.sequence == UInt64(acknowledged.count) + 1,
                  "receipt at \(receipt.sequence) where \(acknowledged.count + 1) was next")
        try check(acknowledgedIDs[id] == nil, "an object settled twice (sequence \(receipt.sequence))")
        try check(!mustNotSettle.contains(id), "an object that must not settle settled at \(receipt.sequence)")
        guard let index = n ?? objects[id] else { throw fail("sequence \(receipt.sequence) settled an unknown object") }
        try check(items[index].object.id == id, "the receipt names another object than the item answered")
        acknowledged.append(receipt)
        acknowledgedIDs[id] = receipt.sequence
        switch items[index].object {
        case let .transfer(t):
            for input in t.inputs {
                try check(wallets.spend(input), "the transfer at \(receipt.sequence) spent a note the model does not hold unspent")
                reserved.remove(input.bytes)
            }
            try check(supply >= t.fee, "fees exceed the supply")
            supply -= t.fee
            try credit(t.createdNotes)
            settledTransfers.append(t)
        case let .mint(m):
            supply += m.outputs.reduce(0) { $0 + $1.amount }
            try credit(m.createdNotes)
        }
    }

    private func credit(_ created: [Note]) throws(SimulationFailure) {
        do { try wallets.credit(created) } catch { throw fail(error.description) }
    }

    private func checkStep() throws(SimulationFailure) {
        try check(ledger.state.sequence == UInt64(acknowledged.count),
                  "the ledger is at \(ledger.state.sequence), \(acknowledged.count) answers acknowledged")
        if let last = acknowledged.last {
            try check(ledger.state.chainHash == last.chainHash, "the chain hash is not the last receipt's")
        }
        let audit = ledger.state.auditVartime()
        try check(audit.ok && audit.supply == supply, "the audit: ok \(audit.ok), supply \(audit.supply), model \(supply)")
        try check(ledger.state.unspent.count == wallets.unspentCount,
                  "\(ledger.state.unspent.count) unspent notes, the model holds \(wallets.unspentCount)")
        try checkStreams(complete: false)
    }

    // MARK: - Stops and restarts

    /// Stops admitting and runs the loop until it exits: every admitted item is answered.
    private func stopGracefully() throws(SimulationFailure) {
        sequencer.beginStopping()
        var taken = 0
        stepping: while true {
            taken += 1
            try check(taken < 100_000, "the loop does not exit after a stop")
            switch loop.step() {
            case .proceed: continue
            case let .wait(until: deadline?): clock.advance(to: deadline)
            case .wait: throw fail("the loop waits for more after a stop with items admitted")
            case .exit: break stepping
            }
        }
        try settleAnswers()
        try check(sequencer.depth == 0, "\(sequencer.depth) admitted items were not answered at the stop")
        if storage.isCrashed || !ledger.log.isWritable {
            try restart()
        } else {
            let unanswered = inDoubt.filter { !answered.contains($0) }
            try check(unanswered.isEmpty, "items \(unanswered.sorted().prefix(5)) were admitted and never answered")
        }
    }

    /// A power loss keeping none, all or a random part of the unsynced bytes, and a reopen.
    private func restart() throws(SimulationFailure) {
        let (keep, unsynced) = storage.losePower(&rng)
        restarts += 1
        action += " / restart keeping \(keep) of \(unsynced)"
        try reopen(crashed: true)
    }

    /// Opens the ledger again with a new sequencer and hub (the process is new: every stream
    /// ends, the items not answered are lost to their clients), checks the recovery, and books
    /// what it kept beyond the last acknowledgement.
    private func reopen(crashed: Bool) throws(SimulationFailure) {
        for u in subscribers.indices { disconnect(u) }
        hub.stop()
        storage.capacity = nil
        storage.failingSyncs = 0
        storage.crashAfterBytes = nil
        storage.crashAtNextSync = false
        let reopened: Ledger
        do { reopened = try Ledger(storage: storage, options: options) } catch { throw fail("recovery failed: \(error)") }
        reopened.snapshotInterval = UInt64(4 + rng.below(30))
        hub = EventHub(heartbeatInterval: 3600)
        (sequencer, loop) = Sequencer.manual(ledger: reopened, policy: policy, clock: clock.sequencerClock, workers: workers,
                                             hub: hub, metrics: Metrics())
        let last = UInt64(acknowledged.count)
        let recovered = reopened.state.sequence
        try check(recovered >= last, "recovery lost acknowledged records: \(recovered) < \(last)")
        for (i, r) in acknowledged.enumerated() where i % 7 == 0 || i + 8 > acknowledged.count {
            try check(reopened.receipts.receipt(at: r.sequence) == r, "the acknowledged receipt at \(r.sequence) changed")
        }
        if recovered > last {
            for s in (last + 1)...recovered {
                guard let r = reopened.receipts.receipt(at: s) else { throw fail("no receipt at recovered sequence \(s)") }
                guard let n = objects[r.id], inDoubt.contains(n) else {
                    throw fail("recovery kept sequence \(s), which settles nothing in doubt")
                }
                try adopt(r, item: n)
                inDoubt.remove(n)
            }
            action += " (kept \(recovered - last) unacknowledged)"
        }
        // What was in doubt and is not in the log never settles: its notes are free again.
        for n in inDoubt { release(items[n].object) }
        for n in inDoubt { mustNotSettle.insert(items[n].object.id) }
        inDoubt = []
        if !crashed { try check(recovered == last, "a graceful reopen found \(recovered - last) records never answered") }
    }

    /// A fresh audit of every record from genesis, proofs re-verified.
    private func fullAudit() throws(SimulationFailure) {
        do { _ = try ledger.auditFromGenesis() } catch { throw fail(error.description) }
    }
}
