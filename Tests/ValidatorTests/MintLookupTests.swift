import Foundation
import HTTP1
import Testing
import ZKPayAPI
import ZKPayCore

@Suite("GET /v1/mints/{id}")
struct MintLookupTests {
    @Test("a settled mint comes back with its receipt; a transfer id, an unknown id and a malformed id do not")
    func lookup() throws {
        let node = try Node()
        let c = node.client()
        let pool = Pool.shared
        #expect(try c.submit(pool.mint).status == 200)
        #expect(try c.submit(pool.t1).status == 200)

        let found = try c.get("/v1/mints/\(pool.mint.id.hex)")
        #expect(found.status == 200, "\(found.text)")
        let body = try MintLookupBody(json: try #require(found.json))
        #expect(body.mint == pool.mint)
        #expect(body.receipt.kind == .mint && body.receipt.id == pool.mint.id.bytes)
        #expect(body.receipt.verify(genesis: node.genesis))
        #expect(body.mint.createdNotes == pool.mint.createdNotes)

        // A transfer is not a mint; nor is an id the ledger never settled.
        #expect(try c.get("/v1/mints/\(pool.t1.id.hex)").status == 404)
        #expect(try c.get("/v1/mints/\(pool.mint2.id.hex)").errorCode == "not_found")
        #expect(try c.get("/v1/mints/XYZ").status == 400)
        #expect(try c.get("/v1/mints/\(pool.mint.id.hex.uppercased())").status == 400)
        #expect(try c.call("POST", "/v1/mints/\(pool.mint.id.hex)").status == 405)

        // The client's lookup reads the same body.
        let client = try ValidatorClient("http://127.0.0.1:\(node.port)")
        #expect(try client.mint(id: pool.mint.id)?.receipt.id == pool.mint.id.bytes)
        #expect(try client.mint(id: pool.mint2.id) == nil)
    }
}
