import Foundation
import Testing
import Wallet

@Suite("WalletStore")
struct ReservationTests {
    static func reservation(_ id: String, _ notes: [String]) -> Reservation {
        Reservation(transferID: id, noteIDs: notes, createdMs: 1, amount: 5, fee: 1, recipient: "zkp1x", memo: "")
    }

    @Test("reservations persist across store instances and a throwing update writes nothing")
    func persistence() throws {
        let dir = temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let home = try WalletHome(path: dir)
        let store = try home.state("alice")
        try store.update { $0.reservations.append(Self.reservation("t1", ["n1", "n2"])) }
        #expect(try home.state("alice").load().reservedNoteIDs == ["n1", "n2"])
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try store.update { s in
                s.reservations.removeAll()
                throw Boom()
            }
        }
        #expect(try store.load().reservations == [Self.reservation("t1", ["n1", "n2"])])
        try store.update { $0.reservations.removeAll { $0.transferID == "t1" } }
        #expect(try store.load().reservedNoteIDs.isEmpty)
        #expect(try permissions(dir + "/state/alice/state.json") == 0o600)
    }

    @Test("concurrent updates from many threads lose no reservation")
    func concurrentUpdates() throws {
        let dir = temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try WalletHome(path: dir).state("w")
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            _ = try? store.update { $0.reservations.append(Self.reservation("t\(i)", ["n\(i)"])) }
        }
        #expect(try store.load().reservations.count == 16)
        #expect(try store.load().reservedNoteIDs.count == 16)
    }

    @Test("history merges a note scan and the event of the same payment into one entry")
    func historyDedupe() {
        var s = WalletState()
        s.record(HistoryEntry(kind: "received", id: "", sequence: nil, timeMs: 5, amount: 10, fee: nil,
                              counterparty: "", memo: "rent", notes: ["n1"]))
        s.record(HistoryEntry(kind: "received", id: "t1", sequence: 3, timeMs: 4, amount: 10, fee: nil,
                              counterparty: "alice", memo: "rent", notes: ["n1"]))
        s.record(HistoryEntry(kind: "received", id: "t1", sequence: 3, timeMs: 4, amount: 10, fee: nil,
                              counterparty: "alice", memo: "rent", notes: ["n1"]))
        #expect(s.history.count == 1)
        #expect(s.history[0].id == "t1")
        #expect(s.history[0].sequence == 3)
        #expect(s.history[0].counterparty == "alice")
        s.record(HistoryEntry(kind: "sent", id: "t2", sequence: 4, timeMs: 6, amount: 1, fee: 1, counterparty: "bob",
                              memo: "", notes: []))
        #expect(s.history.count == 2)
        // A scanned note later reported as minted is one entry of kind "minted".
        s.record(HistoryEntry(kind: "received", id: "", sequence: nil, timeMs: 9, amount: 7, fee: nil,
                              counterparty: "", memo: "", notes: ["n9"]))
        s.record(HistoryEntry(kind: "minted", id: "m1", sequence: 5, timeMs: 8, amount: 7, fee: nil,
                              counterparty: "the issuer", memo: "", notes: ["n9"]))
        #expect(s.history.count == 3)
        #expect(s.history[2].kind == "minted")
        #expect(s.history[2].sequence == 5)
        #expect(s.history[2].timeMs == 8)
        // The notes a recorded send spent stay known after its reservation is gone.
        s.reservations = [ReservationTests.reservation("t3", ["n5"])]
        #expect(s.reservedNoteIDs.union(s.spentNoteIDs) == ["n5"])
        s.reservations = []
        s.record(HistoryEntry(kind: "sent", id: "t3", sequence: 6, timeMs: 10, amount: 1, fee: 1, counterparty: "bob",
                              memo: "", notes: ["o1"], inputs: ["n5"]))
        #expect(s.spentNoteIDs == ["n5"])
        // The event of the same send adds nothing new.
        s.record(HistoryEntry(kind: "sent", id: "t3", sequence: 6, timeMs: 10, amount: 1, fee: 1, counterparty: "",
                              memo: "", notes: ["o1"], inputs: ["n5"]))
        #expect(s.history.count == 4)
    }
}
