import BatchVerify
import Foundation
import Ristretto255
import Sodium
import Testing
import TestSupport
@testable import ZKPayCore

/// The cases of Fixtures/transfers.json, parsed with the library's own JSON reader.
struct TransferCase: Sendable, CustomStringConvertible {
    let name: String
    let valid: Bool
    let inputs: [InputNote]
    let transfer: [UInt8]
    let error: String?
    var description: String { name }

    static let all: [TransferCase] = {
        do {
            let data = try Fixtures.data("transfers.json")
            var file = try JSONObjectReader(JSONValue.parse(Array(data)), path: "$")
            _ = try file.string("kind")
            _ = try file.string("description")
            return try file.array("cases").map { v in
                var c = try JSONObjectReader(v, path: "case")
                let name = try c.string("name")
                _ = try c.string("description")
                let valid = try c.bool("valid")
                let inputs = try c.array("inputs").map { try InputNote(json: $0) }
                let transfer = try c.hex("transfer")
                let error = valid ? nil : try c.string("error")
                try c.finish()
                return TransferCase(name: name, valid: valid, inputs: inputs, transfer: transfer, error: error)
            }
        } catch {
            Issue.record("cannot load Fixtures/transfers.json: \(error)")
            return []
        }
    }()

    static var validCases: [TransferCase] { all.filter(\.valid) }
    static var invalidCases: [TransferCase] { all.filter { !$0.valid } }
}

/// Decodes and verifies; returns the error code or nil.
func verdict(_ bytes: [UInt8], _ inputs: [InputNote]) -> String? {
    do {
        let t = try Transfer(bytes: bytes)
        try TransferVerifier.verifyVartime(t, inputs: inputs)
        return nil
    } catch { return error.code }
}

@Suite("Transfer fixtures")
struct TransferFixtureTests {
    @Test("the fixture file holds at least 10 valid and 20 invalid cases covering 1-16 inputs and 1-16 outputs")
    func coverage() throws {
        #expect(TransferCase.validCases.count >= 10)
        #expect(TransferCase.invalidCases.count >= 20)
        let valid = try TransferCase.validCases.map { try Transfer(bytes: $0.transfer) }
        #expect(Set(valid.map(\.outputs.count)) == [1, 2, 4, 8, 16])
        #expect(Set(valid.map(\.inputs.count)).isSuperset(of: [1, 2, 3, 4]))
        #expect(valid.contains { $0.fee == 0 } && valid.contains { $0.fee > 0 })
    }

    @Test("the JSON form written in Python from the documented layout (the fuzz seed) decodes to the fixture's transfer")
    func independentJSON() throws {
        let c = try #require(TransferCase.all.first { $0.name == "valid-1in-2out-fee" })
        let json = try JSONValue.parse(Array(try Fixtures.data("fuzz/json/transfer-valid-1in-2out-fee")))
        let t = try Transfer(json: json)
        #expect(t.bytes == c.transfer)
        #expect(t.auditorSection.auditorCount == 0)
    }

    @Test("every fixture transfer, and bit flips of the valid ones, decode to the same transfer or fail with the same error on ifma as on portable",
          .enabled(if: TestBackends.runs(.ifma), "this CPU lacks AVX-512 IFMA: the ifma backend cannot run here"))
    func ifmaDecodingMatchesPortable() {
        decodingMatchesPortable(.ifma)
    }

