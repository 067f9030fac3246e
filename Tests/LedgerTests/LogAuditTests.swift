import BatchVerify
@testable import Ledger
import Ristretto255
import Sodium
import Testing
import TestSupport
import Validator
import ZKPayCore

/// Every record of `ledger`'s log, in order.
func allRecords(_ ledger: Ledger) throws -> [LogRecord] {
    var out: [LogRecord] = []
    var s: UInt64 = 1
    while let r = try ledger.record(at: s) {
        out.append(r)
        s += 1
    }
    return out
}

/// Runs the full audit of `records` against `genesis`.
func fullAudit(_ records: [LogRecord], _ genesis: Genesis, parallelism: Parallelism = .serial) throws(LogAuditError) -> LogAuditReport {
    var auditor = LogAuditor(genesis: genesis, backend: .portable, parallelism: parallelism)
    for r in records { try auditor.add(r) }
    return try auditor.finish()
}

@Suite("Full audit of a log from genesis")
struct LogAuditTests {
    let pool = Pool.shared

    /// A ledger with a mint and three settled transfers in two batches.
    func honestLedger() throws -> (SimulatedStorage, Ledger) {
        let storage = SimulatedStorage()
        try DurableFixture.initialize(storage)
        let ledger = try Ledger(storage: storage)
        _ = try ledger.submit(mint: pool.mint, time: 1)
        let out = try ledger.submit([pool.t1, pool.t5], time: 2)
        #expect(out.allSatisfy { $0.isSettled })
        #expect(try ledger.submit([pool.t3], time: 3)[0].isSettled)
        return (storage, ledger)
    }

    @Test("an honest log passes: every object re-verified, one signature per receipt batch, same chain and supply")
    func honest() throws {
        let (_, ledger) = try honestLedger()
        let workers = WorkerPool(count: 2)
        defer { workers.stop() }
        let report = try fullAudit(try allRecords(ledger), ledger.genesis, parallelism: workers.parallelism)
        #expect(report.records == 4 && report.transfers == 3 && report.mints == 1)
        #expect(report.signatures == 3)
        #expect(report.chainHash == ledger.state.chainHash)
        #expect(report.audit == ledger.auditVartime())
    }

    @Test("a transfer a faulty verifier settled is caught, though recovery and the supply equation accept it")
    func faultyVerifier() throws {
        let storage = SimulatedStorage()
        try DurableFixture.initialize(storage)
        let ledger = try Ledger(storage: storage)
        _ = try ledger.submit(mint: pool.mint, time: 1)
        // t1 with one byte of its proofs or signatures changed: still a well-formed transfer
        // spending the same input into the same outputs, but no longer valid.
        var forged: Transfer?
        for position in stride(from: pool.t1.bytes.count - 1, to: pool.t1.bytes.count / 2, by: -1) {
            var bytes = pool.t1.bytes
            bytes[position] ^= 0x01
            if let t = try? Transfer(bytes: bytes), t.outputs == pool.t1.outputs,
               t.inputs == pool.t1.inputs
            {
                forged = t
                break
            }
        }
        let bad = try #require(forged)
        let verdict = ledger.state.verifyVartime([bad] as [Transfer])
        guard case .rejected = verdict[0] else {
            Issue.record("the forged transfer verifies")
            return
        }
        // A verifier that let it through: the ledger settles, signs and logs it.
        let settled = try ledger.settle(OrderedBatch(time: 2, logged: [.transfer(TransferFacts(bad))])).outcomes
        #expect(settled[0].isSettled)
        let reopened = try Ledger(storage: storage)
        #expect(reopened.state.sequence == 2 && reopened.auditVartime().ok, "replay and the equation accept the forgery")
        #expect(throws: LogAuditError.self) { try fullAudit(try allRecords(reopened), reopened.genesis) }
        do {
            _ = try fullAudit(try allRecords(reopened), reopened.genesis)
        } catch let error as LogAuditError {
            guard case let .rejected(sequence, reason) = error else {
                Issue.record("expected a rejection, got \(error)")
                return
            }
            #expect(sequence == 2 && reason.contains("verification failed"), "\(reason)")
        }
    }

    @Test("a log signed by a key that is not the genesis validator's fails at its first record")
    func foreignKey() throws {
        let (_, ledger) = try honestLedger()
        let other = try ReceiptKey(seed: SecretBytes(copying: [UInt8](repeating: 7, count: 32)))
        // The same chain id is claimed (the genesis is what the auditor trusts), with another key.
        let genesis = try Genesis(issuer: ledger.genesis.issuer, minimumFee: ledger.genesis.minimumFee,
                                  validators: [GenesisValidator(name: "v1", publicKey: other.publicKey)])
        #expect(throws: LogAuditError.badSignature(sequence: 1)) { try fullAudit(try allRecords(ledger), genesis) }
    }

