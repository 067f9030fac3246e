import BatchVerify
import Foundation
import Ristretto255
import Sodium
import Testing
import TestSupport
@testable import ZKPayCore

/// Auditor keys, secrets and drafts built from a seeded generator.
enum AuditorFixtures {
    static func secret(_ tag: UInt8) -> AuditorSecret {
        do { return try AuditorSecret(seed: SecretBytes(copying: (0..<32).map { UInt8($0) &* 5 &+ tag })) } catch {
            preconditionFailure("fixed auditor seeds derive keys: \(error)")
        }
    }

    /// An honest draft from `alice` paying `amounts` (one note covering them exactly) with `auditors`.
    static func draft(amounts: [UInt64], auditors: [AuditorKey], _ rng: inout SeededRNG)
        throws -> (draft: TransferDraft, alice: WalletKeys, inputs: [InputNote])
    {
        let alice = TestKeys.wallet(90), bob = TestKeys.wallet(91)
        let total = amounts.reduce(0, +) + 3
        let note = TransferBuilderTests.owned(total, by: alice, &rng)
        let d = try TransferDraft(chain: TestKeys.chain, auditors: auditors, inputs: [note],
                                  outputs: amounts.map { (bob.address, $0, []) }, fee: 3, rng: &rng)
        return (d, alice, [note.input])
    }

    /// Signs `draft` as `alice` (the sender re-signs whatever her faulty builder made).
    static func sign(_ draft: TransferDraft, _ alice: WalletKeys, _ rng: inout SeededRNG) throws -> Transfer {
        var signer = SecureSigner()
        return try Transfer(bytes: draft.assemble(sender: alice.spend, signer: &signer))
    }
}

@Suite("Auditor keys")
struct AuditorKeyTests {
    @Test("an auditor key is 65 characters of bech32m zkpaud and round-trips; other strings are refused")
    func text() throws {
        let key = AuditorFixtures.secret(1).publicKey
        let s = key.encoded
        #expect(s.count == AuditorKey.encodedLength && s.hasPrefix("zkpaud1"))
        #expect(try AuditorKey(parsing: s) == key)
        #expect(try AuditorKey(parsing: s.uppercased()) == key)
        #expect(protocolError { _ = try AuditorKey(parsing: TestKeys.wallet(1).address.encoded) }?.code == "invalid_auditor_key")
        var chars = Array(s)
        chars[20] = chars[20] == "q" ? "p" : "q"
        #expect(protocolError { _ = try AuditorKey(parsing: String(chars)) }?.code == "invalid_auditor_key")
        #expect(protocolError { _ = try AuditorKey(encoding: RistrettoPoint.identity.encoding) }?.code == "identity_point")
    }

    @Test("A = s⁻¹·B~, so s·A = B~")
    func relation() throws {
        let a = AuditorFixtures.secret(2)
        #expect(a.secret.withScalar { a.publicKey.point.multiply(secret: $0) } == Pedersen.blindingGenerator)
    }

    @Test("the genesis carries up to 8 distinct auditor keys, bound into the chain id")
    func genesis() throws {
        let issuer = TestKeys.wallet(3).address
        let v = [try GenesisValidator(name: "v1", publicKey: [UInt8](repeating: 7, count: 32))]
        let keys = (1...8).map { AuditorFixtures.secret(UInt8($0)).publicKey }
        let none = try Genesis(issuer: issuer, minimumFee: 1, validators: v)
        let one = try Genesis(issuer: issuer, minimumFee: 1, validators: v, auditors: [keys[0]])
        let eight = try Genesis(issuer: issuer, minimumFee: 1, validators: v, auditors: keys)
        for g in [none, one, eight] { #expect(try Genesis(bytes: g.bytes) == g) }
        #expect(Set([none.chainID, one.chainID, eight.chainID]).count == 3)
        let swapped = try Genesis(issuer: issuer, minimumFee: 1, validators: v, auditors: [keys[1], keys[0]])
        #expect(swapped.chainID != (try Genesis(issuer: issuer, minimumFee: 1, validators: v, auditors: [keys[0], keys[1]])).chainID)
        #expect(throws: GenesisFormatError.self) { _ = try Genesis(issuer: issuer, minimumFee: 1, validators: v, auditors: keys + [keys[0]]) }
        #expect(throws: GenesisFormatError.self) { _ = try Genesis(issuer: issuer, minimumFee: 1, validators: v, auditors: [keys[0], keys[0]]) }
        // An identity auditor key in the file is refused (checksum recomputed so only the key is wrong).
        var body = Array(one.bytes.dropLast(32))
        body.replaceSubrange((body.count - 32)..., with: RistrettoPoint.identity.encoding)
        let forged = body + Hash.blake2b(body, outputLength: 32, key: Domain.key(Domain.genesisChecksum))
        #expect(throws: GenesisFormatError.self) { _ = try Genesis(bytes: forged) }
    }
}

@Suite("Auditor section of a transfer")
struct AuditorSectionTests {
    static let keys = [AuditorFixtures.secret(11), AuditorFixtures.secret(12), AuditorFixtures.secret(13)]

