import Foundation
import Sodium
import Testing
@testable import ZKPayCore

/// Authority statements (docs/PROTOCOL.md §7.12): a chain of validator-set and auditor-key
/// changes from a genesis, each signed by a quorum of the set in office before it and, when
/// the auditors change, by the issuer.
@Suite("Authority statements")
struct AuthorityStatementTests {
    static let issuer = TestKeys.wallet(3)
    /// Validator keys v1 … v6 from fixed seeds.
    static let keys: [Ed25519KeyPair] = (1...6).map { i in
        do { return try Ed25519KeyPair(seed: SecretBytes(copying: [UInt8](repeating: UInt8(i), count: 32))) } catch {
            preconditionFailure("a 32-byte seed gives a key pair: \(error)")
        }
    }
    static func validators(_ indices: [Int]) -> [GenesisValidator] {
        indices.map { i in
            do { return try GenesisValidator(name: "v\(i + 1)", publicKey: keys[i].publicKey) } catch {
                preconditionFailure("\(error)")
            }
        }
    }
    static let auditorA = AuditorFixtures.secret(1).publicKey
    static let auditorB = AuditorFixtures.secret(2).publicKey

    /// A genesis of v1, v2, v3 (quorum 2) with auditor A.
    static func genesis() throws -> Genesis {
        try Genesis(issuer: issuer.address, minimumFee: 1, validators: validators([0, 1, 2]), auditors: [auditorA])
    }

    /// Statement 1: v1 … v4 from sequence 100, auditors unchanged, signed by `signers` (indices
    /// into the genesis's set).
    static func addFourth(_ g: Genesis, signers: [UInt8] = [0, 2]) throws -> AuthorityStatement {
        var s = try AuthorityStatement(chain: g.chainID, number: 1, previous: g.chainID.bytes, effective: 100,
                                       validators: validators([0, 1, 2, 3]), auditors: [auditorA])
        for i in signers { s = s.signed(asValidator: i, key: keys[Int(i)]) }
        return s
    }

    @Test("a chain of two statements: each signed by a quorum of the set before it; the authority at each sequence; encodings round-trip")
    func chain() throws {
        let g = try Self.genesis()
        let first = try Self.addFourth(g)
        // Statement 2: v2, v4, v5, v6 from sequence 250 with auditor B instead of A: 3 of the
        // 4 validators in office (v1, v2, v4) and the issuer sign.
        var second = try AuthorityStatement(chain: g.chainID, number: 2, previous: first.id, effective: 250,
                                            validators: Self.validators([1, 3, 4, 5]), auditors: [Self.auditorB])
        for i: UInt8 in [0, 1, 3] { second = second.signed(asValidator: i, key: Self.keys[Int(i)]) }
        second = second.signed(asIssuer: Self.issuer.spend)
        let chain = try AuthorityChain(genesis: g, statements: [first, second])
        #expect(chain.authorities.map(\.number) == [0, 1, 2])
        #expect(chain.authority(at: 1).validators.map(\.name) == ["v1", "v2", "v3"])
        #expect(chain.authority(at: 99).quorum == 2)
        #expect(chain.authority(at: 100).validators.map(\.name) == ["v1", "v2", "v3", "v4"])
        #expect(chain.authority(at: 100).quorum == 3)
        #expect(chain.authority(at: 249).auditors == [Self.auditorA])
        #expect(chain.authority(at: 250).auditors == [Self.auditorB])
        #expect(chain.current.validators.map(\.name) == ["v2", "v4", "v5", "v6"])
        for s in [first, second] {
            let decoded = try AuthorityStatement(bytes: s.bytes)
            #expect(decoded == s && decoded.bytes == s.bytes && decoded.id == s.id)
        }
        #expect(first.signers.map(\.index) == [0, 2])
    }

