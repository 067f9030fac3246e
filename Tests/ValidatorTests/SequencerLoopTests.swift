import Foundation
import Ledger
import Sodium
import Synchronization
import Testing
import TestSupport
@testable import Validator
import ZKPayCore
import ZKPayTools

/// The sequencer's batching rules, stepped one decision at a time with a simulated clock
/// (`Sequencer.manual`): what a validator does when items arrive alone or under load, and
/// at a stop, without timing anything.
@Suite("Sequencer loop")
struct SequencerLoopTests {
    /// A sequencer over a fresh ledger on simulated storage with the pool's genesis, and its
    /// loop; batches of up to 4, waiting at most 5 ms to fill.
    final class Harness {
        let clock = SimulatedClock()
        let book = ReplyBook()
        let hub = EventHub(heartbeatInterval: 3600)
        let workers = WorkerPool(count: 1, name: "zkpay.test.worker")
        let sequencer: Sequencer
        let loop: SequencerLoop
        private var next = 0

        init(genesis: Genesis = Pool.genesis) throws {
            let storage = SimulatedStorage()
            try Ledger.initialize(storage: storage, genesis: genesis, receiptKeySeed: SecretBytes(copying: Pool.keySeed))
            let ledger = try Ledger(storage: storage, options: LogOptions())
            (sequencer, loop) = Sequencer.manual(ledger: ledger,
                                                 policy: BatchPolicy(maxTransfers: 4, maxWaitNanos: 5_000_000, capacity: 16),
                                                 clock: clock.sequencerClock, workers: workers, hub: hub, metrics: Metrics())
        }

        deinit {
            hub.stop()
            workers.stop()
        }

        /// Admits and queues `work` as the HTTP front does; returns its item number.
        @discardableResult
        func submit(_ mint: Mint) -> Int {
            defer { next += 1 }
            #expect(sequencer.admit(1) == nil)
            sequencer.enqueue(.mint(mint, book.reply(for: next)))
            return next
        }

        @discardableResult
        func submit(_ transfer: Transfer) -> Int {
            defer { next += 1 }
            #expect(sequencer.admit(1) == nil)
            sequencer.enqueue(.transfer(transfer, book.reply(for: next)))
            return next
        }

        @discardableResult
        func submit(_ statement: AuthorityStatement) -> Int {
            defer { next += 1 }
            #expect(sequencer.admit(1) == nil)
            sequencer.enqueue(.authority(statement, book.reply(for: next)))
            return next
        }

        /// The receipts of the answers given since the last call, by item (nil for a refusal).
        func receipts() -> [Int: Receipt?] {
            var out: [Int: Receipt?] = [:]
            for (item, results) in book.take() {
                #expect(results.count == 1, "item \(item) answered \(results.count) times")
                if case let .settled(r, _) = results[0] { out[item] = r } else { out[item] = .some(nil) }
            }
            return out
        }
    }

    @Test("a batch of transfers that reaches an authority statement's effective sequence is cut there: each part is verified for the auditors that govern it")
    func batchCutAtAuthorityChange() throws {
        let g = try AuthorityRouteTests.genesis()
        let h = try Harness(genesis: g)
        var rng = SeededRNG(seed: 0xa17_0005)
        var signer = FixtureSigner(rng: SeededRNG(seed: 0xa17_0006))
        let mint = try AuthorityRouteTests.mint(g, rng: &rng, signer: &signer)
        let notes = mint.createdNotes.map { Pool.owned($0, by: Pool.shared.alice) }
        let a = AuthorityRouteTests.auditorA.publicKey, b = AuthorityRouteTests.auditorB.publicKey
        h.submit(mint)
        #expect(h.loop.step() == .proceed)
        // Settles at 2; auditor B governs from 4.
        h.submit(try AuthorityRouteTests.statement(g, effective: 4, auditors: [b]))
        #expect(h.loop.step() == .proceed)
        #expect(h.receipts().values.compactMap { $0?.sequence }.sorted() == [1, 2])
        // One batch of three: the first settles at 3 (A), the next two at 4 and 5 (B).
        let items = [
            h.submit(try AuthorityRouteTests.pay(g, notes[0], auditors: [a], amount: 1, rng: &rng, signer: &signer)),
            h.submit(try AuthorityRouteTests.pay(g, notes[1], auditors: [b], amount: 2, rng: &rng, signer: &signer)),
            h.submit(try AuthorityRouteTests.pay(g, notes[2], auditors: [b], amount: 3, rng: &rng, signer: &signer)),
        ]
        #expect(h.loop.step() == .proceed)
        while h.loop.inFlight { _ = h.loop.step() }
        let answered = h.receipts()
        #expect(items.map { answered[$0]??.sequence } == [3, 4, 5], "\(answered)")
        #expect(answered[items[0]]??.batchSize == 1 && answered[items[1]]??.batchFirst == 4)
    }

