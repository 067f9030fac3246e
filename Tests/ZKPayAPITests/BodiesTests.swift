import HTTP1
import Ledger
import Sodium
import Testing
import TestSupport
import ZKPayAPI
import ZKPayCore

/// A real ledger (simulated disk) with one mint and one transfer settled, built once.
struct APIPool: Sendable {
    static let shared = APIPool()
    let issuer: WalletKeys
    let alice: WalletKeys
    let bob: WalletKeys
    let mint: Mint
    let transfer: Transfer
    let mintReceipt: Receipt
    let transferReceipt: Receipt
    /// The receipts of three mints settled in one call: one signed batch, paths of 2 and 1 nodes.
    let batchReceipts: [Receipt]
    let genesis: Genesis

    static func wallet(_ tag: UInt8) -> WalletKeys {
        do { return try WalletKeys(seed: SecretBytes(copying: (0..<32).map { UInt8($0) &+ tag &* 37 })) } catch {
            preconditionFailure("fixed seeds derive keys: \(error)")
        }
    }

    init() {
        issuer = Self.wallet(1)
        alice = Self.wallet(2)
        bob = Self.wallet(3)
        do {
            let storage = SimulatedStorage()
            let genesis = try Ledger.initialize(storage: storage, issuer: issuer.address, minimumFee: 1)
            self.genesis = genesis
            mint = try Mint.create(chain: genesis.chainID, serial: 7, payments: [Payment(to: alice.address, amount: 1_000)],
                                   issuer: issuer.spend)
            let owned = OwnedNote(note: mint.createdNotes[0], contents: try alice.open(mint.createdNotes[0].output))
            transfer = try TransferBuilder.build(chain: genesis.chainID, from: alice, spending: [owned],
                                                 payments: [Payment(to: bob.address, amount: 250, text: Array("rent".utf8))],
                                                 fee: 2).transfer
            let ledger = try Ledger(storage: storage)
            guard let m = try ledger.submit(mint: mint, time: 1_764_000_000_000).receipt,
                  let t = try ledger.submit([transfer], time: 1_764_000_000_500)[0].receipt
            else { preconditionFailure("the pool settles") }
            mintReceipt = m
            transferReceipt = t
            var more: [Mint] = []
            for serial in UInt64(8)...10 {
                more.append(try Mint.create(chain: genesis.chainID, serial: serial, payments: [Payment(to: bob.address, amount: 5)], issuer: issuer.spend))
            }
            batchReceipts = try ledger.submit(mints: more, time: 1_764_000_001_000).compactMap(\.receipt)
        } catch { preconditionFailure("pool builds: \(error)") }
    }
}

func roundTrip<T: Equatable>(_ value: T, _ json: (T) -> JSONValue,
                             _ decode: (JSONValue) throws(ProtocolError) -> T) throws -> Bool {
    let text = json(value).render()
    return try decode(try JSONValue.parse(Array(text.utf8))) == value
}

@Suite("API bodies")
struct BodiesTests {
    let pool = APIPool.shared

    @Test("a receipt survives its JSON form and is still certified by the ledger's validators")
    func receiptRoundTrip() throws {
        #expect(pool.batchReceipts.count == 3 && pool.batchReceipts.map(\.path.count) == [2, 2, 1])
        for r in [pool.mintReceipt, pool.transferReceipt] + pool.batchReceipts {
            let back = try Receipt(json: try JSONValue.parse(Array(r.json.render(pretty: true).utf8)))
            #expect(back == r)
            #expect(back.verify(genesis: pool.genesis))
        }
        #expect(pool.mintReceipt.json.render().contains("\"kind\":\"mint\""))
        let text = pool.batchReceipts[0].json.render()
        #expect(text.contains("\"version\":4") && text.contains("\"batch_first\":3") && text.contains("\"batch_size\":3"))
        #expect(text.contains("\"signers\":[{\"index\":0,\"signature\":\"\(ProtocolHex.encode(pool.batchReceipts[0].signers[0].signature))\"}]"))
        #expect(text.contains("\"path\":[\"\(ProtocolHex.encode(pool.batchReceipts[0].path[0]))\""))
    }

