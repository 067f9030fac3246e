public import BatchVerify
import Merlin
public import Ristretto255
import Sodium

/// Sizes of a transfer's auditor section (docs/PROTOCOL.md §7.4.1).
public enum Auditing {
    /// Most auditor keys a genesis (and so a transfer) carries.
    public static let maxAuditors = 8
    /// Plaintext sealed to an auditor per output: LE64(amount) ‖ blinding (32).
    public static let plaintextLength = 8 + 32
    /// Ciphertext with its Poly1305 tag.
    public static let ciphertextLength = plaintextLength + XChaCha20Poly1305.tagBytes
    /// Handle D (32) ‖ ciphertext (56).
    public static let handleLength = 32 + ciphertextLength
    /// The bytes the section takes for `auditors` keys and `outputs` outputs, count byte
    /// included: 1 for none, else 1 + 32·K + m·(K·88 + 32 + 32·K + 64).
    public static func sectionLength(auditors k: Int, outputs m: Int) -> Int {
        k == 0 ? 1 : 1 + 32 * k + m * (k * handleLength + 32 + 32 * k + 64)
    }
}

/// What output j of a transfer tells auditor k: the decryption handle D = r·A_k and the
/// amount and blinding sealed to the auditor.
public struct AuditorHandle: Sendable, Equatable {
    /// D = r·A (r the output's blinding).
    public let handle: RistrettoPoint
    /// XChaCha20-Poly1305 of LE64(amount) ‖ blinding, with its tag (56 bytes).
    public let ciphertext: [UInt8]

    /// A handle from its parts; `ciphertext` must be `Auditing.ciphertextLength` bytes.
    package init(handle: RistrettoPoint, ciphertext: [UInt8]) {
        precondition(ciphertext.count == Auditing.ciphertextLength, "an auditor ciphertext is 56 bytes")
        self.handle = handle
        self.ciphertext = ciphertext
    }
}

/// Output j's proof that its handles use the blinding of its commitment: knowledge of
/// (v, r) with C = v·B + r·B~ and D_k = r·A_k for every auditor k.
public struct AuditorProof: Sendable, Equatable {
    /// T1 = a·B + b·B~.
    public let t1: RistrettoPoint
    /// T2_k = b·A_k, one per auditor.
    public let t2: [RistrettoPoint]
    /// z_v = a + c·v.
    public let zV: Scalar
    /// z_r = b + c·r.
    public let zR: Scalar

    /// A proof from its parts (tests build faulty ones).
    package init(t1: RistrettoPoint, t2: [RistrettoPoint], zV: Scalar, zR: Scalar) {
        self.t1 = t1
        self.t2 = t2
        self.zV = zV
        self.zR = zR
    }
}

/// A transfer's auditor section (docs/PROTOCOL.md §7.4.1): for a ledger with auditors
/// A_0 … A_{K−1}, one ephemeral key per auditor and, per output, a handle and ciphertext
/// per auditor and one validity proof. Empty (K = 0) on a ledger without auditors.
///
/// Encoding: K u8 (0...8); if K > 0: K × R_k (32) ‖ per output j: K × (D_jk (32) ‖
/// ciphertext (56)) ‖ T1_j (32) ‖ K × T2_jk (32) ‖ z_v,j (32) ‖ z_r,j (32).
public struct AuditorSection: Sendable, Equatable {
    /// R_k = e_k·A_k, one per auditor.
    public let ephemeralKeys: [RistrettoPoint]
    /// `handles[j][k]`: output j's handle and ciphertext for auditor k.
    public let handles: [[AuditorHandle]]
    /// `proofs[j]`: output j's validity proof.
    public let proofs: [AuditorProof]
    /// The canonical encoding (§7.4.1). The proof transcript reads the points' encodings
    /// from here: encoding a decoded point again would cost a field inversion per point.
    public let encoded: [UInt8]

    /// The section of a ledger without auditors.
    public static let empty = AuditorSection(ephemeralKeys: [], handles: [], proofs: [])

