import Foundation
import Testing
import TestSupport
import ZKPayAPI
import ZKPayCore

@Suite("ZKPayAPI's ValidatorClient against the validator")
struct ClientCompatibilityTests {
    let pool = Pool.shared

    @Test("the shared client reads every answer of the validator with its strict decoders")
    func sharedClient() throws {
        let node = try Node()
        let client = try ValidatorClient("http://127.0.0.1:\(node.port)")
        let stream = try ValidatorClient("http://127.0.0.1:\(node.port)").events(address: pool.bob.address)
        let minted = try client.submit(mint: pool.mint)
        #expect(minted.isNew && minted.sequence == 1 && minted.receipt.verify(genesis: node.genesis))
        let sent = try client.submit(pool.t1, json: true)
        #expect(sent.isNew && sent.id == pool.t1.id.bytes)
        let items = try client.submitBatch([pool.t1, pool.t2, pool.stream[0]])
        guard items.count == 3, case let .finalized(first) = items[0], case let .rejected(second) = items[1],
              case let .finalized(third) = items[2]
        else {
            Issue.record("unexpected batch results \(items)")
            return
        }
        #expect(!first.isNew && first.receipt == sent.receipt)
        #expect(second.status == 409 && second.code == "double_spend" && second.extra("spent_by") == pool.t1.id.hex)
        #expect(third.isNew && third.sequence == 3)
        // The same batch again, answered in JSON (the client asks for the binary form only
        // for binary requests): the same receipts, now all already finalized.
        let again = try client.submitBatch([pool.t1, pool.t2, pool.stream[0]], json: true)
        #expect(again == [.finalized(FinalizedBody(isNew: false, receipt: first.receipt)), .rejected(second),
                          .finalized(FinalizedBody(isNew: false, receipt: third.receipt))])
        let refused = #expect(throws: ValidatorClientError.self) { _ = try client.submit(pool.t2) }
        if case let .rejected(e)? = refused {
            #expect(e.status == 409 && e.extra("note") == pool.mint.createdNotes[0].id.hex)
        } else {
            Issue.record("expected a 409 rejection, got \(String(describing: refused))")
        }
        let notes = try client.notes(owner: pool.bob.address)
        #expect(notes.sequence == 3 && notes.notes.count == 2)
        #expect(try client.transfer(id: pool.t1.id)?.receipt == sent.receipt)
        #expect(try client.transfer(id: pool.t2.id) == nil)
        let status = try client.status()
        #expect(status.sequence == 3 && status.receiptPublicKey == node.receiptKey && status.workers == 2)
        #expect(status.backend == TestBackends.fastest.rawValue)
        #expect(try client.audit().ok)
        let e1 = try #require(try stream.next())
        let e2 = try #require(try stream.next())
        #expect(e1.kind == .received && e1.id == pool.t1.id.bytes && e1.notes.count == 1)
        #expect(e2.kind == .received && e2.sequence == 3)
    }
}
