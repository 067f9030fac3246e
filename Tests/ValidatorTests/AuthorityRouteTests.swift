import Foundation
import HTTP1
@testable import Ledger
import Ristretto255
import Sodium
import Testing
import TestSupport
import ZKPayAPI
import ZKPayTools
@testable import ZKPayCore

/// Authority statements (docs/PROTOCOL.md §7.12) settled by a validator: the auditor keys
/// change at the stated sequence, transfers are checked against the auditors of the sequence
/// they settle at, refusals change nothing, and the chain survives recovery and snapshots.
@Suite("Authority statements at the validator")
struct AuthorityRouteTests {
    static let auditorA = AuditorRouteTests.auditor
    static let auditorB: AuditorSecret = {
        do { return try AuditorSecret(seed: SecretBytes(copying: (0..<32).map { UInt8($0) &* 11 &+ 5 })) } catch {
            preconditionFailure("a fixed auditor seed derives a key: \(error)")
        }
    }()
    /// The validator key of `Node` and of the ledgers below (genesis validator 0).
    static let validatorKey: Ed25519KeyPair = {
        do { return try Ed25519KeyPair(seed: SecretBytes(copying: Pool.keySeed)) } catch {
            preconditionFailure("the pool's validator seed: \(error)")
        }
    }()

    static func genesis() throws -> Genesis {
        try Genesis(issuer: Pool.shared.issuer.address, minimumFee: 1, validators: Pool.genesis.validators,
                    auditors: [auditorA.publicKey])
    }

    /// Statement `number` after `previous` (the chain id for the first), signed by the one
    /// validator and, with `issuer`, by the issuer.
    static func statement(_ g: Genesis, number: UInt32 = 1, previous: [UInt8]? = nil, effective: UInt64,
                          validators: [GenesisValidator]? = nil, auditors: [AuditorKey],
                          issuer: Bool = true) throws -> AuthorityStatement {
        var s = try AuthorityStatement(chain: g.chainID, number: number, previous: previous ?? g.chainID.bytes,
                                       effective: effective, validators: validators ?? g.validators, auditors: auditors)
        s = s.signed(asValidator: 0, key: validatorKey)
        return issuer ? s.signed(asIssuer: Pool.shared.issuer.spend) : s
    }

    /// Mints four notes of 1000 to alice on `genesis`.
    static func mint(_ g: Genesis, rng: inout SeededRNG, signer: inout FixtureSigner<SeededRNG>) throws -> Mint {
        try Mint.create(chain: g.chainID, serial: 1, payments: (0..<4).map { _ in Payment(to: Pool.shared.alice.address, amount: 1000) },
                        issuer: Pool.shared.issuer.spend, rng: &rng, signer: &signer)
    }

    static func pay(_ g: Genesis, _ note: OwnedNote, auditors: [AuditorKey], amount: UInt64,
                    rng: inout SeededRNG, signer: inout FixtureSigner<SeededRNG>) throws -> Transfer {
        try TransferBuilder.build(chain: g.chainID, auditors: auditors, from: Pool.shared.alice, spending: [note],
                                  payments: [Payment(to: Pool.shared.bob.address, amount: amount)], fee: 5,
                                  rng: &rng, signer: &signer).transfer
    }