    /// A section from its parts (tests build faulty ones; `TransferDraft` honest ones).
    package init(ephemeralKeys: [RistrettoPoint], handles: [[AuditorHandle]], proofs: [AuditorProof]) {
        var w = ByteWriter()
        Self.encode(ephemeralKeys: ephemeralKeys, handles: handles, proofs: proofs, to: &w)
        self.init(ephemeralKeys: ephemeralKeys, handles: handles, proofs: proofs, encoded: w.bytes)
    }

    private init(ephemeralKeys: [RistrettoPoint], handles: [[AuditorHandle]], proofs: [AuditorProof], encoded: [UInt8]) {
        self.ephemeralKeys = ephemeralKeys
        self.handles = handles
        self.proofs = proofs
        self.encoded = encoded
    }

    /// K, the number of auditors the section serves.
    public var auditorCount: Int { ephemeralKeys.count }

    /// Appends the canonical encoding.
    func encode(to w: inout ByteWriter) { w.raw(encoded) }

    private static func encode(ephemeralKeys: [RistrettoPoint], handles: [[AuditorHandle]], proofs: [AuditorProof],
                               to w: inout ByteWriter) {
        w.u8(UInt8(truncatingIfNeeded: ephemeralKeys.count))
        guard !ephemeralKeys.isEmpty else { return }
        for r in ephemeralKeys { w.point(r) }
        for (row, proof) in zip(handles, proofs) {
            for h in row {
                w.point(h.handle)
                w.raw(h.ciphertext)
            }
            w.point(proof.t1)
            for t in proof.t2 { w.point(t) }
            w.scalar(proof.zV)
            w.scalar(proof.zR)
        }
    }

    /// Reads the section of a transfer with `outputs` outputs; fields are named
    /// `auditors.ephemeral_keys[k]`, `outputs[j].auditors[k].handle`, `outputs[j].auditor_proof.z_r`, ….
    init(reading r: inout ByteReader, outputs m: Int) throws(ProtocolError) {
        let start = r.offset
        let k = try r.count("auditors count", allowed: 0...Auditing.maxAuditors)
        var keys: [RistrettoPoint] = []
        var handles: [[AuditorHandle]] = []
        var proofs: [AuditorProof] = []
        if k > 0 {
            for i in 0..<k { keys.append(try r.point("auditors.ephemeral_keys[\(i)]")) }
            for j in 0..<m {
                var row: [AuditorHandle] = []
                for i in 0..<k {
                    let d = try r.point("outputs[\(j)].auditors[\(i)].handle")
                    let ct = try r.raw(Auditing.ciphertextLength, "outputs[\(j)].auditors[\(i)].ciphertext")
                    row.append(AuditorHandle(handle: d, ciphertext: ct))
                }
                let t1 = try r.point("outputs[\(j)].auditor_proof.t1")
                var t2: [RistrettoPoint] = []
                for i in 0..<k { t2.append(try r.point("outputs[\(j)].auditor_proof.t2[\(i)]")) }
                let zV = try r.scalar("outputs[\(j)].auditor_proof.z_v")
                let zR = try r.scalar("outputs[\(j)].auditor_proof.z_r")
                handles.append(row)
                proofs.append(AuditorProof(t1: t1, t2: t2, zV: zV, zR: zR))
            }
        }
        self.init(ephemeralKeys: keys, handles: handles, proofs: proofs, encoded: Array(r.bytes(from: start)))
    }

    /// The encodings of output j's handles, T1 and T2s, sliced from `encoded`.
    func transcriptEncodings(output j: Int) -> (handles: [ArraySlice<UInt8>], t1: ArraySlice<UInt8>, t2: [ArraySlice<UInt8>]) {
        let k = auditorCount
        let start = 1 + 32 * k + j * (k * Auditing.handleLength + 32 * (k + 1) + 64)
        let t1 = start + k * Auditing.handleLength
        return ((0..<k).map { encoded[(start + Auditing.handleLength * $0)...].prefix(32) },
                encoded[t1..<(t1 + 32)],
                (0..<k).map { encoded[(t1 + 32 + 32 * $0)...].prefix(32) })
    }

