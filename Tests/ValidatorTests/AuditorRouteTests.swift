import Foundation
import HTTP1
import Ristretto255
import Sodium
import Testing
import TestSupport
import ZKPayAPI
import ZKPayTools
@testable import ZKPayCore

/// A validator whose genesis names one auditor: it refuses what lacks or breaks the auditor
/// section (docs/PROTOCOL.md §7.4.1) with 422 naming the output, alone and inside a batch,
/// and settles honest transfers and burns, whose amounts the auditor then reads.
@Suite("Auditor disclosure at the validator")
struct AuditorRouteTests {
    static let auditor: AuditorSecret = {
        do { return try AuditorSecret(seed: SecretBytes(copying: (0..<32).map { UInt8($0) &* 7 &+ 3 })) } catch {
            preconditionFailure("a fixed auditor seed derives a key: \(error)")
        }
    }()

    @Test("missing handles and a broken proof are 422 naming the output and change nothing; honest transfers and burns settle and the auditor reads them")
    func routes() throws {
        let pool = Pool.shared
        let keys = [Self.auditor.publicKey]
        let genesis = try Genesis(issuer: pool.issuer.address, minimumFee: 1, validators: Pool.genesis.validators, auditors: keys)
        let node = try Node(genesis: genesis)
        let c = node.client()
        var rng = SeededRNG(seed: 0xa0d1_4220)
        print("seed", rng.seed)
        var signer = FixtureSigner(rng: SeededRNG(seed: 0xa0d1_4221))
        let mint = try Mint.create(chain: genesis.chainID, serial: 1, payments: (0..<4).map { _ in Payment(to: pool.alice.address, amount: 1000) },
                                   issuer: pool.issuer.spend, rng: &rng, signer: &signer)
        #expect(try c.submit(mint).status == 200)
        let notes = mint.createdNotes.map { Pool.owned($0, by: pool.alice) }

        // A wallet that ignores the genesis's auditor: no handles.
        let plain = try TransferBuilder.build(chain: genesis.chainID, from: pool.alice, spending: [notes[0]],
                                              payments: [Payment(to: pool.bob.address, amount: 300)], fee: 5,
                                              rng: &rng, signer: &signer).transfer
        let missing = try c.submit(plain)
        #expect(missing.status == 422 && missing.errorCode == "auditor_section_mismatch", "\(missing.text)")
        #expect(missing.json?["error"]?["message"]?.string?.contains("outputs[0]") == true, "\(missing.text)")

        // A faulty builder: output 1's proof does not match its handle; the sender signed it anyway.
        var draft = try TransferDraft(chain: genesis.chainID, auditors: keys, inputs: [notes[0]],
                                      outputs: [(pool.bob.address, 300, []), (pool.alice.address, 695, [])], fee: 5, rng: &rng)
        let p = draft.auditorSection.proofs[1]
        var proofs = draft.auditorSection.proofs
        proofs[1] = AuditorProof(t1: p.t1, t2: p.t2, zV: p.zV + .one, zR: p.zR)
        draft.auditorSection = AuditorSection(ephemeralKeys: draft.auditorSection.ephemeralKeys,
                                              handles: draft.auditorSection.handles, proofs: proofs)
        let broken = try Transfer(bytes: draft.assemble(sender: pool.alice.spend, signer: &signer))
        let refused = try c.submit(broken, binary: true)
        #expect(refused.status == 422 && refused.errorCode == "invalid_auditor_proof", "\(refused.text)")
        #expect(refused.json?["error"]?["message"]?.string?.contains("outputs[1]") == true, "\(refused.text)")
        #expect(try c.sequence() == 1)

        // In a batch the broken one is refused alone; the honest one beside it settles.
        let honest = try TransferBuilder.build(chain: genesis.chainID, auditors: keys, from: pool.alice, spending: [notes[1]],
                                               payments: [Payment(to: pool.bob.address, amount: 250)], fee: 5,
                                               rng: &rng, signer: &signer).transfer
        let reply = try c.call("POST", "/v1/transfers/batch",
                               json: "{\"transfers\": [\(broken.json.render()), \(honest.json.render())]}")
        let results = try #require(reply.json?["results"]?.array, "\(reply.text)")
        #expect(results.count == 2)
        #expect(results[0]["http_status"]?.int == 422 && results[0]["error"]?["code"]?.string == "invalid_auditor_proof")
        #expect(results[1]["status"]?.string == "finalized", "\(reply.text)")

        // A burn must disclose too: without handles 422, with them it settles.
        let bare = try RedemptionBuilder.build(chain: genesis.chainID, from: pool.alice, spending: [notes[2]], amount: 400, fee: 10,
                                               reference: "PAYOUT 9", rng: &rng, signer: &signer).redemption
        let bareReply = try c.call("POST", "/v1/redemptions", bytes: bare.bytes)
        #expect(bareReply.status == 422 && bareReply.errorCode == "auditor_section_mismatch", "\(bareReply.text)")
        let burn = try RedemptionBuilder.build(chain: genesis.chainID, auditors: keys, from: pool.alice, spending: [notes[2]],
                                               amount: 400, fee: 10, reference: "PAYOUT 9", rng: &rng, signer: &signer).redemption
        #expect(try c.call("POST", "/v1/redemptions", bytes: burn.bytes).status == 200)
        #expect(try c.sequence() == 3)

        // The auditor reads every amount that settled, with one table look-up each.
        let scanner = try #require(AuditorScanner(secret: Self.auditor, genesis: genesis,
                                                  table: DiscreteLogTable(babyBits: 8, bits: 24)))
        let seenHonest = scanner.scan(honest)
        #expect(!seenHonest.isFlagged && seenHonest.outputs.map(\.amount) == [250, 745])
        let seenBurn = scanner.scan(burn.transfer)
        #expect(!seenBurn.isFlagged && seenBurn.outputs[burn.burnedIndex].amount == 400)
        let audit = try c.get("/v1/audit").json
        #expect(audit?["ok"]?.bool == true && audit?["burned"]?.int == 400, "\(String(describing: audit))")
    }
}