    @Test("honest transfers with 1 to 3 auditors and 1 to 4 outputs verify, decode, round-trip JSON and have the documented size",
          arguments: [(1, 1), (2, 1), (4, 1), (2, 2), (2, 3)])
    func honest(outputs m: Int, auditors k: Int) throws {
        var rng = SeededRNG(seed: 0xa0d1_0000 + UInt64(10 * m + k))
        print("seed", rng.seed)
        let auditors = Self.keys.prefix(k).map(\.publicKey)
        let (draft, alice, inputs) = try AuditorFixtures.draft(amounts: (0..<m).map { UInt64(100 * $0 + 7) }, auditors: auditors, &rng)
        let t = try AuditorFixtures.sign(draft, alice, &rng)
        try TransferVerifier.verifyVartime(t, inputs: inputs, auditors: auditors)
        #expect(t.auditorSection.auditorCount == k)
        let plain = try AuditorFixtures.draft(amounts: (0..<m).map { UInt64(100 * $0 + 7) }, auditors: [], &rng)
        let baseline = try AuditorFixtures.sign(plain.draft, plain.alice, &rng)
        #expect(t.bytes.count - baseline.bytes.count == Auditing.sectionLength(auditors: k, outputs: m) - 1)
        #expect(try Transfer(json: t.json) == t)
        #expect(try Transfer(bytes: t.bytes, backend: TestBackends.fastest) == t)
        // The ledger's auditor list must match: fewer, more, or other keys are refused naming the output.
        #expect(protocolError { try TransferVerifier.verifyVartime(t, inputs: inputs, auditors: Array(auditors.dropLast())) }
                == .auditorSectionMismatch(output: 0, expected: k - 1, found: k))
        #expect(protocolError { try TransferVerifier.verifyVartime(baseline, inputs: plain.inputs, auditors: auditors) }
                == .auditorSectionMismatch(output: 0, expected: k, found: 0))
        let other = [AuditorFixtures.secret(99).publicKey] + auditors.dropFirst()
        #expect(protocolError { try TransferVerifier.verifyVartime(t, inputs: inputs, auditors: other) } == .invalidAuditorProof(output: 0))
    }

    /// Every field of output j's handles and proof altered by the sender's faulty builder (then signed).
    static func faults(_ s: AuditorSection, output j: Int, _ rng: inout SeededRNG) -> [(String, AuditorSection)] {
        let p = s.proofs[j]
        let junk = TestKeys.point(&rng)
        func replacing(handles: [AuditorHandle]? = nil, proof: AuditorProof? = nil) -> AuditorSection {
            var hs = s.handles, ps = s.proofs
            if let handles { hs[j] = handles }
            if let proof { ps[j] = proof }
            return AuditorSection(ephemeralKeys: s.ephemeralKeys, handles: hs, proofs: ps)
        }
        var out: [(String, AuditorSection)] = []
        for k in s.handles[j].indices {
            var hs = s.handles[j]
            hs[k] = AuditorHandle(handle: hs[k].handle + junk, ciphertext: hs[k].ciphertext)
            out.append(("handle \(k)", replacing(handles: hs)))
            hs = s.handles[j]
            hs[k] = AuditorHandle(handle: hs[k].handle + hs[k].handle, ciphertext: hs[k].ciphertext)
            out.append(("handle \(k) doubled", replacing(handles: hs)))
            var t2 = p.t2
            t2[k] = t2[k] + junk
            out.append(("t2 \(k)", replacing(proof: AuditorProof(t1: p.t1, t2: t2, zV: p.zV, zR: p.zR))))
        }
        out.append(("t1", replacing(proof: AuditorProof(t1: p.t1 + junk, t2: p.t2, zV: p.zV, zR: p.zR))))
        out.append(("z_v", replacing(proof: AuditorProof(t1: p.t1, t2: p.t2, zV: p.zV + .one, zR: p.zR))))
        out.append(("z_r", replacing(proof: AuditorProof(t1: p.t1, t2: p.t2, zV: p.zV, zR: p.zR + .one))))
        return out
    }

    @Test("every altered handle or proof field, re-signed by the sender, is refused naming its output; alone and in a batch of good ones")
    func faultyBuilder() throws {
        var rng = SeededRNG(seed: 0xa0d1_fa17)
        print("seed", rng.seed)
        let auditors = Self.keys.prefix(2).map(\.publicKey)
        let good = try (0..<3).map { _ in try AuditorFixtures.draft(amounts: [5, 6], auditors: auditors, &rng) }
        let goodItems = try good.map { (try AuditorFixtures.sign($0.draft, $0.alice, &rng), $0.inputs) }
        for j in 0..<2 {
            var (draft, alice, inputs) = try AuditorFixtures.draft(amounts: [40, 2], auditors: auditors, &rng)
            for (name, section) in Self.faults(draft.auditorSection, output: j, &rng) {
                draft.auditorSection = section
                let t = try AuditorFixtures.sign(draft, alice, &rng)
                #expect(protocolError { try TransferVerifier.verifyVartime(t, inputs: inputs, auditors: auditors) }
                        == .invalidAuditorProof(output: j), "\(name) of output \(j)")
                let batch = goodItems + [(t, inputs)]
                let bad = TransferVerifier.invalidTransfersVartime(batch, auditors: auditors, verifier: BatchVerifier(backend: .portable))
                #expect(bad.count == 1 && bad[0].index == 3 && bad[0].error == .invalidAuditorProof(output: j), "\(name)")
            }
        }
    }

    @Test("flipping any bit of a signed transfer's auditor section is refused (decoding or a signature)")
    func everyBit() throws {
        var rng = SeededRNG(seed: 0xa0d1_b175)
        let auditors = [Self.keys[0].publicKey]
        let (draft, alice, inputs) = try AuditorFixtures.draft(amounts: [9], auditors: auditors, &rng)
        let t = try AuditorFixtures.sign(draft, alice, &rng)
        let length = Auditing.sectionLength(auditors: 1, outputs: 1)
        let start = t.bytes.count - 192 - length
        for i in start..<(start + length) {
            for bit in [0, 7] {
                var b = t.bytes
                b[i] ^= UInt8(1 << bit)
                let e = protocolError {
                    let u = try Transfer(bytes: b)
                    try TransferVerifier.verifyVartime(u, inputs: inputs, auditors: auditors)
                }
                #expect(e != nil, "byte \(i) bit \(bit)")
            }
        }
    }

    @Test("property: for random amounts, blindings, output and auditor counts the proof verifies and D = r·A_k",
          arguments: 0..<6)
    func property(round: Int) throws {
        var rng = SeededRNG(seed: 0xa0d1_9900 + UInt64(round))
        print("seed", rng.seed)
        let m = [1, 2, 4, 8][Int(rng.next() % 4)]
        let k = 1 + Int(rng.next() % 3)
        let auditors = Self.keys.prefix(k).map(\.publicKey)
        let amounts = (0..<m).map { _ in rng.next() >> 8 }
        let blindings = (0..<m).map { _ in TestKeys.scalar(&rng) }
        let commitments = zip(amounts, blindings).map { Pedersen.commit(amount: $0, blinding: $1) }
        let section = AuditorSection.prove(chain: TestKeys.chain, auditors: auditors, commitments: commitments,
                                           openings: zip(amounts, blindings).map { ($0, SecretScalar($1)) }, using: &rng)
        for j in 0..<m {
            for (i, a) in auditors.enumerated() { #expect(section.handles[j][i].handle == a.point.vartimeMultiply(blindings[j])) }
        }
        let check = try AuditorCheck(section: section, auditors: auditors, commitments: commitments, chain: TestKeys.chain)
        #expect(check.statement().isSatisfiedVartime(backend: .portable))
        #expect(check.firstFailingOutputVartime(backend: .portable) == nil)
        // Another chain id changes the challenge: the proof does not carry over.
        let elsewhere = try AuditorCheck(section: section, auditors: auditors, commitments: commitments,
                                         chain: ChainID(uncheckedBytes: [UInt8](repeating: 1, count: 32)))
        #expect(!elsewhere.statement().isSatisfiedVartime(backend: .portable))
        // Commitments swapped between outputs (when there are two) break the proofs of both.
        if m > 1 {
            var swapped = commitments
            swapped.swapAt(0, 1)
            let c = try AuditorCheck(section: section, auditors: auditors, commitments: swapped, chain: TestKeys.chain)
            #expect(c.firstFailingOutputVartime(backend: .portable) == 0)
        }
    }
}

