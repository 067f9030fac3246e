import Foundation
import HTTP1
import Ledger
import Testing
import TestSupport
import ZKPayCore
@testable import Validator

@Suite("GET /v1/log and GET /v1/genesis")
struct LogRouteTests {
    let pool = Pool.shared

    @Test("the log pages through every record in order; an auditor re-verifies them from the served genesis")
    func pagesAndAudit() throws {
        let node = try Node()
        let c = node.client()
        #expect(try c.submit(pool.mint).status == 200)
        #expect(try c.submit(pool.t1, binary: true).status == 200)
        #expect(try c.submit(pool.t3, binary: true).status == 200)

        let genesisReply = try c.get("/v1/genesis")
        #expect(genesisReply.status == 200)
        let genesis = try Genesis(bytes: genesisReply.body)
        #expect(genesis == node.genesis)

        // One record per page: three pages, consecutive, each saying where the log ends.
        var entries: [LogPage.Entry] = []
        var after: UInt64 = 0
        while true {
            let r = try c.get("/v1/log?after=\(after)&limit=1")
            #expect(r.status == 200 && r.headers["Content-Type"] == "application/octet-stream")
            let page = try LogPage(bytes: r.body)
            #expect(page.end == 3)
            guard let last = page.entries.last else { break }
            #expect(page.entries.count == 1 && last.sequence == after + 1)
            entries += page.entries
            after = last.sequence
        }
        #expect(entries.map(\.sequence) == [1, 2, 3])
        let whole = try LogPage(bytes: try c.get("/v1/log").body)
        #expect(whole.entries == entries)

        var auditor = LogAuditor(genesis: genesis, backend: .portable)
        for e in entries { try auditor.add(LogRecord(sequence: e.sequence, payload: e.payload)) }
        let report = try auditor.finish()
        #expect(report.transfers == 2 && report.mints == 1)
        #expect(ProtocolHex.encode(report.chainHash) == (try c.get("/v1/status")).json?["chain_hash"]?.string)
    }

    @Test("bad paging parameters are 400 with a message; the largest after is an empty page")
    func badParameters() throws {
        let node = try Node()
        let c = node.client()
        #expect(try c.submit(pool.mint).status == 200)
        for query in ["after=-1", "after=abc", "after=18446744073709551616", "limit=0", "limit=10001", "limit=x", "limit=-5"] {
            let r = try c.get("/v1/log?\(query)")
            #expect(r.status == 400 && r.errorCode == "bad_request", "\(query): \(r.status) \(r.text)")
        }
        let end = try LogPage(bytes: try c.get("/v1/log?after=18446744073709551615").body)
        #expect(end.entries.isEmpty && end.end == 1)
        #expect(try c.call("POST", "/v1/log").status == 405)
    }
}