    @Test("a receipt JSON whose members disagree with its bytes, or has extra members, is refused")
    func receiptMismatch() throws {
        guard case let .object(members) = pool.batchReceipts[1].json else { Issue.record("not an object"); return }
        let replacements: [String: JSONValue] = [
            "batch_first": .int(4), "batch_size": .int(2), "path": .array([.string(String(repeating: "c", count: 64))]),
            "version": .int(1), "kind": .string("transfer"), "sequence": .int(99), "id": .string(String(repeating: "0", count: 64)),
            "time": .int(5), "chain_hash": .string(String(repeating: "a", count: 64)),
            "signers": .array([.object([JSONMember("index", .int(1)), JSONMember("signature", .string(String(repeating: "b", count: 128)))])]),
        ]
        for (key, value) in replacements {
            let changed = JSONValue.object(members.map { $0.key == key ? JSONMember(key, value) : $0 })
            #expect(throws: ProtocolError.self, "member \(key)") { try Receipt(json: changed) }
        }
        #expect(throws: ProtocolError.self) { try Receipt(json: .object(members + [JSONMember("extra", .int(1))])) }
        for key in ["bytes", "path", "batch_first", "batch_size", "signers"] {
            #expect(throws: ProtocolError.self, "without \(key)") { try Receipt(json: .object(members.filter { $0.key != key })) }
        }
        // Any changed byte inside `bytes` that still decodes breaks the signature or the member checks.
        let bytes = pool.batchReceipts[1].bytes
        for i in 0..<bytes.count {
            var b = bytes
            b[i] ^= 1
            let changed = JSONValue.object(members.map { $0.key == "bytes" ? JSONMember("bytes", .string(ProtocolHex.encode(b))) : $0 })
            if let r = try? Receipt(json: changed) {
                #expect(!r.verify(genesis: pool.genesis), "byte \(i)")
            }
        }
    }