@Suite("Auditor scan")
struct AuditorScanTests {
    static let secret = AuditorFixtures.secret(21)
    static let small = DiscreteLogTable(babyBits: 8, bits: 24)

    static func genesis(_ auditors: [AuditorKey]) throws -> Genesis {
        try Genesis(issuer: TestKeys.wallet(3).address, minimumFee: 1,
                    validators: [GenesisValidator(name: "v1", publicKey: [UInt8](repeating: 7, count: 32))], auditors: auditors)
    }

    @Test("the auditor reads every honest output's amount; a second auditor reads the same")
    func honest() throws {
        var rng = SeededRNG(seed: 0x5ca7_0001)
        let other = AuditorFixtures.secret(22)
        let keys = [other.publicKey, Self.secret.publicKey]
        let (draft, alice, _) = try AuditorFixtures.draft(amounts: [1_234_567, 0, 42, UInt64.max >> 1], auditors: keys, &rng)
        let t = try AuditorFixtures.sign(draft, alice, &rng)
        for s in [Self.secret, other] {
            let scanner = try #require(AuditorScanner(secret: s, genesis: try Self.genesis(keys), table: Self.small))
            let seen = scanner.scan(t)
            #expect(!seen.isFlagged)
            #expect(seen.outputs.map(\.amount) == [1_234_567, 0, 42, UInt64.max >> 1])
        }
        #expect(AuditorScanner(secret: AuditorFixtures.secret(23), genesis: try Self.genesis(keys), table: Self.small) == nil)
    }