    @Test("every changed byte of a record, a dropped or reordered record, is refused")
    func tampered() throws {
        let (_, ledger) = try honestLedger()
        let records = try allRecords(ledger)
        // Record 2 (a transfer): every byte position flipped in turn (a subsample of the proof
        // bytes keeps the test fast; every receipt byte and the transfer's head are covered).
        let payload = records[1].payload
        var positions = Array(0..<min(payload.count, 400))
        positions += Array(stride(from: 400, to: payload.count, by: 37))
        for p in positions {
            var edited = records
            var bytes = payload
            bytes[p] ^= 0x04
            edited[1] = LogRecord(sequence: 2, payload: bytes)
            #expect(throws: LogAuditError.self, "byte \(p)") { try fullAudit(edited, ledger.genesis) }
        }
        #expect(throws: LogAuditError.outOfOrder(expected: 2, found: 3)) {
            try fullAudit([records[0], records[2], records[3]], ledger.genesis)
        }
        #expect(throws: LogAuditError.outOfOrder(expected: 1, found: 2)) { try fullAudit(Array(records.dropFirst()), ledger.genesis) }
        // A record that ends after its receipt, or holds no receipt.
        let receiptOnly = LogRecord(sequence: 1, payload: try #require(ledger.receipt(for: pool.mint.id.bytes)).bytes)
        #expect(throws: LogAuditError.self) { try fullAudit([receiptOnly], ledger.genesis) }
        #expect(throws: LogAuditError.self) { try fullAudit([LogRecord(sequence: 1, payload: [1, 2, 3])], ledger.genesis) }
    }

    @Test("a torn tail that ended inside a batch, then more batches: the audit still passes")
    func tornBatch() throws {
        let storage = SimulatedStorage()
        try DurableFixture.initialize(storage)
        let ledger = try Ledger(storage: storage)
        _ = try ledger.submit(mint: pool.mint, time: 1)
        _ = try ledger.submit(verified: [DurableFixture.verification(pool.t1)], time: 2)
        let start = storage.bytesWritten
        // Crash after the first record of the two-record batch reached the disk.
        storage.crashAfterBytes = start + frameBytes(try allRecords(ledger)[1].payload) + 64
        _ = try? ledger.submit(verified: [DurableFixture.verification(pool.t5), DurableFixture.verification(pool.t3)], time: 3)
        storage.restart(keepingUnsyncedBytes: storage.unsyncedBytes)
        let reopened = try Ledger(storage: storage)
        #expect(reopened.state.sequence == 3, "the crash kept the first record of the last batch only")
        let records = try allRecords(reopened)
        let report = try fullAudit(records, reopened.genesis)
        #expect(report.records == reopened.state.sequence && report.chainHash == reopened.state.chainHash)
    }

    @Test("log pages: round trip, and every truncation, bad count or broken sequence is refused")
    func pages() throws {
        let (_, ledger) = try honestLedger()
        let whole = try ledger.logPage(after: 0, limit: 100, maxBytes: 1 << 20)
        #expect(whole.end == 4 && whole.entries.map(\.sequence) == [1, 2, 3, 4])
        #expect(try LogPage(bytes: whole.bytes) == whole)
        // Paging: the limit, the byte cap (always one record), the end.
        #expect(try ledger.logPage(after: 1, limit: 2, maxBytes: 1 << 20).entries.map(\.sequence) == [2, 3])
        #expect(try ledger.logPage(after: 0, limit: 100, maxBytes: 1).entries.map(\.sequence) == [1])
        #expect(try ledger.logPage(after: 4, limit: 100, maxBytes: 1 << 20).entries.isEmpty)
        #expect(try ledger.logPage(after: UInt64.max, limit: 100, maxBytes: 1 << 20).entries.isEmpty)
        let bytes = whole.bytes
        for n in 0..<bytes.count {
            #expect(throws: ProtocolError.self, "prefix \(n)") { try LogPage(bytes: bytes.prefix(n)) }
        }
        #expect(throws: ProtocolError.self) { try LogPage(bytes: bytes + [0]) }
        var huge = bytes
        huge[17] = 0xff; huge[18] = 0xff; huge[19] = 0xff; huge[20] = 0x7f
        #expect(throws: ProtocolError.self) { try LogPage(bytes: huge) }
        let gap = LogPage(end: 9, entries: [whole.entries[0], whole.entries[2]])
        #expect(throws: ProtocolError.self) { try LogPage(bytes: gap.bytes) }
        let pastEnd = LogPage(end: 1, entries: Array(whole.entries.prefix(2)))
        #expect(throws: ProtocolError.self) { try LogPage(bytes: pastEnd.bytes) }
    }
}