    /// Offsets of the section's points within a transfer encoding whose section starts at
    /// `start` (the count byte) with `k` auditors and `m` outputs, for batched decoding.
    static func pointOffsets(start: Int, auditors k: Int, outputs m: Int) -> [Int] {
        guard k > 0 else { return [] }
        var offsets = (0..<k).map { start + 1 + 32 * $0 }
        var o = start + 1 + 32 * k
        for _ in 0..<m {
            for _ in 0..<k {
                offsets.append(o)
                o += Auditing.handleLength
            }
            for i in 0...k { offsets.append(o + 32 * i) }  // T1, then the K T2s
            o += 32 * (k + 1) + 64
        }
        return offsets
    }
}

// MARK: Proof transcript

extension AuditorSection {
    /// The challenges c_j of the validity proofs, one per output (docs/PROTOCOL.md §7.4.1):
    /// Merlin "zkpay/auditor-proof/v1", then the chain id, m, K and every auditor key; for
    /// output j that transcript continues with j, C_j, its handles D_jk, T1_j and its T2_jk,
    /// and c_j is its 64-byte challenge "c" reduced mod l. Each output's challenge depends on
    /// that output's values only, so a faulty output cannot make another one fail.
    ///
    /// Every point comes as its 32-byte encoding.
    static func challenges(chain: ChainID, auditors: [AuditorKey], commitments: [ArraySlice<UInt8>],
                           handles: [[ArraySlice<UInt8>]], t1: [ArraySlice<UInt8>], t2: [[ArraySlice<UInt8>]]) -> [Scalar] {
        var base = Transcript(label: Domain.auditorProofTranscript)
        base.appendMessage("chain-id", chain.bytes)
        base.appendU64("m", UInt64(commitments.count))
        base.appendU64("k", UInt64(auditors.count))
        for a in auditors { base.appendMessage("A", a.encoding) }
        return commitments.indices.map { j in
            var t = base
            t.appendU64("j", UInt64(j))
            t.appendMessage("C", commitments[j])
            for d in handles[j] { t.appendMessage("D", d) }
            t.appendMessage("T1", t1[j])
            for p in t2[j] { t.appendMessage("T2", p) }
            return Scalar(reducingWide: t.challengeBytes("c", count: 64))
        }
    }

    /// The AEAD key and nonce of output j's ciphertext to an auditor:
    /// okm = BLAKE2b-512("zkpay/auditor-key/v1", shared ‖ R ‖ A ‖ chain id ‖ LE32(j) ‖ C_j ‖ D_jk).
    static func keySchedule(shared: RistrettoPoint, ephemeral: RistrettoPoint, auditor: AuditorKey, chain: ChainID,
                            output j: Int, commitment: RistrettoPoint, handle: RistrettoPoint) -> (SecretBytes, [UInt8]) {
        var w = ByteWriter(capacity: 32 * 6 + 4)
        w.point(shared)
        w.point(ephemeral)
        w.raw(auditor.encoding)
        w.raw(chain.bytes)
        w.u32(UInt32(truncatingIfNeeded: j))
        w.point(commitment)
        w.point(handle)
        var input = w.bytes
        return AEADKeys.derive(&input, domain: Domain.auditorKey)
    }
}

// MARK: Prover