    @Test("refused: too few signatures, a signature by a stranger or over other bytes, an unknown index, another ledger, a gap in the numbers, a wrong previous id, an effective sequence not later")
    func refusals() throws {
        let g = try Self.genesis()
        var chain = AuthorityChain(genesis: g)
        #expect(throws: AuthorityError.noQuorum(valid: 1, needed: 2)) { try chain.append(try Self.addFourth(g, signers: [1])) }
        // v4's key signing as index 1 (v2).
        let stranger = try Self.addFourth(g, signers: [0]).adding(
            .init(index: 1, signature: Self.keys[3].sign(try Self.addFourth(g, signers: []).validatorMessage)))
        #expect(throws: AuthorityError.invalidValidatorSignature(name: "v2")) { try chain.append(stranger) }
        let unknown = try Self.addFourth(g, signers: [0]).adding(.init(index: 5, signature: [UInt8](repeating: 0, count: 64)))
        #expect(throws: AuthorityError.unknownSigner(index: 5)) { try chain.append(unknown) }
        // A signature of statement 1 moved onto a statement with another effective sequence.
        let honest = try Self.addFourth(g)
        var moved = try AuthorityStatement(chain: g.chainID, number: 1, previous: g.chainID.bytes, effective: 101,
                                           validators: Self.validators([0, 1, 2, 3]), auditors: [Self.auditorA])
        for s in honest.signers { moved = moved.adding(s) }
        #expect(throws: AuthorityError.invalidValidatorSignature(name: "v1")) { try chain.append(moved) }
        let other = try Genesis(issuer: Self.issuer.address, minimumFee: 2, validators: Self.validators([0, 1, 2]),
                                auditors: [Self.auditorA])
        #expect(throws: AuthorityError.wrongChain) { try chain.append(try Self.addFourth(other)) }
        var skip = try AuthorityStatement(chain: g.chainID, number: 2, previous: g.chainID.bytes, effective: 100,
                                          validators: Self.validators([0, 1]), auditors: [Self.auditorA])
        for i: UInt8 in [0, 1] { skip = skip.signed(asValidator: i, key: Self.keys[Int(i)]) }
        #expect(throws: AuthorityError.wrongNumber(expected: 1, found: 2)) { try chain.append(skip) }
        var wrongPrevious = try AuthorityStatement(chain: g.chainID, number: 1, previous: [UInt8](repeating: 1, count: 32),
                                                   effective: 100, validators: Self.validators([0, 1]), auditors: [Self.auditorA])
        for i: UInt8 in [0, 1] { wrongPrevious = wrongPrevious.signed(asValidator: i, key: Self.keys[Int(i)]) }
        #expect(throws: AuthorityError.wrongPrevious) { try chain.append(wrongPrevious) }
        var notLater = try AuthorityStatement(chain: g.chainID, number: 1, previous: g.chainID.bytes, effective: 1,
                                              validators: Self.validators([0, 1]), auditors: [Self.auditorA])
        for i: UInt8 in [0, 1] { notLater = notLater.signed(asValidator: i, key: Self.keys[Int(i)]) }
        #expect(throws: AuthorityError.notLater(effective: 1, current: 1)) { try chain.append(notLater) }
        // Nothing was taken; the honest statement still is.
        #expect(chain.statements.isEmpty)
        try chain.append(honest)
        #expect(chain.current.number == 1)
        #expect(throws: AuthorityError.wrongNumber(expected: 2, found: 1)) { try chain.append(honest) }
    }

    @Test("a change of auditor keys needs the issuer's signature, which must verify; the validators alone may change the set")
    func issuer() throws {
        let g = try Self.genesis()
        var change = try AuthorityStatement(chain: g.chainID, number: 1, previous: g.chainID.bytes, effective: 10,
                                            validators: Self.validators([0, 1, 2]), auditors: [Self.auditorA, Self.auditorB])
        for i: UInt8 in [0, 1] { change = change.signed(asValidator: i, key: Self.keys[Int(i)]) }
        var chain = AuthorityChain(genesis: g)
        #expect(throws: AuthorityError.issuerSignatureMissing) { try chain.append(change) }
        let byStranger = change.signed(asIssuer: TestKeys.wallet(9).spend)
        #expect(throws: AuthorityError.invalidIssuerSignature) { try chain.append(byStranger) }
        try chain.append(change.signed(asIssuer: Self.issuer.spend))
        #expect(chain.current.auditors == [Self.auditorA, Self.auditorB])
        // Removing every auditor is a change too.
        var none = try AuthorityStatement(chain: g.chainID, number: 2, previous: chain.current.id, effective: 20,
                                          validators: Self.validators([0, 1, 2]), auditors: [])
        for i: UInt8 in [1, 2] { none = none.signed(asValidator: i, key: Self.keys[Int(i)]) }
        #expect(throws: AuthorityError.issuerSignatureMissing) { try chain.append(none) }
    }

