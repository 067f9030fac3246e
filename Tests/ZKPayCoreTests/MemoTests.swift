import Ristretto255
import Sodium
import Testing
import TestSupport
@testable import ZKPayCore
import ZKPayTools

@Suite("Memos")
struct MemoTests {
    /// An output to `recipient` with a seeded randomness path.
    static func output(to recipient: WalletKeys, amount: UInt64, text: [UInt8] = [], rng: inout SeededRNG) throws -> Output {
        let blinding = SecretScalar(TestKeys.scalar(&rng))
        return try Output(to: recipient.address, amount: amount, blinding: blinding, text: text, using: &rng)
    }

    @Test("the recipient recovers amount, blinding and text, and they open the commitment")
    func roundTrip() throws {
        var rng = SeededRNG(seed: 0x6d65_6d6f)
        print("seed", rng.seed)
        let alice = TestKeys.wallet(10)
        for (i, amount) in [UInt64(0), 1, 1_000_000, .max].enumerated() {
            let text = Array(rng.bytes(Int(rng.next() % 65)))
            let blinding = TestKeys.scalar(&rng)
            let out = try Output(to: alice.address, amount: amount, blinding: SecretScalar(blinding), text: text, using: &rng)
            #expect(out.memo.bytes.count == Memo.encodedLength)
            let opened = try alice.open(out)
            #expect(opened.amount == amount, "case \(i)")
            #expect(opened.blinding.withScalar { $0 == blinding })
            #expect(opened.text == text)
            #expect(out.commitment == Pedersen.commit(amount: amount, blinding: blinding))
        }
    }

    @Test("a recipient decrypts exactly its own memos and nobody else's")
    func onlyRecipient() throws {
        var rng = SeededRNG(seed: 0x6f6e_6c79)
        print("seed", rng.seed)
        let wallets = (20..<25).map { TestKeys.wallet(UInt8($0)) }
        var outputs: [(Int, Output)] = []
        for _ in 0..<testIterations(15) {
            let to = Int(rng.next() % UInt64(wallets.count))
            outputs.append((to, try Self.output(to: wallets[to], amount: rng.next() % 1000, rng: &rng)))
        }
        for (w, wallet) in wallets.enumerated() {
            for (to, out) in outputs {
                let result = Result { () throws(ProtocolError) in try wallet.open(out) }
                if to == w {
                    #expect((try? result.get()) != nil)
                } else {
                    // Owner check first; the memo alone is not readable either.
                    #expect(protocolError { _ = try result.get() } == .noteNotOwned)
                    #expect(protocolError { _ = try out.openMemo(with: wallet.view) } == .memoNotForThisKey)
                }
            }
        }
    }

    @Test("the sender's change, sent to the sender's own address, opens with the sender's view key")
    func changeRecoverable() throws {
        var rng = SeededRNG(seed: 0x6368_616e)
        let sender = TestKeys.wallet(30), recipient = TestKeys.wallet(31)
        let pay = try Self.output(to: recipient, amount: 70, rng: &rng)
        let change = try Self.output(to: sender, amount: 30, text: Array("change".utf8), rng: &rng)
        #expect(try sender.open(change).amount == 30)
        #expect(protocolError { _ = try sender.open(pay) } == .noteNotOwned)
        // A view-only holder (y only) reads the change too.
        let viewOnly = ViewKey(secret: sender.view.secret)
        #expect(try change.openMemo(with: viewOnly).text == Array("change".utf8))
    }

