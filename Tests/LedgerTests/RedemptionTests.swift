import BatchVerify
import Foundation
@testable import Ledger
import Ristretto255
import Schnorr
import Sodium
import Testing
import TestSupport
import ZKPayCore

/// Redemptions built once per test process from the pool's mint (alice's notes 100, 200,
/// 300, 400).
struct RedemptionPool: Sendable {
    static let shared = RedemptionPool()

    /// alice burns 120 of her 200 note to "INV-2026-0042 ACME", fee 3, change 77.
    let good: Redemption
    /// The same transfer, revealing 121 with the burned output's blinding.
    let wrongAmount: Redemption
    /// The same transfer, claiming 201 (more than its input holds).
    let exceedsInputs: Redemption
    /// The same transfer and opening, signed by bob instead of the holder.
    let otherSigner: Redemption
    /// alice burns 30 of her 100 note, which pool.t1 also spends.
    let spendsT1Input: Redemption

    init() {
        let pool = Pool.shared
        let notes = pool.mint.createdNotes.map { Pool.owned($0, by: pool.alice) }
        do {
            let good = try RedemptionBuilder.build(chain: pool.chain, from: pool.alice, spending: [notes[1]], amount: 120,
                                                   fee: 3, reference: "INV-2026-0042 ACME").redemption
            self.good = good
            var signer = SecureSigner()
            func resign(amount: UInt64, holder: WalletKeys) throws -> Redemption {
                // Encoded here rather than with `Redemption.sign`, so that the amount and the
                // signing key can differ from what an honest holder would put.
                var w = ByteWriter()
                w.u8(Redemption.objectType)
                w.u8(Redemption.version)
                w.raw(good.chainID.bytes)
                w.u32(UInt32(good.transfer.bytes.count))
                w.raw(good.transfer.bytes)
                w.u8(0)
                w.u64(amount)
                w.scalar(good.blinding)
                let reference = Array(good.reference.utf8)
                w.u8(UInt8(reference.count))
                w.raw(reference)
                let message = w.bytes
                let signature = holder.spend.secret.withScalar { x in
                    signer.sign(secret: x, nonceSeed: holder.spend.nonceSeed.withUnsafeBytes { Array($0) },
                                publicKey: holder.spend.publicKey,
                                transcript: SigningContextForTests.redemption.bytes(message), generator: .basepoint)
                }
                return try Redemption(bytes: message + signature)
            }
            wrongAmount = try resign(amount: 121, holder: pool.alice)
            exceedsInputs = try resign(amount: 201, holder: pool.alice)
            otherSigner = try resign(amount: 120, holder: pool.bob)
            spendsT1Input = try RedemptionBuilder.build(chain: pool.chain, from: pool.alice, spending: [notes[0]], amount: 30,
                                                        fee: 2, reference: "REF 1").redemption
        } catch { preconditionFailure("redemption pool builds: \(error)") }
    }
}

/// The redemption signing context, rebuilt from the protocol string (as another
/// implementation would).
enum SigningContextForTests {
    static let redemption = SigningContext(bytes: Array(Domain.redemptionContext.utf8))
}

@Suite("Redemptions")
struct RedemptionTests {
    let pool = Pool.shared
    let r = RedemptionPool.shared

    /// A state holding the pool's mint.
    func minted() -> SignedState {
        var s = pool.emptyState(minimumFee: 1)
        _ = s.mintOrFail(pool.mint)
        return s
    }

    @Test("the encoding and the JSON form round-trip, and the id is keyed BLAKE2b of the bytes")
    func roundTrip() throws {
        let again = try Redemption(bytes: r.good.bytes)
        #expect(again == r.good && again.id == r.good.id)
        #expect(try Redemption(json: try JSONValue.parse(Array(r.good.json.render().utf8))) == r.good)
        #expect(r.good.id.bytes == Hash.blake2b(r.good.bytes, outputLength: 32, key: Array("zkpay/redemption-id/v1".utf8)))
        #expect(r.good.amount == 120 && r.good.reference == "INV-2026-0042 ACME" && r.good.burnedIndex == 0)
        #expect(r.good.createdNotes.count == r.good.transfer.outputs.count - 1)
    }

