import Foundation
@testable import Ledger
import Sodium
import Testing
import TestSupport
@testable import Validator
import ZKPayTools
@testable import ZKPayCore

/// Authority statements that change the validator set (docs/PROTOCOL.md §7.12), at the ledger:
/// each batch is signed by the validators in office at it, under their indices there; a
/// validator joining with a key outside the genesis follows without signing until its
/// statement takes effect; a removed one stops signing; the full audit checks each batch
/// against its own authority.
@Suite("Validator set changes at the ledger")
struct ValidatorSetChangeTests {
    static let joiningSeed = [UInt8](repeating: 0x6b, count: 32)

    @Test("a validator joins by statement and signs from its effective sequence, the first validator leaves by the next one, and the log of each is read against the authority of each batch")
    func joinAndLeave() throws {
        let pool = Pool.shared
        let g = try AuthorityRouteTests.genesis()
        let a = AuthorityRouteTests.auditorA.publicKey
        let first = AuthorityRouteTests.validatorKey
        let joining = try Ed25519KeyPair(seed: SecretBytes(copying: Self.joiningSeed))
        let v2 = try GenesisValidator(name: "v2", publicKey: joining.publicKey)

        // The leader's directory and the joining validator's: its key is in no authority yet.
        let dirA = TempDirectory(), dirB = TempDirectory()
        try Ledger.initialize(storage: try POSIXStorage(directory: dirA.path, create: true), genesis: g,
                              receiptKeySeed: SecretBytes(copying: Pool.keySeed))
        let other = TempDirectory()
        #expect(throws: GenesisError.self) {
            try Ledger.initialize(storage: try POSIXStorage(directory: other.path, create: true), genesis: g,
                                  receiptKeySeed: SecretBytes(copying: Self.joiningSeed))
        }
        #expect(throws: GenesisError.self) {
            try Ledger.initialize(storage: try POSIXStorage(directory: other.path, create: true), genesis: g,
                                  receiptKeySeed: SecretBytes(copying: Pool.keySeed), joining: true)
        }
        try Ledger.initialize(storage: try POSIXStorage(directory: dirB.path, create: true), genesis: g,
                              receiptKeySeed: SecretBytes(copying: Self.joiningSeed), joining: true)
        let leader = try Ledger(storage: try POSIXStorage(directory: dirA.path, create: false))
        var follower: Ledger? = try Ledger(storage: try POSIXStorage(directory: dirB.path, create: false))

        /// Settles `batch` on the leader and applies what it replicates on the follower.
        func settle(_ batch: OrderedBatch) throws -> [Outcome] {
            var replicated: [ReplicatedBatch] = []
            let (outcomes, _) = try leader.settle(batch) { replicated.append($0) }
            for r in replicated { _ = try #require(follower).applyReplicated(r, parallelism: .serial) }
            return outcomes
        }

        var rng = SeededRNG(seed: 0x5e7_0001)
        print("seed", rng.seed)
        var signer = FixtureSigner(rng: SeededRNG(seed: 0x5e7_0002))
        let mint = try AuthorityRouteTests.mint(g, rng: &rng, signer: &signer)
        let notes = mint.createdNotes.map { Pool.owned($0, by: pool.alice) }
        func pay(_ i: Int) throws -> Verification {
            let t = try AuthorityRouteTests.pay(g, notes[i], auditors: [a], amount: UInt64(10 * (i + 1)), rng: &rng, signer: &signer)
            return leader.state.verifyVartime([t])[0]
        }
        _ = try settle(OrderedBatch(time: 1, mints: [mint]))

        // Statement 1 at 2: from 4 the set is v1, v2 (quorum 2); the genesis's quorum (v1) signs it.
        let s1 = try AuthorityStatement(chain: g.chainID, number: 1, previous: g.chainID.bytes, effective: 4,
                                        validators: [g.validators[0], v2], auditors: [a])
            .signed(asValidator: 0, key: first)
        guard case .settled = try settle(OrderedBatch(time: 2, authorities: [s1]))[0] else {
            Issue.record("statement 1 did not settle")
            return
        }
        _ = try settle(OrderedBatch(time: 3, transfers: [try pay(0)]))
        _ = try settle(OrderedBatch(time: 4, transfers: [try pay(1)]))

        // Statement 2 at 5: from 7 the set is v2 alone; both members of the set in office sign.
        let s2 = try AuthorityStatement(chain: g.chainID, number: 2, previous: s1.id, effective: 7, validators: [v2], auditors: [a])
            .signed(asValidator: 0, key: first).signed(asValidator: 1, key: joining)
        guard case .settled = try settle(OrderedBatch(time: 5, authorities: [s2]))[0] else {
            Issue.record("statement 2 did not settle")
            return
        }
        // One batch of mints does not run across the change at 7: the second waits.
        let more = try (2...3).map { serial in
            try Mint.create(chain: g.chainID, serial: UInt64(serial), payments: [Payment(to: pool.alice.address, amount: 5)],
                            issuer: pool.issuer.spend, rng: &rng, signer: &signer)
        }
        let minted = try settle(OrderedBatch(time: 6, mints: more))
        #expect(minted[0].receipt?.sequence == 6)
        guard case .rejected(.authorityChanged(sequence: 7)) = minted[1] else {
            Issue.record("expected authority_changed at 7, got \(minted[1])")
            return
        }
        _ = try settle(OrderedBatch(time: 7, mints: [more[1]]))
        #expect(leader.state.sequence == 7)

        // Who signed each sequence, as an index of the authority in office there.
        let chain = leader.state.authorities
        let b = try #require(follower)
        #expect(b.state.authorities.statements == [s1, s2] && b.state.chainHash == leader.state.chainHash)
        func signers(_ l: Ledger) -> [[Int]] {
            (UInt64(1)...7).map { s in l.receipts.receipt(at: s)?.signers.map(\.index) ?? [-1] }
        }
        #expect(signers(leader) == [[0], [0], [0], [0], [0], [0], []])
        #expect(signers(b) == [[], [], [], [1], [1], [1], [0]])
        for s in UInt64(1)...7 {
            let merged = try #require(leader.receipts.receipt(at: s)).adding(try #require(b.receipts.receipt(at: s)).signers)
            #expect(merged.certificateError(authorities: chain) == nil, "sequence \(s)")
        }
        // From 4 one signature is not the quorum of two; at 7 v2's is the whole quorum of one.
        #expect(leader.receipts.receipt(at: 4)?.certificateError(authorities: chain) == .tooFewSigners(found: 1, quorum: 2))
        #expect(b.receipts.receipt(at: 7)?.certificateError(authorities: chain) == nil)
        // Read against the genesis alone, v2's signature at 7 stands under v1's index.
        #expect(b.receipts.receipt(at: 7)?.certificateError(genesis: g) == .badSignature(validator: "v1"))

        // The full audit reads each batch against its authority: the leader's log through 6,
        // then a batch it applied out of office carries no signature.
        var audit = LogAuditor(genesis: g, backend: .portable)
        for s in UInt64(1)...6 { try audit.add(try #require(try leader.record(at: s))) }
        #expect(throws: LogAuditError.unsigned(sequence: 7)) { try audit.add(try #require(try leader.record(at: 7))) }
        var auditB = LogAuditor(genesis: g, backend: .portable)
        #expect(throws: LogAuditError.unsigned(sequence: 1)) { try auditB.add(try #require(try b.record(at: 1))) }
        // A signature under an index of the old set at a batch of the new one is refused.
        let forged = try #require(try leader.record(at: 7))
        var payload = forged.payload
        let receipt = try #require(leader.receipts.receipt(at: 7))
        let v1Signed = try #require(receipt.signedMessage(chain: g.chainID)).map { first.sign($0) }
        let withV1 = receipt.adding([Receipt.Signer(index: 0, signature: try #require(v1Signed))])
        payload = withV1.bytes + Array(payload[receipt.bytes.count...])
        var auditForged = LogAuditor(genesis: g, backend: .portable)
        for s in UInt64(1)...6 { try auditForged.add(try #require(try leader.record(at: s))) }
        #expect(throws: LogAuditError.badSignature(sequence: 7)) {
            try auditForged.add(LogRecord(sequence: 7, payload: payload))
        }

        // The joining validator's log, unsigned records included, replays and snapshots.
        follower = nil
        let reopened = try Ledger(storage: try POSIXStorage(directory: dirB.path, create: false))
        #expect(signers(reopened) == [[], [], [], [1], [1], [1], [0]] && reopened.state.stateDigest == leader.state.stateDigest)
        try reopened.snapshot()
        let restored = try Ledger(storage: try POSIXStorage(directory: dirB.path, create: false))
        #expect(signers(restored) == [[], [], [], [1], [1], [1], [0]] && restored.state.authorities.statements == [s1, s2])
    }

    @Test("a validator running on its own refuses to start with a key no authority in office names: it could sign no receipt")
    func aloneOutOfOffice() throws {
        let directory = TempDirectory()
        try Ledger.initialize(storage: try POSIXStorage(directory: directory.path, create: true), genesis: Pool.genesis,
                              receiptKeySeed: SecretBytes(copying: Self.joiningSeed), joining: true)
        let path = directory.path
        let configuration = ValidatorService.Configuration(port: 0, workers: 1, backend: .portable)
        #expect {
            _ = try ValidatorService(openStorage: { try POSIXStorage(directory: path, create: false) }, configuration: configuration)
        } throws: { error in
            (error as? ValidatorStartError).map { "\($0)".contains("not one of the validators in office") } ?? false
        }
    }

}
