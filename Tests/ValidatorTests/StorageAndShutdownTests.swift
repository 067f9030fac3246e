import Foundation
import HTTP1
import Ledger
import Sodium
import Synchronization
import Testing
@testable import Validator
import ZKPayCore

@Suite("Storage failures and graceful shutdown")
struct StorageAndShutdownTests {
    let pool = Pool.shared

    @Test("a full disk fails the batch with 507 storage_full, reads keep working, and the same transfer settles once space is back")
    func diskFull() throws {
        let service = try ValidatorService(openStorage: {
            let s = SimulatedStorage()
            try Ledger.initialize(storage: s, genesis: Pool.genesis, receiptKeySeed: SecretBytes(copying: Pool.keySeed))
            return s
        }, configuration: .init(port: 0, workers: 2, heartbeatInterval: 0.2))
        defer { service.shutdown(gracePeriod: 1) }
        let c = HTTPClient(port: service.port)
        #expect(try c.submit(pool.mint).status == 200)
        let filled = service.withLedger { ledger -> Bool in
            guard let s = ledger.storage as? SimulatedStorage else { return false }
            s.capacity = s.usedBytes + 100  // less than one record
            return true
        }
        #expect(filled == true)
        let refused = try c.submit(pool.t1)
        #expect(refused.status == 507)
        #expect(refused.errorCode == "storage_full")
        // Reads are served and nothing changed.
        #expect(try c.sequence() == 1)
        #expect(try c.get("/v1/notes?owner=\(pool.bob.address.encoded)").json?["notes"]?.array?.isEmpty == true)
        #expect(try c.get("/v1/audit").json?["ok"]?.bool == true)
        #expect(try c.get("/v1/transfers/\(pool.t1.id.hex)").status == 404)
        #expect(try c.get("/metrics").text.contains("zkpay_transfers_rejected_total{reason=\"storage_full\"} 1"))
        // Space is back: the resubmission settles.
        _ = service.withLedger { ledger in (ledger.storage as? SimulatedStorage)?.capacity = nil }
        let settled = try c.submit(pool.t1)
        #expect(settled.status == 200)
        #expect(settled.json?["sequence"]?.int == 2)
    }

    @Test("an fsync failure fails the batch with 500 storage_error and the ledger keeps serving")
    func syncFailure() throws {
        let service = try ValidatorService(openStorage: {
            let s = SimulatedStorage()
            try Ledger.initialize(storage: s, genesis: Pool.genesis, receiptKeySeed: SecretBytes(copying: Pool.keySeed))
            return s
        }, configuration: .init(port: 0, workers: 2))
        defer { service.shutdown(gracePeriod: 1) }
        let c = HTTPClient(port: service.port)
        _ = service.withLedger { ledger in (ledger.storage as? SimulatedStorage)?.failingSyncs = 1 }
        let refused = try c.submit(pool.mint)
        #expect(refused.status == 500)
        #expect(refused.errorCode == "storage_error")
        #expect(try c.sequence() == 0)
        #expect(try c.submit(pool.mint).status == 200)
        #expect(try c.sequence() == 1)
    }

    @Test("shutdown answers a transfer already queued (settled and durable), ends event streams and refuses later work")
    func gracefulShutdown() throws {
        let node = try Node()
        let c = node.client()
        #expect(try c.submit(pool.mint).status == 200)
        let stream = try node.client().openEventStream("/v1/events?address=\(pool.bob.address.encoded)")

        // Hold the sequencer so the transfer waits in the queue while shutdown starts.
        let hold = DispatchSemaphore(value: 0)
        let holding = DispatchSemaphore(value: 0)
        #expect(node.service.sequencer.read { _ in
            holding.signal()
            hold.wait()
        })
        holding.wait()
        let port = node.port
        let answer = Mutex<Reply?>(nil)
        let answered = DispatchSemaphore(value: 0)
        let t1 = pool.t1
        Thread {
            let r = try? HTTPClient(port: port).submit(t1)
            answer.withLock { $0 = r }
            answered.signal()
        }.start()
        while node.service.sequencer.depth == 0 { usleep(1000) }
        let steps = Mutex<[String]>([])
        let stopped = DispatchSemaphore(value: 0)
        let service = node.service
        Thread {
            service.shutdown(gracePeriod: 10) { line in steps.withLock { $0.append(line) } }
            stopped.signal()
        }.start()
        while steps.withLock({ $0.isEmpty }) { usleep(1000) }
        usleep(50_000)  // let the server stop accepting before the queue moves
        hold.signal()
        #expect(answered.wait(timeout: .now() + 20) == .success)
        let reply = answer.withLock { $0 }
        #expect(reply?.status == 200)
        #expect(reply?.json?["status"]?.string == "finalized")
        #expect(stopped.wait(timeout: .now() + 20) == .success)
        #expect(steps.withLock { $0.last } == "shutdown: done")

        // The stream saw the transfer and then ended.
        var ids: [String] = []
        while let e = try? stream.nextEvent() { ids.append(e.id ?? "") }
        #expect(ids == ["2"])
        // New connections are refused; the settled transfer is durable.
        #expect((try? HTTPClient(port: port, timeout: 1).get("/v1/status")) == nil)
        let reopened = try Ledger(storage: POSIXStorage(directory: node.directory.path, create: false))
        #expect(reopened.state.sequence == 2)
        #expect(reopened.receipt(for: pool.t1.id.bytes) == receipt(of: reply?.json))
    }
}
