import Foundation
import HTTP1
import Ledger
import Testing
import TestSupport
@testable import Validator
import ZKPayCore
import ZKPayTools

@Suite("Validator end to end")
struct EndToEndTests {
    let pool = Pool.shared

    func sum(_ notes: [JSONValue], _ wallet: WalletKeys) throws -> UInt64 {
        var total: UInt64 = 0
        for n in notes {
            let note = try Note(json: n)
            total += try wallet.open(note.output).amount
        }
        return total
    }

    @Test("mint and transfer settle with signed receipts, both parties' streams see them, notes and audit agree")
    func endToEnd() throws {
        let node = try Node()
        let aliceEvents = try node.client().openEventStream("/v1/events?address=\(pool.alice.address.encoded)")
        let bobEvents = try node.client().openEventStream("/v1/events?address=\(pool.bob.address.encoded)")
        let c = node.client()

        let minted = try c.submit(pool.mint)
        #expect(minted.status == 200)
        #expect(minted.json?["status"]?.string == "finalized")
        #expect(minted.json?["mint_id"]?.string == pool.mint.id.hex)
        #expect(minted.json?["sequence"]?.int == 1)
        let mintReceipt = try #require(receipt(of: minted.json))
        #expect(mintReceipt.verify(genesis: node.genesis))
        #expect(mintReceipt.kind == .mint)

        let sent = try c.submit(pool.t1, binary: true)
        #expect(sent.status == 200)
        #expect(sent.json?["status"]?.string == "finalized")
        #expect(sent.json?["transfer_id"]?.string == pool.t1.id.hex)
        #expect(sent.json?["sequence"]?.int == 2)
        let r = try #require(receipt(of: sent.json))
        #expect(r.verify(genesis: node.genesis))
        #expect(r.id == pool.t1.id.bytes)
        // The receipt JSON's members equal the decoded bytes.
        let rj = sent.json?["receipt"]
        #expect(rj?["sequence"]?.int == 2)
        #expect(rj?["kind"]?.string == "transfer")
        #expect(rj?["chain_hash"]?.string == ProtocolHex.encode(r.chainHash))
        if case let .array(signers)? = rj?["signers"] {
            #expect(signers.count == 1 && signers[0]["index"]?.int == 0
                && signers[0]["signature"]?.string == ProtocolHex.encode(r.signers[0].signature))
        } else { Issue.record("the receipt JSON has no signers array") }
        #expect(rj?["time"]?.int == Int(r.time))

        let again = try c.submit(pool.t1)
        #expect(again.status == 200)
        #expect(again.json?["status"]?.string == "already_finalized")
        #expect(receipt(of: again.json) == r)

        // Alice: minted (1), sent (2), received her change (2). Bob: received (2).
        let a = try readEvents(aliceEvents, count: 3)
        #expect(a.map(\.event) == ["minted", "sent", "received"])
        #expect(a.map(\.id) == ["1", "2", "2"])
        let aData = try a.map { try JSONValue.parse(Array($0.data.utf8)) }
        #expect(aData[0]["notes"]?.array?.count == 16)
        #expect(aData[1]["notes"]?.array?.first?["id"]?.string == pool.mint.createdNotes[0].id.hex)
        #expect(aData[1]["outputs"]?.array?.count == pool.t1.outputs.count)
        #expect(aData[1]["fee"]?.string == "5")
        #expect(aData[2]["sender"]?.string == ProtocolHex.encode(pool.alice.spend.publicKey.encoding))
        #expect(try sum(aData[2]["notes"]?.array ?? [], pool.alice) == 695)
        let b = try readEvents(bobEvents, count: 1)
        #expect(b.map(\.event) == ["received"])
        let bData = try JSONValue.parse(Array(b[0].data.utf8))
        #expect(bData["id"]?.string == pool.t1.id.hex)
        #expect(try sum(bData["notes"]?.array ?? [], pool.bob) == 300)

        // Balances from the notes.
        let bobNotes = try c.get("/v1/notes?owner=\(pool.bob.address.encoded)")
        #expect(bobNotes.status == 200)
        #expect(bobNotes.json?["sequence"]?.int == 2)
        #expect(try sum(bobNotes.json?["notes"]?.array ?? [], pool.bob) == 300)
        let aliceNotes = try c.get("/v1/notes?owner=\(pool.alice.address.encoded)")
        let aliceList = aliceNotes.json?["notes"]?.array ?? []
        #expect(aliceList.count == 16)
        #expect(try sum(aliceList, pool.alice) == 15 * 1000 + 695)
        // Ordered by (sequence created, output index): the 15 mint notes, then the change.
        #expect(aliceList.first?["id"]?.string == pool.mint.createdNotes[1].id.hex)

        // The transfer by id.
        let lookup = try c.get("/v1/transfers/\(pool.t1.id.hex)")
        #expect(lookup.status == 200)
        #expect(lookup.json?["transfer"] == pool.t1.json)
        #expect(receipt(of: lookup.json) == r)
        #expect(try c.get("/v1/transfers/\(pool.t2.id.hex)").status == 404)
        #expect(try c.get("/v1/transfers/\(pool.mint.id.hex)").status == 404)