    @Test("every tampered memo byte is detected")
    func tampering() throws {
        var rng = SeededRNG(seed: 0x7461_6d70)
        let alice = TestKeys.wallet(40)
        let out = try Self.output(to: alice, amount: 5, text: Array("hi".utf8), rng: &rng)
        let bytes = out.memo.bytes
        for i in bytes.indices {
            for flip: UInt8 in [0x01, 0x80] {
                var t = bytes
                t[i] ^= flip
                let error = protocolError {
                    let memo = try EncryptedMemo(bytes: t)
                    _ = try memo.open(with: alice.view, owner: out.owner, commitment: out.commitment)
                }
                // R bytes may stop decoding (non_canonical_point); otherwise the AEAD fails.
                #expect(error == .memoNotForThisKey || error == .nonCanonicalPoint(field: "memo.ephemeral_key"),
                        "byte \(i) flip \(flip): \(String(describing: error))")
            }
        }
    }

    @Test("a memo moved to another output does not decrypt")
    func bound() throws {
        var rng = SeededRNG(seed: 0x626f_756e)
        let alice = TestKeys.wallet(41)
        let a = try Self.output(to: alice, amount: 5, rng: &rng), b = try Self.output(to: alice, amount: 5, rng: &rng)
        #expect(protocolError { _ = try a.memo.open(with: alice.view, owner: a.owner, commitment: b.commitment) }
            == .memoNotForThisKey)
        let bob = TestKeys.wallet(42)
        #expect(protocolError { _ = try a.memo.open(with: alice.view, owner: bob.spend.publicKey, commitment: a.commitment) }
            == .memoNotForThisKey)
    }

    @Test("a memo whose amount or blinding does not open the commitment is reported, never credited")
    func commitmentMismatch() throws {
        var rng = SeededRNG(seed: 0x6d69_736d)
        let alice = TestKeys.wallet(43)
        let blinding = TestKeys.scalar(&rng)
        // The sender commits to 100 but tells the recipient 1000.
        let committed = Pedersen.commit(amount: 100, blinding: blinding)
        let lie = try MemoContents(amount: 1000, blinding: SecretScalar(blinding))
        let memo = EncryptedMemo.seal(lie, to: alice.view.publicKey, owner: alice.spend.publicKey, commitment: committed,
                                      using: &rng)
        let out = try Output(owner: alice.spend.publicKey, commitment: committed, memo: memo)
        #expect(protocolError { _ = try alice.open(out) } == .memoCommitmentMismatch)
        // Right amount, wrong blinding.
        let lie2 = try MemoContents(amount: 100, blinding: SecretScalar(blinding + .one))
        let memo2 = EncryptedMemo.seal(lie2, to: alice.view.publicKey, owner: alice.spend.publicKey, commitment: committed,
                                       using: &rng)
        #expect(protocolError { _ = try memo2.open(with: alice.view, owner: alice.spend.publicKey, commitment: committed) }
            == .memoCommitmentMismatch)
    }

    @Test("a decrypted plaintext with a bad length byte, nonzero padding or non-canonical blinding is malformed")
    func malformed() throws {
        var rng = SeededRNG(seed: 0x6d61_6c66)
        let alice = TestKeys.wallet(44)
        let c = Pedersen.commit(amount: 1, blinding: .one)
        var good = [UInt8](repeating: 0, count: Memo.plaintextLength)
        good[0] = 1
        good[8] = 1
        var longText = good; longText[40] = 65
        var padding = good; padding[40] = 2; padding[41 + 2] = 7
        var lastPadding = good; lastPadding[Memo.plaintextLength - 1] = 1
        var blinding = good; blinding.replaceSubrange(8..<40, with: TestKeys.groupOrder)
        let okMemo = EncryptedMemo.seal(plaintext: good, to: alice.view.publicKey, owner: alice.spend.publicKey,
                                        commitment: c, using: &rng)
        #expect(try okMemo.open(with: alice.view, owner: alice.spend.publicKey, commitment: c).amount == 1)
        for bad in [longText, padding, lastPadding, blinding] {
            let m = EncryptedMemo.seal(plaintext: bad, to: alice.view.publicKey, owner: alice.spend.publicKey,
                                       commitment: c, using: &rng)
            #expect(protocolError { _ = try m.open(with: alice.view, owner: alice.spend.publicKey, commitment: c) }?.code
                == "memo_malformed")
        }
    }

    @Test("texts longer than 64 bytes are refused; 64 bytes fit")
    func textLimit() throws {
        #expect(protocolError { _ = try MemoContents(amount: 1, blinding: SecretScalar(.one), text: [UInt8](repeating: 65, count: 65)) }
            == .memoTextTooLong(length: 65))
        #expect(try MemoContents(amount: 1, blinding: SecretScalar(.one), text: [UInt8](repeating: 65, count: 64)).text.count == 64)
    }

    @Test("with the fixture randomness, sealing is deterministic; with the CSPRNG it is not")
    func determinism() throws {
        let alice = TestKeys.wallet(45)
        let contents = try MemoContents(amount: 9, blinding: SecretScalar(.one))
        let c = contents.commitment
        func sealed(_ seed: UInt8) -> EncryptedMemo {
            var r = FixtureRandomness(seed: [seed])
            return EncryptedMemo.seal(contents, to: alice.view.publicKey, owner: alice.spend.publicKey, commitment: c, using: &r)
        }
        #expect(sealed(1) == sealed(1))
        #expect(sealed(1) != sealed(2))
        let x = EncryptedMemo.seal(contents, to: alice.view.publicKey, owner: alice.spend.publicKey, commitment: c)
        let y = EncryptedMemo.seal(contents, to: alice.view.publicKey, owner: alice.spend.publicKey, commitment: c)
        #expect(x != y)
        #expect(try x.open(with: alice.view, owner: alice.spend.publicKey, commitment: c).amount == 9)
    }
}

@Suite("Notes")
struct NoteTests {
    static func sampleNote(_ rng: inout SeededRNG) throws -> Note {
        let out = try MemoTests.output(to: TestKeys.wallet(50), amount: 77, text: Array("note".utf8), rng: &rng)
        return Note(id: NoteID(transfer: TransferID(uncheckedBytes: rng.bytes(32)), outputIndex: 3), output: out)
    }