    @Test("the fuzz seeds, encoded in Python from the documented layout, decode (or are refused for their reference)")
    func independentEncoding() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz/redemption")
        let seed = try Redemption(bytes: Array(try Data(contentsOf: dir.appendingPathComponent("valid-1in-2out-fee-burn-change"))))
        #expect(seed.amount == 7 && seed.reference == "INV-2026-0042 ACME" && seed.blinding == .zero)
        #expect(seed.transfer.outputs[seed.burnedIndex].owner == seed.holder)
        #expect(try Redemption(bytes: Array(try Data(contentsOf: dir.appendingPathComponent("reference-140")))).reference.count == 140)
        #expect(throws: ProtocolError.invalidReference(reason: "byte 1 (0x7) is not printable ASCII; use letters, digits, spaces and punctuation only")) {
            try Redemption(bytes: Array(try Data(contentsOf: dir.appendingPathComponent("reference-control-char"))))
        }
    }

    @Test("every single-byte change is refused by the decoder or by verification")
    func everyByteTampered() throws {
        let s = minted()
        let good = r.good.bytes
        for i in good.indices {
            var bad = good
            bad[i] ^= 0x01
            guard let decoded = try? Redemption(bytes: bad) else { continue }
            // Decodes: then it must not settle (a signature or the opening breaks).
            var copy = s
            let outcome = copy.applySigned(OrderedBatch(time: 5, redemptions: [decoded]))[0]
            #expect(outcome.rejection != nil, "byte \(i) changed, still settles")
        }
        #expect(throws: ProtocolError.self) { try Redemption(bytes: good + [0]) }
        #expect(throws: ProtocolError.self) { try Redemption(bytes: good.dropLast()) }
    }

    @Test("a reference too long, empty, with control characters, non-ASCII or edge spaces is refused")
    func references() throws {
        for bad in [String(repeating: "A", count: 141), "", "PAY\nME", "tab\there", "café", " lead", "trail ", "nul\u{0}"] {
            #expect(Redemption.referenceProblem(Array(bad.utf8)) != nil, "\(bad.debugDescription)")
            #expect(throws: ProtocolError.self) {
                _ = try RedemptionBuilder.build(chain: pool.chain, from: pool.alice, spending: [], amount: 1, fee: 1,
                                                reference: bad)
            }
        }
        #expect(Redemption.referenceProblem(Array(String(repeating: "A", count: 140).utf8)) == nil)
        // Encoded by hand past the builder: the decoder refuses it too.
        var bytes = Array(r.good.bytes.dropLast(64 + 1 + r.good.reference.utf8.count))
        bytes += [4] + Array("A\u{7}BC".utf8) + Array(r.good.signature.bytes)
        #expect(throws: ProtocolError.self) { try Redemption(bytes: bytes) }
        do { _ = try Redemption(bytes: bytes) } catch let e as ProtocolError { #expect(e.code == "invalid_reference") }
    }

    @Test("a redemption settles: inputs spent, burned note never created, change kept, supply and audit updated")
    func settles() throws {
        var s = minted()
        let outcome = s.applySigned(OrderedBatch(time: 5, redemptions: [r.good]))[0]
        #expect(outcome.isSettled)
        #expect(outcome.receipt?.kind == .redemption && outcome.receipt?.id == r.good.id.bytes)
        let burnedID = r.good.transfer.outputIDs[0]
        #expect(s.note(burnedID) == nil)
        #expect(s.note(r.good.transfer.inputs[0]) == nil)
        for n in r.good.createdNotes { #expect(s.note(n.id) != nil) }
        #expect(s.burned == 120 && s.minted == 1000 && s.feePool == 3 && s.supply == 1000 - 120 - 3)
        let audit = s.auditVartime()
        #expect(audit.ok && audit.burned == 120 && audit.supply == audit.minted - audit.burned - audit.fees)
        // Resubmitting gives the original receipt; the inner transfer alone is a double spend.
        let again = s.applySigned(OrderedBatch(time: 6, redemptions: [r.good]))[0]
        if case let .finalized(receipt) = again { #expect(receipt.sequence == outcome.receipt?.sequence) } else {
            Issue.record("resubmission: \(again)")
        }
        #expect(s.submit([r.good.transfer])[0].rejection?.code == "double_spend")
    }

    @Test("the issuer's stream gets a burned event with the amount and reference; the holder's sent carries it")
    func events() throws {
        var s = minted()
        let applied = s.state.apply(OrderedBatch(time: 5, redemptions: [r.good]))
        let events = applied.events.all()
        let burned = events.filter { $0.kind == .burned }
        #expect(burned.count == 1)
        #expect(burned.first?.owner == pool.issuer.spend.publicKey.encoding)
        #expect(burned.first?.burn == LedgerEvent.Burn(amount: 120, reference: "INV-2026-0042 ACME",
                                                       holder: pool.alice.spend.publicKey.encoding))
        let sent = events.first { $0.kind == .sent }
        #expect(sent?.owner == pool.alice.spend.publicKey.encoding && sent?.burn?.amount == 120)
        #expect(sent?.objectID == r.good.id.bytes)
        #expect(!(sent?.outputs.contains { $0.id == r.good.transfer.outputIDs[0] } ?? true))
    }

    @Test("a wrong opening, an amount over the inputs, another signer or a spent input is refused and changes nothing",
          arguments: ["wrong amount", "exceeds inputs", "other signer", "double spend"])
    func refused(_ name: String) throws {
        var s = minted()
        _ = s.submit([pool.t1])
        let (redemption, code): (Redemption, String) = switch name {
        case "wrong amount": (r.wrongAmount, "burn_opening_mismatch")
        case "exceeds inputs": (r.exceedsInputs, "burn_opening_mismatch")
        case "other signer": (r.otherSigner, "invalid_holder_signature")
        default: (r.spendsT1Input, "double_spend")
        }
        let before = (s.chainHash, s.sequence, s.unspent.count, s.burned, s.feePool, s.excesses)
        let outcome = s.applySigned(OrderedBatch(time: 7, redemptions: [redemption]))[0]
        #expect(outcome.rejection?.code == code)
        #expect(!(outcome.rejection?.description.isEmpty ?? true))
        let after = (s.chainHash, s.sequence, s.unspent.count, s.burned, s.feePool, s.excesses)
        #expect(before == after)
        #expect(s.auditVartime().ok)
    }

    @Test("a batch of redemptions is verified together: the valid ones settle, each invalid one is refused with its own code")
    func batch() throws {
        var s = minted()
        _ = s.submit([pool.t1])
        let notes = pool.mint.createdNotes.map { Pool.owned($0, by: pool.alice) }
        let second = try RedemptionBuilder.build(chain: pool.chain, from: pool.alice, spending: [notes[2]], amount: 50, fee: 1,
                                                 reference: "B2").redemption
        let third = try RedemptionBuilder.build(chain: pool.chain, from: pool.alice, spending: [notes[3]], amount: 7, fee: 1,
                                                reference: "B3").redemption
        let outcomes = s.applySigned(OrderedBatch(time: 9, redemptions: [r.good, r.otherSigner, second, r.spendsT1Input,
                                                                         third, r.wrongAmount]))
        #expect(outcomes.map(\.isSettled) == [true, false, true, false, true, false])
        #expect(outcomes[1].rejection?.code == "invalid_holder_signature")
        #expect(outcomes[3].rejection?.code == "double_spend")
        #expect(outcomes[5].rejection?.code == "burn_opening_mismatch")
        #expect(s.burned == 120 + 50 + 7 && s.feePool == 5 + 3 + 1 + 1)
        #expect(s.auditVartime().ok)
        // The same redemptions again: the settled ones answer with their receipts.
        let again = s.applySigned(OrderedBatch(time: 10, redemptions: [second, r.good]))
        for (o, first) in zip(again, [outcomes[2], outcomes[0]]) {
            if case let .finalized(receipt) = o { #expect(receipt.sequence == first.receipt?.sequence) } else {
                Issue.record("resubmission: \(o)")
            }
        }
    }

    @Test("recovery replays burns: the reopened ledger has the same state, totals, audit and events; the full audit passes")
    func recovery() throws {
        let storage = SimulatedStorage()
        try DurableFixture.initialize(storage)
        let ledger = try Ledger(storage: storage)
        _ = try ledger.submit(mint: pool.mint, time: 1)
        let out = try ledger.submit(redemptions: [r.good, r.wrongAmount], time: 2)
        // Both are verified before either settles, so the second is refused for its own
        // fault (the opening) rather than for the note the first then spends.
        #expect(out[0].isSettled && out[1].rejection?.code == "burn_opening_mismatch")
        let again = try Ledger(storage: storage)
        #expect(again.state.chainHash == ledger.state.chainHash && again.state.sequence == 2)
        #expect(again.state.burned == 120 && again.state.burnBlindingSum == ledger.state.burnBlindingSum)
        #expect(again.state.auditVartime() == ledger.state.auditVartime())
        #expect(try again.events(for: pool.issuer.spend.publicKey).contains { $0.kind == .burned && $0.burn?.amount == 120 })
        let report = try fullAudit(try allRecords(again), again.genesis)
        #expect(report.redemptions == 1 && report.audit?.burned == 120 && report.audit?.ok == true)
        // Through a snapshot as well.
        try again.snapshot()
        let third = try Ledger(storage: storage)
        #expect(third.state.burned == 120 && third.state.supply == 1000 - 123 && third.state.auditVartime().ok)
        #expect(third.receipt(for: r.good.id.bytes)?.kind == .redemption)
    }

    @Test("a follower applies the leader's replicated batch of redemptions to the same state")
    func replicated() throws {
        func node() throws -> Ledger {
            let storage = SimulatedStorage()
            try DurableFixture.initialize(storage)
            let ledger = try Ledger(storage: storage)
            _ = try ledger.submit(mint: pool.mint, time: 1)
            return ledger
        }
        let leader = try node(), follower = try node()
        var sent: ReplicatedBatch?
        let out = try leader.settle(OrderedBatch(time: 9, redemptions: [r.good]),
                                    replicate: { (b: ReplicatedBatch) throws(LedgerError) in sent = b })
        #expect(out.outcomes[0].isSettled)
        let batch = try #require(sent)
        #expect(batch.kind == .redemptions)
        let decoded = try ReplicatedBatch(bytes: batch.bytes)
        _ = try follower.applyReplicated(decoded, parallelism: .serial)
        #expect(follower.state.chainHash == leader.state.chainHash && follower.state.burned == 120)
        #expect(follower.state.auditVartime() == leader.state.auditVartime())
    }
}