        // Audit and status.
        let audit = try c.get("/v1/audit")
        #expect(audit.json?["ok"]?.bool == true)
        #expect(audit.json?["supply"]?.int == 16_000 - 5)
        #expect(audit.json?["fees"]?.int == 5)
        #expect(audit.json?["transfers"]?.int == 1)
        let status = try c.get("/v1/status")
        #expect(status.json?["sequence"]?.int == 2)
        #expect(status.json?["receipt_public_key"]?.string == ProtocolHex.encode(node.receiptKey))
        #expect(status.json?["issuer"]?.string == pool.issuer.address.encoded)
        #expect(status.json?["chain_hash"]?.string == ProtocolHex.encode(r.chainHash))

        // Metrics.
        let metrics = try c.get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("zkpay_transfers_finalized_total 1\n"))
        #expect(metrics.text.contains("zkpay_mints_finalized_total 1\n"))
        #expect(metrics.text.contains("zkpay_ledger_sequence 2\n"))

        // Resuming after event 1 replays exactly the later events.
        var h = Headers()
        h.append("Last-Event-ID", "1")
        let resumed = try node.client().openEventStream("/v1/events?address=\(pool.alice.address.encoded)", headers: h)
        #expect(try readEvents(resumed, count: 2).map(\.id) == ["2", "2"])
        let fromQuery = try node.client().openEventStream("/v1/events?address=\(pool.bob.address.encoded)&after=0")
        #expect(try readEvents(fromQuery, count: 1).map(\.event) == ["received"])
    }

    @Test("a history replayed one record per step while transfers keep settling reaches live events with no gap or duplicate")
    func slicedReplay() throws {
        let node = try Node { $0.replaySliceRecords = 1 }
        let c = node.client()
        #expect(try c.submit(pool.mint).status == 200)
        let first = Array(pool.stream.prefix(6)), second = Array(pool.stream[6..<12])
        for t in first { #expect(try c.submit(t).status == 200) }
        let port = node.port
        let done = DispatchSemaphore(value: 0)
        let stream = try node.client().openEventStream("/v1/events?address=\(pool.bob.address.encoded)")
        Thread {
            let client = HTTPClient(port: port)
            for t in second { _ = try? client.submit(t, binary: true) }
            done.signal()
        }.start()
        let ids = try readEvents(stream, count: 12).map(\.id)
        #expect(ids == (2...13).map { String($0) })
        #expect(done.wait(timeout: .now() + 30) == .success)
    }

    @Test("an event stream carries a heartbeat comment at the configured interval")
    func heartbeat() throws {
        let node = try Node()
        let stream = try node.client().openEventStream("/v1/events?address=\(pool.carol.address.encoded)")
        var sawComment = false
        for _ in 0..<5 {
            if case .comment? = try stream.next() {
                sawComment = true
                break
            }
        }
        #expect(sawComment)
    }

    @Test("a batch request answers one result per transfer, in order, with per-item errors")
    func batch() throws {
        let node = try Node()
        let c = node.client()
        #expect(try c.submit(pool.mint).status == 200)
        let body = "{\"transfers\": [\(pool.t1.json.render()), {\"version\": 1}, \(pool.t2.json.render()), "
            + "\(pool.stream[0].json.render())]}"
        let reply = try c.call("POST", "/v1/transfers/batch", json: body)
        #expect(reply.status == 200)
        let results = try #require(reply.json?["results"]?.array)
        #expect(results.count == 4)
        #expect(results[0]["status"]?.string == "finalized")
        #expect(results[1]["status"]?.string == "rejected")
        #expect(results[1]["http_status"]?.int == 400)
        #expect(results[2]["http_status"]?.int == 409)
        #expect(results[2]["error"]?["code"]?.string == "double_spend")
        #expect(results[2]["error"]?["spent_by"]?.string == pool.t1.id.hex)
        #expect(results[3]["status"]?.string == "finalized")

        // Binary framing: count u32be, then (length u32be, bytes) per transfer.
        var framed: [UInt8] = [0, 0, 0, 2]
        for t in [pool.stream[0], pool.stream[1]] {
            let n = UInt32(t.bytes.count)
            framed += [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + t.bytes
        }
        let binary = try c.call("POST", "/v1/transfers/batch", bytes: framed)
        let items = try #require(binary.json?["results"]?.array)
        #expect(items.map { $0["status"]?.string } == ["already_finalized", "finalized"])
        #expect(try c.sequence() == 4)
    }

    @Test("mints from another issuer are refused with 422 and nothing is written")
    func rogueMint() throws {
        let node = try Node()
        let c = node.client()
        var rng = SeededRNG(seed: Pool.seed ^ 9)
        var signer = FixtureSigner(rng: SeededRNG(seed: Pool.seed ^ 10))
        let rogue = try Mint.create(chain: node.genesis.chainID, serial: 1, payments: [Payment(to: pool.bob.address, amount: 5)],
                                    issuer: pool.bob.spend, rng: &rng, signer: &signer)
        let reply = try c.submit(rogue)
        #expect(reply.status == 422)
        #expect(reply.errorCode == "unexpected_issuer")
        #expect(try c.sequence() == 0)
        // A transfer spending notes the ledger never created.
        let unknown = try c.submit(pool.t1)
        #expect(unknown.status == 422)
        #expect(unknown.errorCode == "unknown_input")
    }
}