    @Test("a note id is BLAKE2b-256 keyed zkpay/note-id/v1 of parent id ‖ LE32(index)")
    func noteID() {
        var rng = SeededRNG(seed: 0x6e6f_7465)
        let parent = rng.bytes(32)
        var seen = Set<NoteID>()
        for index in [0, 1, 2, 15, 255, 256, 65_536] {
            let id = NoteID(transfer: TransferID(uncheckedBytes: parent), outputIndex: index)
            let le = (0..<4).map { UInt8(truncatingIfNeeded: index >> (8 * $0)) }
            #expect(id.bytes == Hash.blake2b(parent + le, outputLength: 32, key: Array("zkpay/note-id/v1".utf8)))
            #expect(seen.insert(id).inserted)
        }
        // Transfer and mint parents use the same rule.
        #expect(NoteID(mint: MintID(uncheckedBytes: parent), outputIndex: 1)
            == NoteID(transfer: TransferID(uncheckedBytes: parent), outputIndex: 1))
    }

    @Test("notes round-trip through binary and JSON")
    func roundTrip() throws {
        var rng = SeededRNG(seed: 0x7274_6e74)
        let note = try Self.sampleNote(&rng)
        #expect(note.bytes.count == Note.encodedLength)
        #expect(try Note(bytes: note.bytes) == note)
        let text = note.json.render()
        #expect(try Note(json: JSONValue.parse(Array(text.utf8))) == note)
        #expect(try Output(json: note.output.json) == note.output)
        #expect(try InputNote(json: note.inputNote.json) == note.inputNote)
    }

    @Test("every truncation and any trailing byte of a note encoding is rejected")
    func truncations() throws {
        var rng = SeededRNG(seed: 0x7472_756e)
        let bytes = try Self.sampleNote(&rng).bytes
        for n in 0..<bytes.count {
            #expect(protocolError { _ = try Note(bytes: bytes.prefix(n)) }?.code == "truncated", "length \(n)")
        }
        #expect(protocolError { _ = try Note(bytes: bytes + [0]) } == .trailingBytes(count: 1))
    }

    @Test("a wrong type or version and bad points are rejected naming the field")
    func badFields() throws {
        var rng = SeededRNG(seed: 0x6261_6466)
        let bytes = try Self.sampleNote(&rng).bytes
        var t = bytes; t[0] = 1
        #expect(protocolError { _ = try Note(bytes: t) } == .unexpectedObjectType(expected: "note", found: 1))
        var v = bytes; v[1] = 2
        #expect(protocolError { _ = try Note(bytes: v) } == .unknownVersion(object: "note", version: 2))
        let fields: [(Int, String)] = [(34, "output.owner"), (66, "output.commitment"), (98, "output.memo.ephemeral_key")]
        for (offset, field) in fields {
            var b = bytes
            b.replaceSubrange(offset..<(offset + 32), with: TestKeys.nonCanonicalPoint)
            #expect(protocolError { _ = try Note(bytes: b) } == .nonCanonicalPoint(field: field))
        }
        var id = bytes
        id.replaceSubrange(34..<66, with: [UInt8](repeating: 0, count: 32))
        #expect(protocolError { _ = try Note(bytes: id) } == .identityPoint(field: "output.owner"))
    }

    @Test("the JSON forms reject missing, extra and malformed fields")
    func strictJSON() throws {
        var rng = SeededRNG(seed: 0x6a73_6f6e)
        let note = try Self.sampleNote(&rng)
        guard case let .object(members) = note.output.json else { Issue.record("not an object"); return }
        for drop in members.indices {
            var m = members
            m.remove(at: drop)
            #expect(protocolError { _ = try Output(json: .object(m)) }?.code == "invalid_json")
        }
        #expect(protocolError { _ = try Output(json: .object(members + [JSONMember("extra", .int(1))])) }
            == .invalidJSON(field: "output.extra", reason: "unknown field"))
        var upper = members
        upper[0] = JSONMember("owner", .string(ProtocolHex.encode(note.owner.encoding).uppercased()))
        #expect(protocolError { _ = try Output(json: .object(upper)) }?.code == "invalid_json")
        var bad = members
        bad[1] = JSONMember("commitment", .hex(TestKeys.nonCanonicalPoint))
        #expect(protocolError { _ = try Output(json: .object(bad)) } == .nonCanonicalPoint(field: "output.commitment"))
        let wrongVersion = JSONValue.object([JSONMember("version", .int(2)), JSONMember("id", .hex(note.id.bytes)),
                                             JSONMember("output", note.output.json)])
        #expect(protocolError { _ = try Note(json: wrongVersion) } == .unknownVersion(object: "note", version: 2))
    }
}