    /// Decodes every fixture transfer and bit-flipped valid ones on `backend` and on portable.
    func decodingMatchesPortable(_ backend: Backend) {
        var rng = SeededRNG(seed: 0xba7c_4001)
        print("seed", rng.seed)
        var inputs = TransferCase.all.map(\.transfer)
        for c in TransferCase.validCases {
            for _ in 0..<testIterations(20) {
                var b = c.transfer
                b[Int(rng.next() % UInt64(b.count))] ^= UInt8(1) << UInt8(rng.next() % 8)
                inputs.append(b)
            }
        }
        for (k, bytes) in inputs.enumerated() {
            let reference = Result { () throws(ProtocolError) in try Transfer(bytes: bytes, backend: .portable) }
            let got = Result { () throws(ProtocolError) in try Transfer(bytes: bytes, backend: backend) }
            switch (got, reference) {
            case let (.success(a), .success(b)): #expect(a == b, "input \(k)")
            case let (.failure(a), .failure(b)): #expect(a == b, "input \(k)")
            default: Issue.record("\(backend) and portable disagree on input \(k): \(got) against \(reference)")
            }
        }
    }

    @Test("every valid fixture transfer decodes, re-encodes identically and verifies", arguments: TransferCase.validCases)
    func validCase(_ c: TransferCase) throws {
        let t = try Transfer(bytes: c.transfer)
        #expect(t.bytes == c.transfer)
        // The verifier feeds these slices to the range-proof transcript.
        #expect(t.outputCommitmentEncodings == t.outputs.map(\.commitment.encoding))
        try TransferVerifier.verifyVartime(t, inputs: c.inputs)
    }

    @Test("every invalid fixture transfer is rejected with its error code", arguments: TransferCase.invalidCases)
    func invalidCase(_ c: TransferCase) {
        #expect(verdict(c.transfer, c.inputs) == c.error)
    }

    @Test("transfers round-trip through binary and JSON; the JSON decoder is as strict as the binary one")
    func roundTrips() throws {
        for c in TransferCase.validCases {
            let t = try Transfer(bytes: c.transfer)
            let text = t.json.render()
            let back = try Transfer(json: JSONValue.parse(Array(text.utf8)))
            #expect(back == t && back.bytes == c.transfer)
            #expect(back.id == t.id)
        }
        let t = try Transfer(bytes: TransferCase.validCases[1].transfer)
        guard case let .object(members) = t.json else { Issue.record("not an object"); return }
        for drop in members.indices {
            var m = members
            m.remove(at: drop)
            #expect(protocolError { _ = try Transfer(json: .object(m)) }?.code == "invalid_json")
        }
        var extra = members
        extra.append(JSONMember("note", .string("x")))
        #expect(protocolError { _ = try Transfer(json: .object(extra)) }?.code == "invalid_json")
        var badFee = members
        badFee[4] = JSONMember("fee", .int(10))
        #expect(protocolError { _ = try Transfer(json: .object(badFee)) }?.code == "invalid_json")
        var badPoint = members
        badPoint[7] = JSONMember("excess", .hex(TestKeys.nonCanonicalPoint))
        #expect(protocolError { _ = try Transfer(json: .object(badPoint)) } == .nonCanonicalPoint(field: "excess"))
    }

    @Test("the transfer id is BLAKE2b-256 keyed zkpay/transfer-id/v3 of the encoding; note ids follow from it")
    func ids() throws {
        let t = try Transfer(bytes: TransferCase.validCases[4].transfer)
        #expect(t.id.bytes == Hash.blake2b(t.bytes, outputLength: 32, key: Array("zkpay/transfer-id/v3".utf8)))
        #expect(t.outputIDs == t.outputs.indices.map { NoteID(transfer: t.id, outputIndex: $0) })
        #expect(Set(t.outputIDs).count == t.outputs.count)
        #expect(t.createdNotes.map(\.output) == t.outputs)
    }
}

@Suite("Transfer encoding and verification")
struct TransferVerificationTests {
    @Test("every single-byte change of a valid transfer is rejected by decoding or verification")
    func everyByte() throws {
        let c = TransferCase.validCases[1]
        var decodeRejections = 0, verifyRejections = 0
        for i in c.transfer.indices {
            var t = c.transfer
            t[i] ^= 0x01 << UInt8(i % 8)
            do {
                let decoded = try Transfer(bytes: t)
                do {
                    try TransferVerifier.verifyVartime(decoded, inputs: c.inputs)
                    Issue.record("byte \(i) changed and the transfer still verifies")
                } catch { verifyRejections += 1 }
            } catch { decodeRejections += 1 }
        }
        print("byte flips rejected: \(decodeRejections) by decoding, \(verifyRejections) by verification")
        #expect(decodeRejections + verifyRejections == c.transfer.count)
    }

