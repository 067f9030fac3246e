import Foundation
import HTTP1
import Testing
import ZKPayAPI
import ZKPayCore

@Suite("POST /v1/redemptions and GET /v1/redemptions/{id}")
struct RedemptionRouteTests {
    @Test("a redemption settles over HTTP; a wrong opening is 422 with its code, a spent input 409; the issuer's stream shows the burn")
    func routes() throws {
        let node = try Node()
        let c = node.client()
        let pool = Pool.shared
        #expect(try c.submit(pool.mint).status == 200)
        let notes = pool.mint.createdNotes.map { Pool.owned($0, by: pool.alice) }
        let good = try RedemptionBuilder.build(chain: node.genesis.chainID, from: pool.alice, spending: [notes[5]],
                                               amount: 400, fee: 10, reference: "PAYOUT 7").redemption

        // Another amount revealed: the commitment no longer opens and the holder signature no
        // longer covers the bytes; either way the redemption does not verify (422).
        var wrong = good.bytes
        let amountOffset = 2 + 32 + 4 + good.transfer.bytes.count + 1
        wrong[amountOffset] ^= 1
        let refused = try c.call("POST", "/v1/redemptions", bytes: wrong)
        #expect(refused.status == 422, "\(refused.text)")
        #expect(["burn_opening_mismatch", "invalid_holder_signature"].contains(refused.errorCode ?? ""))
        #expect(refused.json?["error"]?["message"]?.string?.contains("redemption") == true)
        let badReference = try c.call("POST", "/v1/redemptions", json: good.json.render()
            .replacingOccurrences(of: "PAYOUT 7", with: "PAYOUT\\u0007"))
        #expect(badReference.status == 422 && badReference.errorCode == "invalid_reference", "\(badReference.text)")

        let issuerStream = try HTTPClient(port: node.port, timeout: 10)
            .openEventStream("/v1/events?address=\(pool.issuer.address.encoded)&after=1")
        let settled = try c.call("POST", "/v1/redemptions", json: good.json.render())
        #expect(settled.status == 200, "\(settled.text)")
        #expect(settled.json?["redemption_id"]?.string == good.id.hex)
        #expect(receipt(of: settled.json)?.kind == .redemption)
        #expect(try c.call("POST", "/v1/redemptions", bytes: good.bytes).json?["status"]?.string == "already_finalized")
        // The inner transfer alone now spends a spent note.
        let inner = try c.submit(good.transfer)
        #expect(inner.status == 409 && inner.json?["error"]?["spent_by"]?.string == good.id.hex, "\(inner.text)")

        let burn = try #require(try readEvents(issuerStream, count: 1).first)
        #expect(burn.event == "burned")
        let data = try EventBody(json: try JSONValue.parse(Array(burn.data.utf8)))
        #expect(data.kind == .burned && data.burn?.amount == 400 && data.burn?.reference == "PAYOUT 7" && data.id == good.id.bytes)

        let client = try ValidatorClient("http://127.0.0.1:\(node.port)")
        let found = try #require(try client.redemption(id: good.id))
        #expect(found.redemption == good && found.receipt.verify(genesis: node.genesis))
        #expect(try client.redemption(id: RedemptionID(uncheckedBytes: pool.mint.id.bytes)) == nil)
        #expect(try c.get("/v1/transfers/\(good.id.hex)").status == 404)
        #expect(try c.get("/v1/redemptions/xyz").status == 400)
        let audit = try c.get("/v1/audit").json
        #expect(audit?["ok"]?.bool == true && audit?["burned"]?.int == 400, "\(String(describing: audit))")
    }
}
