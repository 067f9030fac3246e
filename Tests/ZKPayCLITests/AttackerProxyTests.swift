import Foundation
import HTTP1
import Ristretto255
import Sodium
import Synchronization
import Testing
import ZKPayCore

/// A man in the middle on loopback in front of a real validator: it forwards every request
/// and, depending on its attack, changes what a victim address is told (docs/notes/
/// security.md). The validator behind it is real; only the proxy lies.
final class AttackerProxy: Sendable {
    enum Attack: Sendable {
        /// Forward everything unchanged.
        case honest
        /// Add `fake` notes of the victim to its note list, each announced by an event
        /// naming a transfer or mint that never settled (`fakeEvents`).
        case inventNotes(fake: [Note], events: [EventBody])
        /// Give the victim's notes (note list and events) the output `replacement`, keeping their ids.
        case rewriteNotes(replacement: Output)
        /// Answer transfer lookups with a receipt signed by another key (same fields otherwise).
        case foreignReceipt(key: Ed25519KeyPair)
        /// Replace the victim's output in looked-up transfers, and its notes everywhere, by
        /// `replacement`: the story stays consistent except for the receipted id.
        case replaceTransferOutput(replacement: Output)
        /// Forward, and add a heartbeat comment to every event stream every 0.1 s.
        case chattyHeartbeats
        /// Name `other` (a settled transfer that did not create them) as the parent of the
        /// victim's notes in its events.
        case misattribute(other: [UInt8])
        /// Answer every transfer lookup with the settled transfer `other` and its receipt.
        case swapLookup(other: [UInt8])
    }

    let server: Server
    var url: String { "http://127.0.0.1:\(server.port)" }

    init(target: String, victim: Address, attack: Attack) throws {
        let port = UInt16(target.split(separator: ":").last ?? "") ?? 0
        let victimKey = victim.spendKey
        server = try Server(port: 0) { request, responder in
            Thread {
                if request.method == "GET", request.target.hasPrefix("/v1/events") {
                    Self.relayEvents(request, responder, port: port, victimKey: victimKey, attack: attack)
                    return
                }
                let client = HTTPClient(port: port, timeout: 30)
                defer { client.close() }
                var headers = Headers()
                if let type = request.headers["Content-Type"] { headers.append("Content-Type", type) }
                var target = request.target
                if case let .swapLookup(other) = attack, target.hasPrefix("/v1/transfers/") {
                    target = "/v1/transfers/" + ProtocolHex.encode(other)
                }
                guard let r = try? client.request(request.method, target, headers: headers, body: request.body) else {
                    return
                }
                var body = r.body
                if r.status == 200 {
                    body = Self.tamper(request.target, body, victimKey: victimKey, attack: attack)
                }
                var out = Headers()
                if let type = r.headers["Content-Type"] { out.append("Content-Type", type) }
                _ = responder.respond(Response(status: Status(r.status, r.reason), headers: out, body: body))
            }.start()
        }
    }

    deinit { server.shutdown(gracePeriod: 1) }

    /// The victim's notes with their output replaced (ids kept).
    static func replaced(_ notes: [Note], _ victimKey: RistrettoPoint, by output: Output) -> [Note] {
        notes.map { $0.owner == victimKey ? Note(id: $0.id, output: output) : $0 }
    }

    /// Changes a 200 answer of a plain request.
    static func tamper(_ target: String, _ body: [UInt8], victimKey: RistrettoPoint, attack: Attack) -> [UInt8] {
        guard let json = try? JSONValue.parse(body) else { return body }
        if target.hasPrefix("/v1/notes"), var notes = try? NotesBody(json: json) {
            switch attack {
            case let .inventNotes(fake, _): notes.notes += fake
            case let .rewriteNotes(output), let .replaceTransferOutput(output):
                notes.notes = replaced(notes.notes, victimKey, by: output)
            default: return body
            }
            return Array(notes.json.render().utf8)
        }
        if target.hasPrefix("/v1/transfers/"), let found = try? TransferLookupBody(json: json) {
            switch attack {
            case let .foreignReceipt(key):
                guard let forged = forge(found.receipt, with: key, chain: found.transfer.chainID) else { return body }
                return Array(TransferLookupBody(transfer: found.transfer, receipt: forged).json.render().utf8)
            case let .replaceTransferOutput(output):
                guard let t = replacingOutput(of: found.transfer, owner: victimKey, with: output) else { return body }
                return Array(TransferLookupBody(transfer: t, receipt: found.receipt).json.render().utf8)
            default: return body
            }
        }
        return body
    }