    @Test("every byte of an encoded statement altered is refused by the decoder or by the chain")
    func tampering() throws {
        let g = try Self.genesis()
        let good = try Self.addFourth(g).signed(asIssuer: Self.issuer.spend)
        let bytes = good.bytes
        for i in bytes.indices {
            var bad = bytes
            bad[i] ^= 0x01
            guard let decoded = try? AuthorityStatement(bytes: bad) else { continue }
            var chain = AuthorityChain(genesis: g)
            #expect(throws: AuthorityError.self, "byte \(i)") { try chain.append(decoded) }
        }
        #expect(throws: ProtocolError.self) { _ = try AuthorityStatement(bytes: bytes + [0]) }
        #expect(throws: ProtocolError.self) { _ = try AuthorityStatement(bytes: Array(bytes.dropLast())) }
    }

    @Test("known answer: the signed body and id of a one-validator statement (docs/PROTOCOL.md §7.12, computed with Python's hashlib)")
    func knownAnswer() throws {
        let s = try AuthorityStatement(chain: TestKeys.chain, number: 1, previous: TestKeys.chain.bytes, effective: 100,
                                       validators: [try GenesisValidator(name: "v1", publicKey: (0..<32).map { UInt8($0) })],
                                       auditors: [])
        #expect(ProtocolHex.encode(s.body) == "01" + String(repeating: "5a", count: 32) + "01000000" + String(repeating: "5a", count: 32)
            + "6400000000000000" + "01" + "02" + "7631" + "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" + "00")
        #expect(ProtocolHex.encode(s.id) == "47bbc9e9818044163516f70fe01684234c4c019faa91900b41ddc5ed1eb0fedb")
        #expect(s.bytes == s.body + [0, 0])
    }

    @Test("the quorum of a set of N validators is ceil((N + f + 1) / 2)")
    func quorum() {
        #expect((1...10).map { Genesis.quorum(validatorCount: $0) } == [1, 2, 2, 3, 4, 4, 5, 6, 6, 7])
    }
}

@Suite("Authority statement fuzz seeds")
struct AuthorityStatementSeedTests {
    static func seed(_ name: String) throws -> [UInt8] {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz/authority")
        return Array(try Data(contentsOf: dir.appendingPathComponent(name)))
    }

    @Test("the fuzz seeds, encoded in Python from the documented layout, decode as documented; indices out of order are refused")
    func independentEncoding() throws {
        let known = try AuthorityStatement(bytes: try Self.seed("known-answer-unsigned"))
        #expect(ProtocolHex.encode(known.id) == "47bbc9e9818044163516f70fe01684234c4c019faa91900b41ddc5ed1eb0fedb")
        #expect(known.number == 1 && known.effective == 100 && known.validators.map(\.name) == ["v1"] && known.signers.isEmpty)
        let signed = try AuthorityStatement(bytes: try Self.seed("two-validators-one-auditor-signed"))
        #expect(signed.number == 2 && signed.effective == 5000 && signed.validators.count == 2 && signed.auditors.count == 1)
        #expect(signed.signers.map(\.index) == [0, 1] && signed.issuerSignature?.count == 64)
        #expect(signed.bytes == (try Self.seed("two-validators-one-auditor-signed")))
        #expect(throws: ProtocolError.self) { try AuthorityStatement(bytes: try Self.seed("signers-out-of-order")) }
    }
}