    @Test("a lone item on an idle sequencer is taken at once, without waiting for more")
    func loneItemAtOnce() throws {
        let h = try Harness()
        h.submit(Pool.shared.mint)
        #expect(h.loop.step() == .proceed)
        let answered = h.receipts()
        #expect(answered.count == 1)
        #expect(answered[0]??.sequence == 1)
        #expect(h.loop.step() == .wait(until: nil), "with nothing queued the loop waits for an arrival")
    }

    @Test("under load a batch waits until the oldest item's deadline or until it is full")
    func batchWaitsUnderLoad() throws {
        let h = try Harness()
        // Two items admitted, one still being decoded: the queued one waits to be joined.
        #expect(h.sequencer.admit(1) == nil)
        let arrived = h.clock.now
        h.submit(Pool.shared.mint)
        #expect(h.loop.step() == .wait(until: arrived + 5_000_000))
        #expect(h.receipts().isEmpty)
        // The second arrives before the deadline: one batch of both.
        h.sequencer.release(1)
        h.submit(Pool.shared.mint2)
        #expect(h.loop.step() == .proceed)
        let answered = h.receipts()
        let first = try #require(answered[0] ?? nil), second = try #require(answered[1] ?? nil)
        #expect(first.sequence == 1 && second.sequence == 2)
        #expect(first.batchFirst == 1 && first.batchSize == 2 && second.batchFirst == 1, "one batch of both")
    }

    @Test("a batch waiting for company goes when its deadline passes")
    func deadlinePasses() throws {
        let h = try Harness()
        h.submit(Pool.shared.mint)
        #expect(h.loop.step() == .proceed)
        _ = h.receipts()
        #expect(h.sequencer.admit(1) == nil)  // admitted, still decoding
        let arrived = h.clock.now
        h.submit(Pool.shared.stream[0])
        guard case let .wait(until: deadline?) = h.loop.step() else {
            Issue.record("a lone transfer under load should wait for its deadline")
            return
        }
        #expect(deadline == arrived + 5_000_000)
        h.clock.advance(to: deadline)
        // The transfer's batch is taken and its proofs checked; it is applied when the loop
        // next has nothing to overlap it with.
        #expect(h.loop.step() == .proceed)
        #expect(h.loop.inFlight && h.receipts().isEmpty)
        #expect(h.loop.step() == .proceed)
        #expect(!h.loop.inFlight)
        #expect(h.receipts()[1]??.sequence == 2)
        h.sequencer.release(1)
        #expect(h.loop.ledger.state.sequence == 2)
    }

    @Test("a stop answers every admitted item before the loop exits")
    func stopAnswersEverything() throws {
        let h = try Harness()
        h.submit(Pool.shared.mint)
        #expect(h.loop.step() == .proceed)
        for t in Pool.shared.stream.prefix(6) { h.submit(t) }
        h.sequencer.beginStopping()
        var steps = 0
        while h.loop.step() != .exit {
            steps += 1
            try #require(steps < 100, "the loop exits after a stop")
        }
        let answered = h.receipts()
        #expect(answered.count == 7)
        #expect(answered.values.allSatisfy { $0 != nil }, "every transfer settled")
        #expect(h.loop.ledger.state.sequence == 7)
        #expect(h.sequencer.admit(1) == APIFailure.shuttingDown)
    }
}