    /// `receipt` with its signers replaced by one signature of `key` (not a validator's) in
    /// validator 0's place, over the batch message of the ledger `chain`.
    static func forge(_ receipt: Receipt, with key: Ed25519KeyPair, chain: ChainID) -> Receipt? {
        guard let message = receipt.signedMessage(chain: chain) else { return nil }
        return try? Receipt(bytes: Array(receipt.unsigned) + [1, 0] + key.sign(message))
    }

    /// `transfer` with the output owned by the victim replaced (its id changes with its bytes).
    static func replacingOutput(of transfer: Transfer, owner: RistrettoPoint, with output: Output) -> Transfer? {
        guard let j = transfer.outputs.firstIndex(where: { $0.owner == owner }) else { return nil }
        var w = ByteWriter()
        output.encode(to: &w)
        var bytes = transfer.bytes
        let start = transfer.layout.output(j)
        bytes.replaceSubrange(start..<(start + Output.encodedLength), with: w.bytes)
        return try? Transfer(bytes: bytes)
    }

    /// Relays `GET /v1/events` from the validator, changing the victim's events by the attack.
    static func relayEvents(_ request: Request, _ responder: Responder, port: UInt16, victimKey: RistrettoPoint?,
                            attack: Attack) {
        let upstream: EventStreamReader
        do { upstream = try HTTPClient(port: port, timeout: 30).openEventStream(request.target) } catch {
            _ = responder.respond(Response(status: Status(502, "Bad Gateway"), body: Array("upstream: \(error)".utf8)))
            return
        }
        guard let stream = responder.startEventStream() else { return }
        defer { stream.close() }
        if case let .inventNotes(_, events) = attack {
            for e in events {
                _ = try? stream.send(ServerSentEvent(id: String(e.sequence), event: e.kind.rawValue, data: e.json.render()))
            }
        }
        if case .chattyHeartbeats = attack {
            Thread {
                while stream.isOpen, stream.comment("heartbeat") { Thread.sleep(forTimeInterval: 0.1) }
            }.start()
        }
        while stream.isOpen, let message = try? upstream.next() {
            switch message {
            case let .comment(text): _ = stream.comment(text)
            case var .event(e):
                if let parsed = try? JSONValue.parse(Array(e.data.utf8)), var body = try? EventBody(json: parsed) {
                    switch attack {
                    case let .rewriteNotes(output), let .replaceTransferOutput(output):
                        guard let victimKey else { break }
                        body.notes = replaced(body.notes, victimKey, by: output)
                        body.outputs = replaced(body.outputs, victimKey, by: output)
                    case let .misattribute(other) where body.kind == .received:
                        body.id = other
                    default: break
                    }
                    e.data = body.json.render()
                }
                guard (try? stream.send(e)) == true else { return }
            }
        }
    }
}

@Suite("wallets credit only notes settled under the pinned key (an attacker proxy before a real validator)")
struct AttackerProxyTests {
    /// A mint by a key that is not the ledger's issuer, paying `to`: notes that open with the
    /// victim's keys but were never settled.
    static func foreignMint(to: Address, amount: UInt64, serial: UInt64) throws -> Mint {
        let keys = try WalletKeys(seed: SecretBytes(copying: (0..<32).map { UInt8($0) &+ UInt8(truncatingIfNeeded: serial) }))
        return try Mint.create(chain: ChainID(uncheckedBytes: [UInt8](repeating: 0, count: 32)), serial: serial, payments: [Payment(to: to, amount: amount, text: Array("forged".utf8))],
                               issuer: keys.spend)
    }