    @Test("an invalid encoding at any point of a transfer is named, as decoding field by field names it (batch decoding keeps the order)")
    func everyPointNamed() throws {
        for c in TransferCase.validCases.prefix(4) {
            let bytes = c.transfer
            let inputs = Int(bytes[TransferLayout.inputCountOffset])
            let outputsStart = TransferLayout.inputCountOffset + 2 + 32 * inputs, outputs = Int(bytes[outputsStart - 1])
            var fields: [(Int, String)] = []
            for j in 0..<outputs {
                let o = outputsStart + 217 * j
                fields += [(o, "outputs[\(j)].owner"), (o + 32, "outputs[\(j)].commitment"),
                           (o + 64, "outputs[\(j)].memo.ephemeral_key")]
            }
            let proofStart = outputsStart + 217 * outputs + 10
            let rounds = (6 + outputs.trailingZeroBitCount)
            fields += [(proofStart, "range_proof.A"), (proofStart + 32, "range_proof.S"),
                       (proofStart + 64, "range_proof.T_1"), (proofStart + 96, "range_proof.T_2")]
            for r in 0..<rounds {
                fields += [(proofStart + 224 + 64 * r, "range_proof.L_\(r + 1)"),
                           (proofStart + 256 + 64 * r, "range_proof.R_\(r + 1)")]
            }
            let tail = proofStart + 32 * (9 + 2 * rounds) + 1  // after the auditor count (0: no auditors)
            #expect(tail + 192 == bytes.count)
            fields += [(tail, "excess"), (tail + 32, "balance_signature.R"), (tail + 96, "sender"),
                       (tail + 128, "authorization.R")]
            for (offset, name) in fields {
                var t = bytes
                for k in 0..<32 { t[offset + k] = 0xff }     // >= p: never canonical
                #expect(protocolError { _ = try Transfer(bytes: t) } == .nonCanonicalPoint(field: name), "\(name)")
            }
            // Two bad points: the first in wire order is the one named.
            var t = bytes
            for k in 0..<32 { t[tail + k] = 0xff; t[outputsStart + 32 + k] = 0xff }
            #expect(protocolError { _ = try Transfer(bytes: t) } == .nonCanonicalPoint(field: "outputs[0].commitment"))
            // A valid transfer decodes to the same object however its points were decoded.
            let decoded = try Transfer(bytes: bytes)
            #expect(decoded.outputs.map(\.commitment) == (0..<outputs).map {
                try! RistrettoPoint(encoding: bytes[(outputsStart + 217 * $0 + 32)..<(outputsStart + 217 * $0 + 64)])
            })
            #expect(decoded.bytes == bytes)
        }
    }

    @Test("every truncation of a valid transfer is rejected as truncated")
    func truncations() {
        let bytes = TransferCase.validCases[0].transfer
        for n in 0..<bytes.count {
            #expect(protocolError { _ = try Transfer(bytes: bytes.prefix(n)) }?.code == "truncated", "length \(n)")
        }
    }

    @Test("on every backend, a batch of many transfers gives the same verdicts as verifying each, and bisection names exactly the bad ones",
          arguments: TestBackends.supported)
    func batch(backend: Backend) throws {
        let verifier = BatchVerifier(backend: backend)
        var rng = SeededRNG(seed: 0xba7c_4000)
        print("seed", rng.seed)
        // Candidates that pass decoding and the structural rules: every valid case and the
        // invalid ones that fail only a statement.
        var pool: [(transfer: Transfer, inputs: [InputNote], expected: String?)] = []
        for c in TransferCase.all {
            guard let t = try? Transfer(bytes: c.transfer, backend: backend),
                  (try? TransferVerifier.statements(for: t, inputs: c.inputs, backend: backend)) != nil else { continue }
            pool.append((t, c.inputs, c.error))
        }
        #expect(pool.filter { $0.expected != nil }.count >= 8)
        for round in 0..<testIterations(4) {
            let size = 8 + Int(rng.next() % 25)
            let items = (0..<size).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }
            let reported = TransferVerifier.invalidTransfersVartime(items.map { ($0.transfer, $0.inputs) }, verifier: verifier)
            let expected = items.enumerated().compactMap { i, item in item.expected.map { (i, $0) } }
            #expect(reported.map(\.index) == expected.map(\.0), "round \(round)")
            #expect(reported.map(\.error.code) == expected.map(\.1), "round \(round)")
            // The same batch with statements built in slices and one check split across threads.
            let threads = Parallelism(ways: 2) { jobs in DispatchQueue.concurrentPerform(iterations: jobs.count) { jobs[$0]() } }
            let split = TransferVerifier.invalidTransfersVartime(items.map { ($0.transfer, $0.inputs) }, verifier: verifier,
                                                                parallelism: threads)
            #expect(split.map(\.index) == expected.map(\.0), "round \(round), split")
            #expect(split.map(\.error.code) == expected.map(\.1), "round \(round), split")
            let all = items.flatMap { (try? TransferVerifier.statements(for: $0.transfer, inputs: $0.inputs, backend: backend).all) ?? [] }
            #expect(verifier.verifyVartime(all) == expected.isEmpty)
        }
        let good = pool.filter { $0.expected == nil }
        #expect(TransferVerifier.invalidTransfersVartime(good.map { ($0.transfer, $0.inputs) }, verifier: verifier).isEmpty)
    }

    @Test("statements for a batch equal each transfer's own: the same errors (structural ones included) and statements that hold alike")
    func batchStatements() throws {
        var rng = SeededRNG(seed: 0xba7c_5000)
        print("seed", rng.seed)
        var items: [(transfer: Transfer, inputs: [InputNote])] = []
        for c in TransferCase.all {
            guard let t = try? Transfer(bytes: c.transfer) else { continue }
            items.append((t, c.inputs))
            // The same transfer with its input notes rotated or one dropped: structural errors.
            if c.inputs.count > 1 { items.append((t, Array(c.inputs.dropFirst()) + [c.inputs[0]])) }
            items.append((t, Array(c.inputs.dropLast())))
        }
        items.shuffle(using: &rng)
        let batch = TransferVerifier.statements(for: items, backend: TestBackends.fastest)
        #expect(batch.count == items.count)
        var failures = 0
        for (item, result) in zip(items, batch) {
            let single = Result { () throws(ProtocolError) in try TransferVerifier.statements(for: item.transfer, inputs: item.inputs) }
            switch (result, single) {
            case let (.success(a), .success(b)):
                #expect(a.firstFailureVartime(backend: TestBackends.fastest)?.code == b.firstFailureVartime(backend: TestBackends.fastest)?.code)
            case let (.failure(a), .failure(b)):
                #expect(a.code == b.code)
                failures += 1
            default: Issue.record("batch and single statements disagree")
            }
        }
        #expect(failures >= 10)
        #expect(TransferVerifier.statements(for: [], backend: TestBackends.fastest).isEmpty)
    }

    @Test("structural rules: input notes must match, no duplicates, all owned by the sender")
    func structural() throws {
        let c = TransferCase.validCases[3]  // two inputs
        let t = try Transfer(bytes: c.transfer)
        #expect(c.inputs.count == 2)
        #expect(protocolError { _ = try TransferVerifier.statements(for: t, inputs: [c.inputs[0]]) }
            == .inputNotesMismatch(index: 1))
        #expect(protocolError { _ = try TransferVerifier.statements(for: t, inputs: c.inputs.reversed()) }
            == .inputNotesMismatch(index: 0))
        let foreign = InputNote(id: c.inputs[1].id, owner: TestKeys.wallet(60).spend.publicKey,
                                commitment: c.inputs[1].commitment)
        #expect(protocolError { _ = try TransferVerifier.statements(for: t, inputs: [c.inputs[0], foreign]) }
            == .inputOwnerMismatch(index: 1))
        // A changed input commitment unbalances the excess.
        let shifted = InputNote(id: c.inputs[1].id, owner: c.inputs[1].owner,
                                commitment: c.inputs[1].commitment + .basepoint)
        #expect(protocolError { try TransferVerifier.verifyVartime(t, inputs: [c.inputs[0], shifted]) } == .excessMismatch)
    }
}