extension AuditorSection {
    /// Builds the section for outputs with commitments `commitments` and openings `openings`
    /// (constant time over the secrets: amounts, blindings, ephemerals and proof nonces).
    ///
    /// Per auditor k: e_k = BLAKE2b-512("zkpay/auditor-ephemeral/v1", 32 random bytes ‖ A_k ‖
    /// chain id) mod l, R_k = e_k·A_k, shared_k = e_k·B~ (= s_k·R_k). Per output j: D_jk = r_j·A_k,
    /// the ciphertext of LE64(v_j) ‖ r_j, and a proof with nonces a_j, b_j.
    ///
    /// `sealedAmounts` replaces the amounts written into the ciphertexts (the proofs stay
    /// honest): only tests pass it, to make the lying sender an auditor must catch.
    package static func prove(chain: ChainID, auditors: [AuditorKey], commitments: [RistrettoPoint],
                              openings: [(amount: UInt64, blinding: SecretScalar)], sealedAmounts: [UInt64]? = nil,
                              using rng: inout some RandomNumberGenerator) -> AuditorSection {
        guard !auditors.isEmpty else { return .empty }
        precondition(commitments.count == openings.count, "one opening per output")
        var ephemerals: [RistrettoPoint] = []
        var shared: [RistrettoPoint] = []
        for a in auditors {
            var hedge = rng.bytes(32) + a.encoding + chain.bytes
            var wide = Hash.blake2b(hedge, outputLength: 64, key: Domain.key(Domain.auditorEphemeral))
            var e = Scalar(reducingWide: wide)
            secureZero(&hedge)
            secureZero(&wide)
            ephemerals.append(a.point.multiply(secret: e))
            shared.append(Pedersen.blindingGenerator.multiply(secret: e))
            secureZero(value: &e)
        }
        var rows: [[AuditorHandle]] = []
        var handlePoints: [[RistrettoPoint]] = []
        var t1s: [RistrettoPoint] = []
        var t2s: [[RistrettoPoint]] = []
        var nonceA: [Scalar] = []
        var nonceB: [Scalar] = []
        defer {
            secureZero(&nonceA)
            secureZero(&nonceB)
        }
        for (j, opening) in openings.enumerated() {
            var row: [AuditorHandle] = []
            var ds: [RistrettoPoint] = []
            let sealedAmount = sealedAmounts?[j] ?? opening.amount
            var plaintext = opening.blinding.withScalar { r in littleEndianBytes(sealedAmount) + r.bytes }
            defer { secureZero(&plaintext) }
            for (k, a) in auditors.enumerated() {
                let d = opening.blinding.withScalar { a.point.multiply(secret: $0) }
                let (key, nonce) = keySchedule(shared: shared[k], ephemeral: ephemerals[k], auditor: a, chain: chain,
                                               output: j, commitment: commitments[j], handle: d)
                let sealed: [UInt8]
                do { sealed = try XChaCha20Poly1305.seal(plaintext, key: key, nonce: nonce) } catch {
                    preconditionFailure("key and nonce have the AEAD's sizes: \(error)")
                }
                row.append(AuditorHandle(handle: d, ciphertext: sealed))
                ds.append(d)
            }
            let a = Scalar(reducingWide: rng.bytes(64))
            let b = Scalar(reducingWide: rng.bytes(64))
            nonceA.append(a)
            nonceB.append(b)
            t1s.append(RistrettoPoint.multiplyBase(secret: a) + Pedersen.blindingGenerator.multiply(secret: b))
            t2s.append(auditors.map { $0.point.multiply(secret: b) })
            rows.append(row)
            handlePoints.append(ds)
        }
        func encodings(_ points: [RistrettoPoint]) -> [ArraySlice<UInt8>] { points.map { $0.encoding[...] } }
        let c = challenges(chain: chain, auditors: auditors, commitments: encodings(commitments),
                           handles: handlePoints.map(encodings), t1: encodings(t1s), t2: t2s.map(encodings))
        var proofs: [AuditorProof] = []
        for (j, opening) in openings.enumerated() {
            let zV = nonceA[j] + c[j] * Scalar(opening.amount)
            let zR = opening.blinding.withScalar { nonceB[j] + c[j] * $0 }
            proofs.append(AuditorProof(t1: t1s[j], t2: t2s[j], zV: zV, zR: zR))
        }
        return AuditorSection(ephemeralKeys: ephemerals, handles: rows, proofs: proofs)
    }
}