    @Test("a wrong amount in the ciphertext verifies but is flagged with the true amount recovered; the sender is the transfer's")
    func lyingSender() throws {
        var rng = SeededRNG(seed: 0x5ca7_0002)
        let keys = [Self.secret.publicKey]
        var (draft, alice, inputs) = try AuditorFixtures.draft(amounts: [777, 5], auditors: keys, &rng)
        draft.auditorSection = AuditorSection.prove(chain: draft.chain, auditors: keys, commitments: draft.outputs.map(\.commitment),
                                                    openings: draft.openings, sealedAmounts: [7, 5], using: &rng)
        let t = try AuditorFixtures.sign(draft, alice, &rng)
        try TransferVerifier.verifyVartime(t, inputs: inputs, auditors: keys)
        let seen = try #require(AuditorScanner(secret: Self.secret, genesis: try Self.genesis(keys), table: Self.small)).scan(t)
        #expect(seen.isFlagged && t.sender == alice.spend.publicKey)
        #expect(seen.outputs[0] == AuditedOutput(owner: t.outputs[0].owner, amount: 777, flag: .amountMismatch(claimed: 7)))
        #expect(seen.outputs[1].flag == nil && seen.outputs[1].amount == 5)
        // A ciphertext that does not open at all is flagged too.
        var bad = draft
        var hs = bad.auditorSection.handles
        var ct = hs[1][0].ciphertext
        ct[0] ^= 1
        hs[1][0] = AuditorHandle(handle: hs[1][0].handle, ciphertext: ct)
        bad.auditorSection = AuditorSection(ephemeralKeys: bad.auditorSection.ephemeralKeys, handles: hs, proofs: bad.auditorSection.proofs)
        let u = try AuditorFixtures.sign(bad, alice, &rng)
        try TransferVerifier.verifyVartime(u, inputs: inputs, auditors: keys)
        let seenU = try #require(AuditorScanner(secret: Self.secret, genesis: try Self.genesis(keys), table: Self.small)).scan(u)
        #expect(seenU.outputs[1] == AuditedOutput(owner: u.outputs[1].owner, amount: 5, flag: .ciphertextUnreadable))
    }

    @Test("baby-step giant-step recovers amounts below 2^40 (edges and random) and nothing at or above it")
    func discreteLog() throws {
        let table = DiscreteLogTable(backend: TestBackends.fastest)
        var rng = SeededRNG(seed: 0xb5b5)
        print("seed", rng.seed)
        let values: [UInt64] = [0, 1, (1 << 20) - 1, 1 << 20, (1 << 40) - 1, rng.next() >> 24, rng.next() >> 24]
        for v in values {
            #expect(table.recoverVartime(RistrettoPoint.basepoint.vartimeMultiply(Scalar(v)), backend: TestBackends.fastest) == v, "\(v)")
        }
        #expect(Self.small.recoverVartime(RistrettoPoint.basepoint.vartimeMultiply(Scalar(1 << 24))) == nil)
        #expect(Self.small.recoverVartime(RistrettoPoint.basepoint.vartimeMultiply(Scalar((1 << 24) - 1))) == (1 << 24) - 1)
    }
}