@Suite("Transfer builder")
struct TransferBuilderTests {
    static func owned(_ amount: UInt64, by wallet: WalletKeys, _ rng: inout SeededRNG) -> OwnedNote {
        let r = TestKeys.scalar(&rng)
        let input = InputNote(id: NoteID(transfer: TransferID(uncheckedBytes: rng.bytes(32)), outputIndex: 0),
                              owner: wallet.spend.publicKey, commitment: Pedersen.commit(amount: amount, blinding: r))
        return OwnedNote(input: input, amount: amount, blinding: SecretScalar(r))
    }

    @Test("a built transfer verifies; the recipient opens exactly its payment and the sender its change")
    func honest() throws {
        var rng = SeededRNG(seed: 0xb0b1)
        print("seed", rng.seed)
        let alice = TestKeys.wallet(70), bob = TestKeys.wallet(71), carol = TestKeys.wallet(72)
        let notes = [Self.owned(500, by: alice, &rng), Self.owned(700, by: alice, &rng)]
        let built = try TransferBuilder.build(chain: TestKeys.chain, from: alice, spending: notes,
                                              payments: [Payment(to: bob.address, amount: 1000, text: Array("rent".utf8))],
                                              fee: 7, changeText: Array("change".utf8))
        let t = built.transfer
        #expect(built.change == 193 && t.outputs.count == 2 && t.inputs.count == 2 && t.fee == 7)
        try TransferVerifier.verifyVartime(t, inputs: built.spent.map(\.input))
        let paid = try bob.open(t.outputs[0])
        #expect(paid.amount == 1000 && paid.text == Array("rent".utf8))
        #expect(protocolError { _ = try bob.open(t.outputs[1]) } == .noteNotOwned)
        let change = try alice.open(t.outputs[1])
        #expect(change.amount == 193 && change.text == Array("change".utf8))
        for o in t.outputs { #expect(protocolError { _ = try carol.open(o) } == .noteNotOwned) }
        // The change is spendable in a follow-up transfer.
        let next = OwnedNote(note: t.createdNotes[1], contents: change)
        let second = try TransferBuilder.build(chain: TestKeys.chain, from: alice, spending: [next], payments: [Payment(to: carol.address, amount: 93)],
                                               fee: 0)
        try TransferVerifier.verifyVartime(second.transfer, inputs: [next.input])
    }

    @Test("outputs are padded with zero-value outputs to the sender up to a power of two")
    func padding() throws {
        var rng = SeededRNG(seed: 0x9add)
        let alice = TestKeys.wallet(73)
        let recipients = (74..<80).map { TestKeys.wallet(UInt8($0)) }
        for (payments, withChange, expectedOutputs) in [(1, false, 1), (1, true, 2), (2, true, 4), (3, false, 4),
                                                        (4, true, 8), (5, true, 8)] {
            let total = UInt64(payments * 10) + (withChange ? 5 : 0)
            let note = Self.owned(total, by: alice, &rng)
            let built = try TransferBuilder.build(chain: TestKeys.chain, from: alice, spending: [note],
                                                  payments: (0..<payments).map { Payment(to: recipients[$0].address, amount: 10) },
                                                  fee: 0)
            let t = built.transfer
            #expect(t.outputs.count == expectedOutputs, "\(payments) payments, change \(withChange)")
            try TransferVerifier.verifyVartime(t, inputs: [note.input])
            let extra = t.outputs.dropFirst(payments)
            #expect(extra.allSatisfy { $0.owner == alice.spend.publicKey })
            let amounts = try extra.map { try alice.open($0).amount }
            #expect(amounts == (withChange ? [5] : []) + Array(repeating: 0, count: expectedOutputs - payments - (withChange ? 1 : 0)))
        }
    }

    @Test("the builder refuses what it cannot build, with the reason")
    func refusals() throws {
        var rng = SeededRNG(seed: 0x7ef0)
        let alice = TestKeys.wallet(81), bob = TestKeys.wallet(82)
        let note = Self.owned(100, by: alice, &rng)
        func attempt(_ notes: [OwnedNote], _ payments: [Payment], fee: UInt64 = 0) -> ProtocolError? {
            protocolError { _ = try TransferBuilder.build(chain: TestKeys.chain, from: alice, spending: notes, payments: payments, fee: fee) }
        }
        #expect(attempt([note], [Payment(to: bob.address, amount: 100)], fee: 1) == .insufficientFunds(available: 100, needed: 101))
        #expect(attempt([note, note], [Payment(to: bob.address, amount: 150)]) == .insufficientFunds(available: 100, needed: 150))
        #expect(attempt([note], [])?.code == "unsupported_request")
        #expect(attempt([note], [Payment(to: bob.address, amount: .max)], fee: 1) == .amountOverflow(field: "payments plus fee"))
        #expect(attempt([Self.owned(5, by: bob, &rng)], [Payment(to: bob.address, amount: 1)]) == .noteNotOwned)
        let many = (0..<17).map { _ in Self.owned(1, by: alice, &rng) }
        #expect(attempt(many, [Payment(to: bob.address, amount: 17)])?.code == "unsupported_request")
        #expect(attempt([Self.owned(100, by: alice, &rng)], (0..<16).map { _ in Payment(to: bob.address, amount: 1) })?.code
            == "unsupported_request")
        #expect(attempt([note], [Payment(to: bob.address, amount: 1, text: [UInt8](repeating: 1, count: 65))])
            == .memoTextTooLong(length: 65))
        // An owned note whose blinding is wrong cannot balance.
        let wrong = OwnedNote(input: note.input, amount: 100, blinding: SecretScalar(.one))
        #expect(attempt([wrong], [Payment(to: bob.address, amount: 100)])?.code == "unsupported_request")
    }

    @Test("input selection takes the largest notes first and at most 16")
    func selection() throws {
        var rng = SeededRNG(seed: 0x5e1e)
        let alice = TestKeys.wallet(83)
        let notes = [3, 9, 1, 7, 5].map { Self.owned(UInt64($0), by: alice, &rng) }
        let (chosen, change) = try TransferBuilder.selectInputs(notes, needed: 15)
        #expect(chosen.map(\.amount) == [9, 7] && change == 1)
        let (all, none) = try TransferBuilder.selectInputs(notes + notes, needed: 25)
        #expect(all.map(\.amount) == [9, 7, 5, 3, 1] && none == 0)
    }
}