    @Test("finalized, batch, notes, lookup, status and audit bodies round-trip")
    func bodies() throws {
        let f = FinalizedBody(isNew: true, receipt: pool.transferReceipt)
        #expect(try roundTrip(f, \.json) { (j) throws(ProtocolError) in try FinalizedBody(json: j) })
        let again = FinalizedBody(isNew: false, receipt: pool.mintReceipt)
        #expect(try roundTrip(again, \.json) { (j) throws(ProtocolError) in try FinalizedBody(json: j) })
        #expect(again.json.render().contains("\"mint_id\""))
        #expect(f.json.render().hasPrefix("{\"status\":\"finalized\",\"transfer_id\":"))

        let rejected = APIErrorBody(status: 409, code: "double_spend", message: "spent",
                                    extras: [JSONMember("note", .string("ab")), JSONMember("spent_by", .string("cd"))])
        let items: [BatchItem] = [.finalized(f), .rejected(rejected)]
        let parsed = try BatchBody.results(json: try JSONValue.parse(Array(BatchBody.results(items).render().utf8)))
        #expect(parsed == items)
        if case let .rejected(e) = parsed[1] { #expect(e.extra("spent_by") == "cd" && e.status == 409) }

        let notes = NotesBody(owner: pool.bob.address.encoded, sequence: 2,
                              notes: pool.transfer.createdNotes.filter { $0.owner == pool.bob.spend.publicKey })
        #expect(notes.notes.count == 1)
        #expect(try roundTrip(notes, \.json) { (j) throws(ProtocolError) in try NotesBody(json: j) })

        let lookup = TransferLookupBody(transfer: pool.transfer, receipt: pool.transferReceipt)
        #expect(try roundTrip(lookup, \.json) { (j) throws(ProtocolError) in try TransferLookupBody(json: j) })
        let wrong = TransferLookupBody(transfer: pool.transfer, receipt: pool.mintReceipt)
        #expect(throws: ProtocolError.self) { try TransferLookupBody(json: wrong.json) }

        let status = StatusBody(sequence: 2, chainHash: pool.transferReceipt.chainHash, chainID: pool.genesis.chainID.bytes,
                                receiptPublicKey: pool.genesis.validators[0].publicKey,
                                issuer: pool.issuer.address.encoded, minimumFee: 1, unspentNotes: 2, queueDepth: 0,
                                workers: 2, connections: 1, uptimeSeconds: 3, backend: "ifma")
        #expect(try roundTrip(status, \.json) { (j) throws(ProtocolError) in try StatusBody(json: j) })

        let audit = AuditBody(ok: true, notes: 2, supply: 998, minted: 1_000, fees: 2, transfers: 1, sequence: 2,
                              chainHash: pool.transferReceipt.chainHash)
        #expect(try roundTrip(audit, \.json) { (j) throws(ProtocolError) in try AuditBody(json: j) })
        let huge = AuditBody(ok: true, notes: 1, supply: .max, minted: .max, fees: 0, transfers: 0, sequence: 1,
                             chainHash: pool.transferReceipt.chainHash)
        #expect(try roundTrip(huge, \.json) { (j) throws(ProtocolError) in try AuditBody(json: j) })

        let err = try APIErrorBody(body: Array(rejected.json.render().utf8), status: 409)
        #expect(err == rejected)
    }

    @Test("events of every kind round-trip; sent events carry the spent ids and all outputs")
    func events() throws {
        let t = pool.transfer
        let sent = EventBody(sequence: 2, kind: .sent, id: t.id.bytes, time: 5, sender: t.sender.encoding, fee: t.fee,
                             spent: t.inputs, outputs: t.createdNotes)
        let received = EventBody(sequence: 2, kind: .received, id: t.id.bytes, time: 5, sender: t.sender.encoding,
                                 fee: t.fee, notes: Array(t.createdNotes.prefix(1)))
        let minted = EventBody(sequence: 1, kind: .minted, id: pool.mint.id.bytes, time: 4, sender: [], fee: 0,
                               notes: pool.mint.createdNotes)
        for e in [sent, received, minted] {
            #expect(try roundTrip(e, \.json) { (j) throws(ProtocolError) in try EventBody(json: j) })
        }
        #expect(sent.json.render().contains("\"notes\":[{\"id\":\"\(t.inputs[0].hex)\"}]"))
    }

    @Test("binary batch framing round-trips and every broken framing is refused")
    func batchFraming() throws {
        let items: [[UInt8]] = [pool.transfer.bytes, [1, 2, 3], []]
        let body = BatchBody.binary(items)
        #expect(try BatchBody.splitBinary(body).map { Array($0) } == items)
        for n in 0..<body.count {
            #expect(throws: ProtocolError.self, "prefix \(n)") { try BatchBody.splitBinary(Array(body.prefix(n))) }
        }
        #expect(throws: ProtocolError.trailingBytes(count: 1)) { try BatchBody.splitBinary(body + [0]) }
        #expect(throws: ProtocolError.self) { try BatchBody.splitBinary(BatchBody.binary([])) }
        #expect(throws: ProtocolError.self) {
            try BatchBody.splitBinary(BatchBody.binary([[UInt8]](repeating: [], count: BatchBody.maxTransfers + 1)))
        }
        #expect(try BatchBody.splitBinary(BatchBody.binary([[UInt8]](repeating: [9], count: BatchBody.maxTransfers))).count
            == BatchBody.maxTransfers)
        let huge: [UInt8] = [0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]
        #expect(throws: ProtocolError.self) { try BatchBody.splitBinary(huge) }
        let json = BatchBody.json([pool.transfer])
        for text in [json.render(), json.render(pretty: true)] {
            let split = try BatchBody.splitJSON(text: Array(text.utf8))
            #expect(split.count == 1)
            #expect(try Transfer(json: try JSONValue.parse(split[0])) == pool.transfer)
        }
        // Elements are cut at their own level only: brackets and commas inside strings and
        // nested values stay inside their element; broken framing is refused.
        let nested = #"{"transfers": [{"a": "],[,\"}"}, [1, [2, {"b": []}]], "x", 7, true]}"#
        let parts = try BatchBody.splitJSON(text: Array(nested.utf8)).map { String(decoding: $0, as: UTF8.self) }
        #expect(parts == [#"{"a": "],[,\"}"}"#, #"[1, [2, {"b": []}]]"#, #""x""#, "7", "true"])
        let refused: [(String, ProtocolError?)] = [
            (#"{"transfers": []}"#, .countOutOfRange(field: "transfers", count: 0, allowed: "1...\(BatchBody.maxTransfers)")),
            (#"{"transfers": [1], "x": 1}"#, nil),
            (#"{"x": [1]}"#, nil),
            (#"{"transfers": [1,]}"#, nil),
            (#"{"transfers": [[1}]}"#, nil),
            (#"{"transfers": ["abc]}"#, nil),
            (#"{"transfers": [1] "#, nil),
            (#"{"transfers": [1]} x"#, nil),
            (#"[1]"#, nil),
            (#"{"transfers": ["# + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "]}", nil),
            (#"{"transfers": ["# + Array(repeating: "{}", count: BatchBody.maxTransfers + 5).joined(separator: ",") + "]}",
             .countOutOfRange(field: "transfers", count: BatchBody.maxTransfers + 5, allowed: "1...\(BatchBody.maxTransfers)")),
        ]
        for (text, error) in refused {
            if let error {
                #expect(throws: error, "\(text.prefix(40))") { try BatchBody.splitJSON(text: Array(text.utf8)) }
            } else {
                #expect(throws: ProtocolError.self, "\(text.prefix(40))") { try BatchBody.splitJSON(text: Array(text.utf8)) }
            }
        }
    }

    @Test("the binary batch response round-trips every kind of item, and broken ones are refused naming the item")
    func binaryResults() throws {
        let rejected = APIErrorBody(status: 409, code: "double_spend", message: "spent",
                                    extras: [JSONMember("note", .string("ab")), JSONMember("spent_by", .string("cd"))])
        let items: [BatchItem] = [.finalized(FinalizedBody(isNew: true, receipt: pool.transferReceipt)), .rejected(rejected),
                                  .finalized(FinalizedBody(isNew: false, receipt: pool.mintReceipt))]
        let body = BatchBody.binaryResults(items)
        #expect(try BatchBody.results(binary: body) == items)
        #expect(try BatchBody.results(binary: BatchBody.binaryResults([])) == [])
        for n in 0..<body.count {
            #expect(throws: ProtocolError.self, "prefix \(n)") { try BatchBody.results(binary: Array(body.prefix(n))) }
        }
        #expect(throws: ProtocolError.trailingBytes(count: 1)) { try BatchBody.results(binary: body + [0]) }
        var badKind = body
        badKind[4] = 3
        #expect(throws: ProtocolError.invalidEncoding(field: "results[0].kind", reason: "3 is not 0, 1 or 2")) {
            try BatchBody.results(binary: badKind)
        }
        var badReceipt = body
        badReceipt[9] ^= 0xff  // the receipt's first byte
        #expect(throws: ProtocolError.self) { try BatchBody.results(binary: badReceipt) }
    }

    @Test("validator URLs: http://HOST:PORT only")
    func urls() throws {
        let good: [(String, String, UInt16)] = [
            ("http://127.0.0.1:7878", "127.0.0.1", 7878), ("http://localhost:80/", "localhost", 80),
            ("http://validator.example", "validator.example", 80), ("http://[::1]:9000", "::1", 9000),
        ]
        for (text, host, port) in good {
            let u = try ValidatorURL(parsing: text)
            #expect(u.host == host && u.port == port, "\(text)")
        }
        #expect(try ValidatorURL(parsing: "http://[::1]:9000").description == "http://[::1]:9000")
        for bad in ["", "127.0.0.1:7878", "https://x:1", "http://", "http://x:0", "http://x:70000", "http://x:1/v1",
                    "http://u@x:1", "http://x y:1", "http://x:1?a", "http://[::1", "ftp://x"] {
            #expect(throws: ValidatorClientError.self, "\(bad)") { try ValidatorURL(parsing: bad) }
        }
    }
}

@Suite("Validator client")
struct ValidatorClientTests {
    let pool = APIPool.shared

    @Test("a refused connection is reported as an unreachable validator with the URL")
    func unreachable() throws {
        // Bind a port, then close the server so nothing listens there.
        let server = try Server(port: 0) { _, r in _ = r.respond(.json(.ok, "{}")) }
        let port = server.port
        server.shutdown(gracePeriod: 0)
        let client = ValidatorClient(url: try ValidatorURL(parsing: "http://127.0.0.1:\(port)"), timeout: 2)
        do throws(ValidatorClientError) {
            _ = try client.status()
            Issue.record("expected an error")
        } catch {
            guard case .unreachable = error else { Issue.record("got \(error)"); return }
            #expect("\(error)".contains("127.0.0.1:\(port)") && "\(error)".contains("zkpay validator run"))
        }
    }

    @Test("answers are decoded with the shared bodies; error bodies become typed rejections")
    func answers() throws {
        let pool = self.pool
        let server = try Server(port: 0) { req, r in
            switch (req.method, String(req.path)) {
            case ("POST", "/v1/transfers"):
                if req.headers["Content-Type"] == "application/octet-stream", (try? Transfer(bytes: req.body)) == pool.transfer {
                    _ = r.respond(.json(.ok, FinalizedBody(isNew: true, receipt: pool.transferReceipt).json.render()))
                } else {
                    let e = APIErrorBody(status: 409, code: "double_spend", message: "already spent",
                                         extras: [JSONMember("spent_by", .string("ff"))])
                    _ = r.respond(Response.json(.conflict, e.json.render()))
                }
            case ("GET", "/v1/transfers/\(pool.transfer.id.hex)"):
                _ = r.respond(.json(.ok, TransferLookupBody(transfer: pool.transfer, receipt: pool.transferReceipt).json.render()))
            case ("GET", _):
                _ = r.respond(.error(.notFound, code: "not_found", message: "no such thing"))
            default:
                _ = r.respond(.error(.methodNotAllowed, code: "method_not_allowed", message: "no"))
            }
        }
        defer { server.shutdown(gracePeriod: 0) }
        let client = ValidatorClient(url: try ValidatorURL(parsing: "http://127.0.0.1:\(server.port)"), timeout: 5)
        #expect(try client.submit(pool.transfer).receipt == pool.transferReceipt)
        do throws(ValidatorClientError) {
            _ = try client.submit(pool.transfer, json: true)
            Issue.record("expected a rejection")
        } catch {
            #expect(error.code == "double_spend")
            if case let .rejected(e) = error { #expect(e.status == 409 && e.extra("spent_by") == "ff") }
        }
        #expect(try client.transfer(id: pool.transfer.id)?.receipt == pool.transferReceipt)
        let other = TransferID(uncheckedBytes: [UInt8](repeating: 1, count: 32))
        #expect(try client.transfer(id: other) == nil)
        #expect(throws: ValidatorClientError.self) { try client.status() }
    }
}