/// LE64(v).
func littleEndianBytes(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

// MARK: Verifier

/// What the validity proofs of one transfer are checked against, kept so that a failing
/// batch can name the output whose proof fails.
public struct AuditorCheck: Sendable {
    let section: AuditorSection
    let auditors: [AuditorKey]
    let commitments: [RistrettoPoint]
    let challenges: [Scalar]

    /// Checks the section against the ledger's auditors and computes the challenge.
    /// - Throws: `auditorSectionMismatch` naming the first output whose handles do not match
    ///   the ledger's auditor list.
    /// `commitmentEncodings`: the outputs' commitments as the transfer encodes them (nil:
    /// encode `commitments`).
    init(section: AuditorSection, auditors: [AuditorKey], commitments: [RistrettoPoint],
         commitmentEncodings: [ArraySlice<UInt8>]? = nil, chain: ChainID) throws(ProtocolError) {
        guard section.auditorCount == auditors.count else {
            throw .auditorSectionMismatch(output: 0, expected: auditors.count, found: section.auditorCount)
        }
        self.section = section
        self.auditors = auditors
        self.commitments = commitments
        guard !auditors.isEmpty else {
            challenges = []
            return
        }
        let pieces = commitments.indices.map { section.transcriptEncodings(output: $0) }
        challenges = AuditorSection.challenges(
            chain: chain, auditors: auditors, commitments: commitmentEncodings ?? commitments.map { $0.encoding[...] },
            handles: pieces.map(\.handles), t1: pieces.map(\.t1), t2: pieces.map(\.t2))
    }

    /// Whether there is anything to check.
    public var isEmpty: Bool { auditors.isEmpty }

    /// The equations of `outputs`, multiplied by the successive powers w, w², … of one fresh
    /// 128-bit weight w from the CSPRNG (so the statement is pre-weighted), with each auditor
    /// key's scalars added up:
    ///
    ///     Σ_j α_j·(z_v,j·B + z_r,j·B~ − T1_j − c_j·C_j) + Σ_jk β_jk·(z_r,j·A_k − T2_jk − c_j·D_jk) = 0
    ///
    /// If any equation fails, the sum is a nonzero polynomial in w of degree at most
    /// 16·(1 + 8), which vanishes at the verifier's secret w with probability below 2^-120.
    public func statement(outputs: Range<Int>? = nil) -> Statement {
        var (s, commitmentScalars) = weightedTerms(outputs: outputs)
        for (j, scalar) in commitmentScalars { s.add(scalar, commitments[j]) }
        return s
    }

    /// `statement()` added into a transfer's range statement, whose last m dynamic terms are
    /// the output commitments V_j = C_j (`RangeProof.statement`): the C_j scalars join those
    /// terms instead of repeating the points. Both statements are pre-weighted with
    /// independent verifier randomness, so the sum holds only if both do (but a failure
    /// then no longer says which of the two failed: `TransferStatements` keeps them apart
    /// for naming the error).
    /// - Precondition: `range` ends with the m commitments, in output order.
    public func merged(into range: Statement) -> Statement {
        guard !auditors.isEmpty else { return range }
        var (s, commitmentScalars) = weightedTerms(outputs: nil)
        var out = range
        let base = out.points.count - commitments.count
        precondition(base >= 0, "the range statement ends with the commitments")
        for (j, scalar) in commitmentScalars { out.scalars[base + j] += scalar }
        out.b += s.b
        out.bBlinding += s.bBlinding
        out.scalars += s.scalars
        out.points += s.points
        s = Statement()
        return out
    }

    /// The weighted equations without their C_j terms, and the C_j scalars by output.
    private func weightedTerms(outputs: Range<Int>?) -> (Statement, [(Int, Scalar)]) {
        var s = Statement()
        guard !auditors.isEmpty else { return (s, []) }
        s.isWeighted = true
        let w = Scalar.randomWeight128()
        var weight = w
        var keyScalars = [Scalar](repeating: .zero, count: auditors.count)
        var commitmentScalars: [(Int, Scalar)] = []
        for j in outputs ?? commitments.indices {
            let proof = section.proofs[j]
            let c = challenges[j]
            s.b += weight * proof.zV
            s.bBlinding += weight * proof.zR
            s.add(-weight, proof.t1)
            commitmentScalars.append((j, -(weight * c)))
            for k in auditors.indices {
                weight *= w
                keyScalars[k] += weight * proof.zR
                s.add(-weight, proof.t2[k])
                s.add(-(weight * c), section.handles[j][k].handle)
            }
            weight *= w
        }
        for (k, a) in auditors.enumerated() { s.add(keyScalars[k], a.point) }
        return (s, commitmentScalars)
    }

    /// The first output whose proof fails, or nil.
    /// - Warning: Variable time; public data only.
    public func firstFailingOutputVartime(backend: Backend) -> Int? {
        guard !auditors.isEmpty else { return nil }
        return commitments.indices.first { !statement(outputs: $0..<($0 + 1)).isSatisfiedVartime(backend: backend) }
    }
}

// MARK: JSON

extension AuditorSection {
    /// The JSON form: `{"ephemeral_keys": [hex], "outputs": [{"handles": [{"handle": hex,
    /// "ciphertext": hex}], "proof": hex (T1 ‖ T2s ‖ z_v ‖ z_r)}]}`, both arrays empty
    /// without auditors.
    var json: JSONValue {
        .object([
            JSONMember("ephemeral_keys", .array(ephemeralKeys.map { .hex($0.encoding) })),
            JSONMember("outputs", .array(zip(handles, proofs).map { row, proof in
                var p = ByteWriter(capacity: 32 * (proof.t2.count + 3))
                p.point(proof.t1)
                for t in proof.t2 { p.point(t) }
                p.scalar(proof.zV)
                p.scalar(proof.zR)
                return .object([
                    JSONMember("handles", .array(row.map { h in
                        .object([JSONMember("handle", .hex(h.handle.encoding)), JSONMember("ciphertext", .hex(h.ciphertext))])
                    })),
                    JSONMember("proof", .hex(p.bytes)),
                ])
            })),
        ])
    }

    /// Writes the binary section of the JSON form `value` for a transfer with `outputs` outputs
    /// (the binary decoder then checks it).
    static func writeJSON(_ value: JSONValue, outputs m: Int, to w: inout ByteWriter) throws(ProtocolError) {
        var o = try JSONObjectReader(value, path: "auditors")
        let keys = try o.array("ephemeral_keys")
        let rows = try o.array("outputs")
        try o.finish()
        guard keys.count <= Auditing.maxAuditors else {
            throw .countOutOfRange(field: "auditors count", count: keys.count, allowed: "0...\(Auditing.maxAuditors)")
        }
        let k = keys.count
        guard rows.count == (k == 0 ? 0 : m) else {
            throw .invalidJSON(field: "auditors.outputs", reason: "expected \(k == 0 ? 0 : m) entries, one per output")
        }
        w.u8(UInt8(k))
        for (i, v) in keys.enumerated() {
            guard case let .string(s) = v, let b = ProtocolHex.decode(s), b.count == 32 else {
                throw .invalidJSON(field: "auditors.ephemeral_keys[\(i)]", reason: "expected 32 bytes of lowercase hex")
            }
            w.raw(b)
        }
        for (j, v) in rows.enumerated() {
            var row = try JSONObjectReader(v, path: "auditors.outputs[\(j)]")
            let hs = try row.array("handles")
            guard hs.count == k else {
                throw .invalidJSON(field: "auditors.outputs[\(j)].handles", reason: "expected \(k) entries, one per auditor")
            }
            for (i, h) in hs.enumerated() {
                var ho = try JSONObjectReader(h, path: "auditors.outputs[\(j)].handles[\(i)]")
                w.raw(try ho.hex("handle", length: 32))
                w.raw(try ho.hex("ciphertext", length: Auditing.ciphertextLength))
                try ho.finish()
            }
            w.raw(try row.hex("proof", length: 32 * (k + 3)))
            try row.finish()
        }
    }
}