@Suite("Mints")
struct MintTests {
    @Test("a mint verifies under the issuer key, creates notes its recipients open, and round-trips")
    func honest() throws {
        let issuer = TestKeys.wallet(90), alice = TestKeys.wallet(91), bob = TestKeys.wallet(92)
        let mint = try Mint.create(chain: TestKeys.chain, serial: 7, payments: [Payment(to: alice.address, amount: 1_000, text: Array("hi".utf8)),
                                                         Payment(to: bob.address, amount: 250)],
                                   issuer: issuer.spend)
        try mint.verifyVartime(issuer: issuer.spend.publicKey)
        #expect(mint.total == 1_250 && mint.serial == 7)
        let notes = mint.createdNotes
        #expect(notes.map(\.id) == [NoteID(mint: mint.id, outputIndex: 0), NoteID(mint: mint.id, outputIndex: 1)])
        #expect(try alice.open(notes[0].output).amount == 1_000)
        #expect(try bob.open(notes[1].output).amount == 250)
        #expect(notes[0].commitment == Pedersen.commit(amount: 1_000, blinding: mint.outputs[0].blinding))
        #expect(try Mint(bytes: mint.bytes) == mint)
        #expect(try Mint(json: JSONValue.parse(Array(mint.json.render().utf8))) == mint)
        #expect(protocolError { try mint.verifyVartime(issuer: alice.spend.publicKey) } == .unexpectedIssuer)
        // A note minted to Alice is spendable by Alice.
        let owned = OwnedNote(note: notes[0], contents: try alice.open(notes[0].output))
        let t = try TransferBuilder.build(chain: TestKeys.chain, from: alice, spending: [owned], payments: [Payment(to: bob.address, amount: 600)], fee: 1)
        try TransferVerifier.verifyVartime(t.transfer, inputs: [owned.input])
    }

