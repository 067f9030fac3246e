import Foundation
import HTTP1
import Synchronization
import Testing
import ZKPayCore

@Suite("Double spends over many connections")
struct DoubleSpendTests {
    let pool = Pool.shared

    @Test("two transfers of one note from 16 concurrent connections: exactly one settles, every other answer is 409 naming it or its receipt again")
    func concurrentDoubleSpend() throws {
        let node = try Node { $0.batchWaitMilliseconds = 5 }
        let c = node.client()
        #expect(try c.submit(pool.mint).status == 200)
        let candidates = [pool.t1, pool.t2]
        let replies = Mutex<[(index: Int, reply: Reply?)]>([])
        let port = node.port
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            let client = HTTPClient(port: port)
            let reply = try? client.submit(candidates[i % 2], binary: i % 4 < 2)
            replies.withLock { $0.append((i, reply)) }
        }
        let all = replies.withLock { $0 }
        #expect(all.count == 16)
        #expect(all.allSatisfy { $0.reply != nil })
        let finalized = all.filter { $0.reply?.json?["status"]?.string == "finalized" }
        #expect(finalized.count == 1)
        let winnerIndex = try #require(finalized.first?.index) % 2
        let winner = candidates[winnerIndex], loser = candidates[1 - winnerIndex]
        let winnerReceipt = receipt(of: finalized.first?.reply?.json)
        #expect(winnerReceipt != nil)
        for (i, reply) in all {
            guard let reply else { continue }
            if i % 2 == winnerIndex {
                #expect(reply.status == 200)
                #expect(reply.json?["transfer_id"]?.string == winner.id.hex)
                #expect(receipt(of: reply.json) == winnerReceipt)
            } else {
                #expect(reply.status == 409)
                #expect(reply.errorCode == "double_spend")
                #expect(reply.json?["error"]?["spent_by"]?.string == winner.id.hex)
                #expect(reply.json?["error"]?["note"]?.string == pool.mint.createdNotes[0].id.hex)
            }
        }
        #expect(try c.sequence() == 2)
        // Later resubmissions: the same receipt, the same 409.
        let again = try c.submit(winner)
        #expect(again.json?["status"]?.string == "already_finalized")
        #expect(receipt(of: again.json) == winnerReceipt)
        #expect(try c.submit(loser).status == 409)
        #expect(try c.get("/v1/transfers/\(loser.id.hex)").status == 404)
        #expect(try c.get("/v1/audit").json?["ok"]?.bool == true)
    }

    @Test("independent transfers from concurrent connections all settle, each with a distinct sequence")
    func concurrentIndependent() throws {
        let node = try Node { $0.batchMax = 4 }
        let c = node.client()
        #expect(try c.submit(pool.mint).status == 200)
        let transfers = Array(pool.stream.prefix(12))
        let sequences = Mutex<[Int]>([])
        let port = node.port
        DispatchQueue.concurrentPerform(iterations: transfers.count) { i in
            if let r = try? HTTPClient(port: port).submit(transfers[i]), r.status == 200, let s = r.json?["sequence"]?.int {
                sequences.withLock { $0.append(s) }
            }
        }
        #expect(sequences.withLock { $0.sorted() } == Array(2...13))
        let metrics = try c.get("/metrics").text
        #expect(metrics.contains("zkpay_transfers_finalized_total 12\n"))
        #expect(metrics.contains("zkpay_batch_size_count"))
    }
}