    @Test("POST /v1/authority: refusals are 4xx and change nothing; a statement settles, GET /v1/authority serves the chain, and transfers disclose to the auditors of the sequence they settle at")
    func routes() throws {
        let pool = Pool.shared
        let g = try Self.genesis()
        let node = try Node(genesis: g)
        let c = node.client()
        var rng = SeededRNG(seed: 0xa17_0001)
        print("seed", rng.seed)
        var signer = FixtureSigner(rng: SeededRNG(seed: 0xa17_0002))
        let mint = try Self.mint(g, rng: &rng, signer: &signer)
        #expect(try c.submit(mint).status == 200)
        let notes = mint.createdNotes.map { Pool.owned($0, by: pool.alice) }
        let a = Self.auditorA.publicKey, b = Self.auditorB.publicKey

        // Refusals: the chain and the ledger stay as they are.
        let unsigned = try Self.statement(g, effective: 4, auditors: [b], issuer: false)
        let r1 = try c.call("POST", "/v1/authority", bytes: unsigned.bytes)
        #expect(r1.status == 422 && r1.errorCode == "invalid_authority_statement", "\(r1.text)")
        #expect(r1.json?["error"]?["message"]?.string?.contains("issuer") == true, "\(r1.text)")
        let now = try Self.statement(g, effective: 2, auditors: [b])
        let r2 = try c.call("POST", "/v1/authority", bytes: now.bytes)
        #expect(r2.status == 422 && r2.errorCode == "authority_not_ahead", "\(r2.text)")
        let stranger = try GenesisValidator(name: "v9", publicKey: Ed25519KeyPair().publicKey)
        let grow = try Self.statement(g, effective: 9, validators: g.validators + [stranger], auditors: [a])
        let r3 = try c.call("POST", "/v1/authority", bytes: grow.bytes)
        #expect(r3.status == 422 && r3.errorCode == "standalone_validator_set", "\(r3.text)")
        let honest = try Self.statement(g, effective: 4, auditors: [b])
        let r4 = try c.call("POST", "/v1/authority", bytes: Array(honest.bytes.dropLast(3)))
        #expect(r4.status == 400, "\(r4.text)")
        let r5 = try c.call("POST", "/v1/authority", json: "{\"statement\": \"zz\"}")
        #expect(r5.status == 400, "\(r5.text)")
        // The largest sets are read in the JSON form too (hex doubles the body): refused for
        // the set change on a validator running alone, not for the size.
        let wide = try (0..<Genesis.maxValidators).map {
            try GenesisValidator(name: String(repeating: "v", count: 30) + String($0 + 10), publicKey: Ed25519KeyPair().publicKey)
        }
        let auditors = try (0..<Auditing.maxAuditors).map { i in
            try AuditorSecret(seed: SecretBytes(copying: (0..<32).map { UInt8($0) &+ UInt8(i) &* 13 &+ 1 })).publicKey
        }
        let large = try Self.statement(g, effective: 9, validators: wide, auditors: auditors)
        #expect(large.bytes.count > AuthorityStatement.maxEncodedLength / 2)
        let r6 = try c.call("POST", "/v1/authority", json: "{\"statement\": \"\(ProtocolHex.encode(large.bytes))\"}")
        #expect(r6.status == 422 && r6.errorCode == "standalone_validator_set", "\(r6.status) \(r6.errorCode ?? "")")
        #expect(try c.sequence() == 1)
        #expect(try c.get("/v1/authority").json?["statements"]?.array?.count == 0)

        // The honest statement settles at 2 (JSON form); again in binary it is answered with
        // the same receipt.
        let settled = try c.call("POST", "/v1/authority", json: "{\"statement\": \"\(ProtocolHex.encode(honest.bytes))\"}")
        #expect(settled.status == 200, "\(settled.text)")
        let again = try c.call("POST", "/v1/authority", bytes: honest.bytes)
        #expect(again.status == 200 && again.json?["sequence"]?.int == 2, "\(again.text)")
        #expect(try c.sequence() == 2)

        // GET /v1/authority: the statement, and the authority it states.
        let served = try c.get("/v1/authority")
        let body = try AuthorityBody(json: try #require(served.json, "\(served.text)"))
        #expect(body.statements == [honest] && body.sequence == 2)
        #expect(served.json?["current"]?["auditors"]?.array?.compactMap(\.string) == [b.encoded], "\(served.text)")
        let chain = try AuthorityChain(genesis: g, statements: body.statements)
        #expect(chain.authority(at: 3).auditors == [a] && chain.authority(at: 4).auditors == [b])

        // Sequence 3 is still the genesis authority's: a transfer for auditor A settles there.
        let forA = try Self.pay(g, notes[0], auditors: [a], amount: 100, rng: &rng, signer: &signer)
        let s3 = try c.submit(forA, binary: true)
        #expect(s3.status == 200 && s3.json?["sequence"]?.int == 3, "\(s3.text)")
        // From 4 on auditor B reads every output: one built for A is refused, one for B settles.
        let lateA = try Self.pay(g, notes[1], auditors: [a], amount: 200, rng: &rng, signer: &signer)
        let refused = try c.submit(lateA, binary: true)
        #expect(refused.status == 422, "\(refused.text)")
        let forB = try Self.pay(g, notes[1], auditors: [b], amount: 200, rng: &rng, signer: &signer)
        let s4 = try c.submit(forB, binary: true)
        #expect(s4.status == 200 && s4.json?["sequence"]?.int == 4, "\(s4.text)")
        let scannerB = try #require(AuditorScanner(secret: Self.auditorB, auditors: [b], table: DiscreteLogTable(babyBits: 8, bits: 24)))
        #expect(scannerB.scan(forB).outputs.map(\.amount) == [200, 795])
        #expect(try c.get("/v1/audit").json?["ok"]?.bool == true)

        // The next statement must name this one; its auditors may go back to A.
        let second = try Self.statement(g, number: 2, previous: honest.id, effective: 10, auditors: [a])
        #expect(try c.call("POST", "/v1/authority", bytes: second.bytes).status == 200)
        let chain2 = try ValidatorClient(url: try ValidatorURL(parsing: "http://127.0.0.1:\(node.port)")).authorities(genesis: g)
        #expect(chain2.statements.count == 2 && chain2.authority(at: 10).auditors == [a] && chain2.authority(at: 9).auditors == [b])
    }

    @Test("a batch verified for one authority stops where the next takes effect; the chain is undone with its batch, replayed from the log, restored from a snapshot and re-audited")
    func ledger() throws {
        let pool = Pool.shared
        let g = try Self.genesis()
        let directory = TempDirectory()
        try Ledger.initialize(storage: try POSIXStorage(directory: directory.path, create: true), genesis: g,
                              receiptKeySeed: SecretBytes(copying: Pool.keySeed))
        var rng = SeededRNG(seed: 0xa17_0003)
        print("seed", rng.seed)
        var signer = FixtureSigner(rng: SeededRNG(seed: 0xa17_0004))
        let mint = try Self.mint(g, rng: &rng, signer: &signer)
        let notes = mint.createdNotes.map { Pool.owned($0, by: pool.alice) }
        let a = Self.auditorA.publicKey, b = Self.auditorB.publicKey
        let statement = try Self.statement(g, effective: 4, auditors: [b])
        let chainHash: [UInt8]
        do {
            let ledger = try Ledger(storage: try POSIXStorage(directory: directory.path, create: false))
            _ = try ledger.submit(mint: mint, time: 1)
            guard case .settled = try ledger.submit(authority: statement, time: 2) else {
                Issue.record("the statement did not settle")
                return
            }
            // Both verified for A at sequence 3; the second would settle at 4, where B governs.
            let verdicts = ledger.state.verifyVartime([
                try Self.pay(g, notes[0], auditors: [a], amount: 10, rng: &rng, signer: &signer),
                try Self.pay(g, notes[1], auditors: [a], amount: 20, rng: &rng, signer: &signer),
            ])
            let outcomes = try ledger.submit(verified: verdicts, time: 3)
            #expect(outcomes.count == 2 && outcomes[0].receipt?.sequence == 3)
            guard case .rejected(.authorityChanged(sequence: 4)) = outcomes[1] else {
                Issue.record("expected authority_changed at 4, got \(outcomes[1])")
                return
            }
            #expect(ledger.state.auditors == [b] && ledger.state.sequence == 3)
            chainHash = ledger.state.chainHash
        }
        // Replayed from the log, then from a snapshot: the same chain of authorities.
        do {
            let ledger = try Ledger(storage: try POSIXStorage(directory: directory.path, create: false))
            #expect(ledger.state.authorities.statements == [statement] && ledger.state.chainHash == chainHash)
            #expect(ledger.state.auditors == [b])
            try ledger.snapshot()
        }
        let ledger = try Ledger(storage: try POSIXStorage(directory: directory.path, create: false))
        #expect(ledger.state.authorities.statements == [statement] && ledger.state.chainHash == chainHash)
        // The log re-audits from the genesis, the statement checked again on the way.
        var auditor = LogAuditor(genesis: g, backend: .portable)
        for s in UInt64(1)...3 { try auditor.add(try #require(try ledger.record(at: s))) }
        let report = try auditor.finish()
        #expect(report.records == 3 && report.chainHash == chainHash)

        // A snapshot naming a statement no receipt settled is refused.
        var fresh = LedgerState(genesis: g)
        var sealed = SettledReceipts()
        let receiptSigner = ReceiptSigner(key: try ReceiptKey(seed: SecretBytes(copying: Pool.keySeed)), chain: g.chainID)
        let minted = fresh.apply(OrderedBatch(time: 1, mints: [mint]))
        _ = sealed.seal(minted, signatures: minted.signatures(signer: receiptSigner))
        let bytes = fresh.snapshotBytes(receipts: sealed)
        let at = 129 + 8 + fresh.unspent.count * (32 + Output.encodedLength + 10) + 8 + fresh.spentBy.count * 64 + 8
            + fresh.excesses.count
        #expect(bytes[at..<(at + 8)].allSatisfy { $0 == 0 })
        var forged = Array(bytes[..<at]) + [1, 0, 0, 0, 0, 0, 0, 0]
        forged += withUnsafeBytes(of: UInt32(statement.bytes.count).littleEndian) { Array($0) } + statement.bytes
        forged += bytes[(at + 8)...]
        var restored = SettledReceipts()
        #expect(throws: LedgerError.corruptSnapshot(path: "snapshot", reason: "statement 1 was never settled: no authority receipt names its id")) {
            _ = try LedgerState(genesis: g, snapshot: forged, receipts: &restored)
        }

        // Undo: a statement taken back with its batch leaves the chain as before.
        var state = LedgerState(genesis: g)
        let before = state.chainHash
        let applied = state.apply(OrderedBatch(time: 1, authorities: [statement]))
        #expect(state.authorities.statements.count == 1 && state.auditors == [a])
        state.undo(applied.pending)
        #expect(state.authorities.statements.isEmpty && state.sequence == 0 && state.chainHash == before)
    }
}
