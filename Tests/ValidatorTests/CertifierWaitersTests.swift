import Testing
@testable import Validator
import ZKPayCore

/// The certifier's waiting receipts (`Certifier.Waiters`): which come due for a pull, which
/// expire, and which a batch's quorum completes, with the clock given as numbers.
@Suite("Certifier waiters")
struct CertifierWaitersTests {
    static func key(_ first: UInt64) -> Certifier.BatchKey {
        Certifier.BatchKey(first: first, size: 1, root: [UInt8](repeating: UInt8(first), count: 32),
                           stateDigest: [UInt8](repeating: 0, count: 32))
    }

    static func waiter(_ first: UInt64, pullAt: UInt64, deadline: UInt64) -> Certifier.Waiter {
        let receipt = Receipt(encoded: [], sequence: first, kind: .transfer, time: 0, batchFirst: first, batchSize: 1,
                              signersOffset: 0)
        return Certifier.Waiter(receipt: receipt, key: key(first), deadline: deadline, pullAt: pullAt, pulled: false,
                                done: { _ in })
    }

    @Test("nothing is due before the earliest pull time; each waiter is pulled once, then expires at its deadline")
    func dueAndExpired() {
        var w = Certifier.Waiters()
        w.insert(Self.waiter(1, pullAt: 100, deadline: 200))
        w.insert(Self.waiter(2, pullAt: 150, deadline: 300))
        #expect(w.count == 2)
        var due = w.takeDue(now: 99)
        #expect(due.pull.isEmpty && due.expired.isEmpty)
        due = w.takeDue(now: 100)
        #expect(due.pull.map(\.key.first) == [1] && due.expired.isEmpty)
        due = w.takeDue(now: 120)
        #expect(due.pull.isEmpty && due.expired.isEmpty, "pulled once only")
        due = w.takeDue(now: 160)
        #expect(due.pull.map(\.key.first) == [2] && due.expired.isEmpty)
        due = w.takeDue(now: 200)
        #expect(due.pull.isEmpty && due.expired.map(\.key.first) == [1])
        #expect(w.count == 1)
        due = w.takeDue(now: 400)
        #expect(due.expired.map(\.key.first) == [2] && w.count == 0)
        #expect(w.takeDue(now: 10_000).expired.isEmpty)
    }

    @Test("a batch's quorum takes all of its waiters and no other; a waiter inserted later moves the next due time earlier")
    func removeByBatch() {
        var w = Certifier.Waiters()
        w.insert(Self.waiter(5, pullAt: 1_000, deadline: 2_000))
        w.insert(Self.waiter(5, pullAt: 1_100, deadline: 2_100))
        w.insert(Self.waiter(6, pullAt: 1_000, deadline: 2_000))
        #expect(w.remove(Self.key(5)).count == 2)
        #expect(w.remove(Self.key(5)).isEmpty)
        #expect(w.count == 1)
        // Scanned once with nothing due: the next due time is 1,000 (batch 6).
        #expect(w.takeDue(now: 10).pull.isEmpty)
        w.insert(Self.waiter(7, pullAt: 20, deadline: 3_000))
        #expect(w.takeDue(now: 20).pull.map(\.key.first) == [7])
        let left = w.removeAll()
        #expect(Set(left.map(\.key.first)) == [6, 7] && w.count == 0)
    }
}