    @Test("honest relay credits; invented or rewritten notes, foreign receipts, replaced outputs, misattributed notes and swapped lookups do not")
    func attacks() throws {
        let (zkpay, home, validator, _) = try WalletCLITests.world("attack")
        defer {
            validator.stop()
            try? FileManager.default.removeItem(atPath: home)
            try? FileManager.default.removeItem(atPath: validator.data)
        }
        try zkpay.expect(["mint", "--wallet", "issuer", "--to", "alice", "--amount", "10"], 0)

        /// A new wallet paid 1 coin by alice through the validator itself.
        func paidVictim(_ name: String) throws -> Address {
            let created = try zkpay.expect(["wallet", "create", name, "--json"], 0)
            let address = try Address(parsing: try #require(try jsonObject(created.out)["address"] as? String))
            try zkpay.expect(["send", "--wallet", "alice", "--to", address.encoded, "--amount", "1"], 0)
            return address
        }
        /// The victim's balance (units) as told through `proxy`, and what it printed on stderr.
        func balance(_ name: String, via url: String) throws -> (units: Int?, rejected: Int?, err: String) {
            let r = try zkpay.expect(["balance", "--wallet", name, "--validator", url, "--json"], 0)
            let o = try jsonObject(r.out)
            return (o["units"] as? Int, o["rejected_notes"] as? Int, r.err)
        }

        // (a) An honest relay: the payment is verified and credited.
        let a = try paidVictim("honest")
        let honest = try AttackerProxy(target: validator.url, victim: a, attack: .honest)
        let seen = try balance("honest", via: honest.url)
        #expect(seen.units == 1_000_000, "\(seen.err)")
        #expect(seen.rejected == 0 && !seen.err.contains("warning"), "\(seen.err)")

        // (b) Notes of a transfer and a mint that never settled, announced by invented events.
        let b = try paidVictim("invented")
        let fakeMint = try Self.foreignMint(to: b, amount: 7_000_000, serial: 900)
        let fakeTransferNote = try Self.foreignMint(to: b, amount: 5_000_000, serial: 901).createdNotes[0]
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let events = [
            EventBody(sequence: 1, kind: .minted, id: fakeMint.id.bytes, time: now, sender: [], fee: 0,
                      notes: fakeMint.createdNotes),
            EventBody(sequence: 1, kind: .received, id: Array(repeating: 0xab, count: 32), time: now,
                      sender: fakeMint.issuer.encoding, fee: 1, notes: [fakeTransferNote]),
            // A payment "sent" by the victim's key (from another wallet of the same seed, it claims).
            EventBody(sequence: 9_999, kind: .sent, id: Array(repeating: 0xcd, count: 32), time: now,
                      sender: b.spendKey.encoding, fee: 1),
        ]
        let inventing = try AttackerProxy(target: validator.url, victim: b,
                                          attack: .inventNotes(fake: fakeMint.createdNotes + [fakeTransferNote], events: events))
        let invented = try balance("invented", via: inventing.url)
        #expect(invented.units == 1_000_000, "\(invented.err)")
        #expect(invented.rejected == 2, "\(invented.err)")
        #expect(invented.err.contains("the ledger has not settled that mint"), "\(invented.err)")
        #expect(invented.err.contains("the ledger has not settled that transfer"), "\(invented.err)")
        // (watch exits 124 when its timeout passes with nothing shown.)
        let watched = try zkpay.expect(["watch", "--wallet", "invented", "--timeout", "2", "--validator", inventing.url], 124)
        #expect(watched.err.contains("reported as sent by this wallet was not shown: the ledger has not settled that transfer"),
                "\(watched.err)")
        #expect(!watched.out.contains("sent"), "\(watched.out)")
        let history = try zkpay.expect(["history", "--wallet", "invented", "--json"], 0).out
        #expect(!history.contains("forged") && !history.contains(String(repeating: "cd", count: 32)), "\(history)")

        // (c) The victim's note rewritten to another output (a larger amount, sealed to it).
        let c = try paidVictim("rewritten")
        let richer = try Self.foreignMint(to: c, amount: 9_000_000, serial: 902).outputs[0].output
        let rewriting = try AttackerProxy(target: validator.url, victim: c, attack: .rewriteNotes(replacement: richer))
        let rewritten = try balance("rewritten", via: rewriting.url)
        #expect(rewritten.units == 0, "\(rewritten.err)")
        #expect(rewritten.err.contains("its bytes differ from output"), "\(rewritten.err)")

        // (d) The transfer served with a receipt signed by a key that is not the pinned one.
        let d = try paidVictim("foreign")
        let forging = try AttackerProxy(target: validator.url, victim: d, attack: .foreignReceipt(key: Ed25519KeyPair()))
        let foreign = try balance("foreign", via: forging.url)
        #expect(foreign.units == 0, "\(foreign.err)")
        #expect(foreign.err.contains("is not certified by the validators of the ledger pinned"), "\(foreign.err)")

        // (e) The transfer's output replaced by another (and the note with it): the transfer no
        // longer hashes to the id its receipt settles.
        let e = try paidVictim("replaced")
        let other = try Self.foreignMint(to: e, amount: 9_000_000, serial: 903).outputs[0].output
        let replacing = try AttackerProxy(target: validator.url, victim: e, attack: .replaceTransferOutput(replacement: other))
        let replaced = try balance("replaced", via: replacing.url)
        #expect(replaced.units == 0, "\(replaced.err)")
        #expect(replaced.err.contains("disagree"), "\(replaced.err)")

        // (f) The victim's note attributed to another settled transfer: its id does not derive
        // from that transfer's id.
        let sent = try zkpay.expect(["send", "--wallet", "alice", "--to", a.encoded, "--amount", "1", "--json"], 0)
        let otherID = try #require(try jsonObject(sent.out)["transfer_id"] as? String)
        let otherTransfer = try #require(ProtocolHex.decode(otherID))
        let f = try paidVictim("misattributed")
        let misattributing = try AttackerProxy(target: validator.url, victim: f, attack: .misattribute(other: otherTransfer))
        let misattributed = try balance("misattributed", via: misattributing.url)
        #expect(misattributed.units == 0, "\(misattributed.err)")
        #expect(misattributed.err.contains("its id is not the id of any output"), "\(misattributed.err)")

        // (g) Lookups answered with another settled transfer and its (valid) receipt.
        let g = try paidVictim("swapped")
        let swapping = try AttackerProxy(target: validator.url, victim: g, attack: .swapLookup(other: otherTransfer))
        let swapped = try balance("swapped", via: swapping.url)
        #expect(swapped.units == 0, "\(swapped.err)")
        #expect(swapped.err.contains("settles another object"), "\(swapped.err)")

        // Nothing refused was remembered as refused: asked directly, every payment is credited.
        for name in ["invented", "rewritten", "foreign", "replaced", "misattributed", "swapped"] {
            let direct = try balance(name, via: validator.url)
            #expect(direct.units == 1_000_000, "\(name): \(direct.err)")
            #expect(direct.rejected == 0, "\(name): \(direct.err)")
        }
    }