    @Test("every single-byte change of a mint is rejected by decoding or by the signature")
    func everyByte() throws {
        let issuer = TestKeys.wallet(93), alice = TestKeys.wallet(94)
        let mint = try Mint.create(chain: TestKeys.chain, serial: 1, payments: [Payment(to: alice.address, amount: 5)], issuer: issuer.spend)
        for i in mint.bytes.indices {
            var b = mint.bytes
            b[i] ^= 0x04
            let m = try? Mint(bytes: b)
            if let m {
                #expect(protocolError { try m.verifyVartime(issuer: issuer.spend.publicKey) } != nil, "byte \(i)")
            }
        }
        for n in 0..<mint.bytes.count {
            #expect(protocolError { _ = try Mint(bytes: mint.bytes.prefix(n)) }?.code == "truncated")
        }
    }

    @Test("amounts adding past 2^64 - 1 are refused; counts, type and version are checked")
    func limits() throws {
        let issuer = TestKeys.wallet(95), alice = TestKeys.wallet(96)
        #expect(protocolError {
            _ = try Mint.create(chain: TestKeys.chain, serial: 2, payments: [Payment(to: alice.address, amount: .max), Payment(to: alice.address, amount: 1)],
                                issuer: issuer.spend)
        } == .amountOverflow(field: "outputs"))
        #expect(protocolError { _ = try Mint.create(chain: TestKeys.chain, serial: 3, payments: [], issuer: issuer.spend) }?.code == "count_out_of_range")
        let mint = try Mint.create(chain: TestKeys.chain, serial: 4, payments: [Payment(to: alice.address, amount: .max)], issuer: issuer.spend)
        try mint.verifyVartime(issuer: issuer.spend.publicKey)
        var type = mint.bytes; type[0] = 1
        #expect(protocolError { _ = try Mint(bytes: type) } == .unexpectedObjectType(expected: "mint", found: 1))
        var version = mint.bytes; version[1] = 9
        #expect(protocolError { _ = try Mint(bytes: version) } == .unknownVersion(object: "mint", version: 9))
        var count = mint.bytes; count[42] = 17  // type, version, chain id, serial: the output count
        #expect(protocolError { _ = try Mint(bytes: count) }?.code == "count_out_of_range")
        var blinding = mint.bytes
        blinding.replaceSubrange((43 + 40)..<(43 + 72), with: TestKeys.groupOrder)
        #expect(protocolError { _ = try Mint(bytes: blinding) } == .nonCanonicalScalar(field: "outputs[0].blinding"))
        #expect(protocolError { _ = try Transfer(bytes: mint.bytes) } == .unexpectedObjectType(expected: "transfer", found: 2))
    }
}