    @Test("watch --timeout ends on time while a proxy keeps the stream alive with heartbeats")
    func watchDeadlineDespiteHeartbeats() throws {
        let (zkpay, home, validator, addresses) = try WalletCLITests.world("chatty")
        defer {
            validator.stop()
            try? FileManager.default.removeItem(atPath: home)
            try? FileManager.default.removeItem(atPath: validator.data)
        }
        let bob = try Address(parsing: try #require(addresses["bob"]))
        let chatty = try AttackerProxy(target: validator.url, victim: bob, attack: .chattyHeartbeats)
        let started = Date()
        let watch = try zkpay.start(["watch", "--wallet", "bob", "--timeout", "1", "--validator", chatty.url])
        // Each heartbeat restarted the read timeout, so the watch never ended: give it 20 s.
        while watch.process.isRunning, Date().timeIntervalSince(started) < 20 { Thread.sleep(forTimeInterval: 0.1) }
        let elapsed = Date().timeIntervalSince(started)
        // SIGKILL: the child may inherit a signal mask that blocks SIGTERM.
        if watch.process.isRunning { kill(watch.process.processIdentifier, SIGKILL) }
        let r = ZKPay.collect(watch)
        #expect(r.code == 124, "exit \(r.code) after \(elapsed) s\nout: \(r.out)\nerr: \(r.err)")
        #expect(r.out.contains("no payment within 1 s"), "\(r.out)")
        #expect(elapsed < 15, "the watch took \(elapsed) s")
    }
}
