import BatchVerify
public import Bulletproofs
import Merlin
public import Ristretto255
public import Schnorr
import Sodium

/// A confidential transfer, version 3 (docs/PROTOCOL.md §7.4).
///
/// Canonical encoding (all integers little-endian):
///
///     type u8 = 1 ‖ version u8 = 3 ‖ chain id (32, the ledger's genesis hash)
///     input count u8 (1...16) ‖ input note ids (32 each)
///     output count u8 (1, 2, 4, 8 or 16) ‖ outputs (owner 32 ‖ commitment 32 ‖ memo 153)
///     fee u64
///     range proof length u16 (= 32·(9 + 2·log2(64·m))) ‖ range proof (dalek wire format)
///     auditor section (K u8 ‖ …, `AuditorSection`: handles, ciphertexts and validity proofs)
///     excess E (32)                                 ← balance message ends here
///     balance signature (64, schnorrkel, key E, generator B~)
///     sender P (32)                                 ← authorization message ends here
///     authorization signature (64, schnorrkel, key P, generator B)
///
/// The balance signature signs every byte before it; the authorization signs every byte
/// before it (so it covers the balance signature too). The transfer id is BLAKE2b-256
/// keyed "zkpay/transfer-id/v3" of the whole encoding. The chain id binds both signatures
/// and the id to one ledger; the range proof's transcript absorbs it too.
///
/// Holding a `Transfer` means the bytes decoded strictly; it does not mean the transfer
/// is valid: `TransferVerifier` checks that.
public struct Transfer: Sendable, Equatable {
    /// The object type byte of a transfer.
    public static let objectType: UInt8 = 1
    /// The version this implementation encodes and accepts.
    public static let version: UInt8 = 3
    /// Inputs per transfer.
    public static let inputCounts = 1...16
    /// Allowed output counts (the aggregation sizes of the range proof).
    public static let outputCounts = [1, 2, 4, 8, 16]
    /// Bits of every output amount's range proof.
    public static let rangeBits = 64

    /// The ledger the transfer is for.
    public let chainID: ChainID
    /// Ids of the notes spent, in the order the verifier receives them.
    public let inputs: [NoteID]
    /// The new notes.
    public let outputs: [Output]
    /// The public fee.
    public let fee: UInt64
    /// One aggregated 64-bit range proof over the output commitments.
    public let rangeProof: RangeProof
    /// Per output and auditor of the ledger: decryption handle, ciphertext, validity proof.
    public let auditorSection: AuditorSection
    /// E = Σ output commitments − Σ input commitments + fee·B (= k·B~ when balanced).
    public var excess: RistrettoPoint { excessKey.point }
    /// E with its encoding as the balance signature's public key (kept from decoding so
    /// that verification does not re-encode it).
    public let excessKey: PublicKey
    /// Schnorr signature proving knowledge of k with E = k·B~.
    public let balanceSignature: Signature
    /// The sender's spend key P, which must own every input.
    public var sender: RistrettoPoint { senderKey.point }
    /// P with its encoding, as the authorization's public key.
    public let senderKey: PublicKey
    /// Schnorr signature by P over the encoding up to and including `sender`.
    public let authorization: Signature

    /// The canonical encoding.
    public let bytes: [UInt8]
    /// Bytes covered by the balance signature (a prefix of `bytes`).
    let balanceMessageLength: Int
    /// Bytes covered by the authorization (a prefix of `bytes`).
    let authorizationMessageLength: Int

    /// The transfer id (computed once, when the bytes are decoded: the validator asks for it
    /// at several stages, and each computation hashes the whole encoding).
    public let id: TransferID

    /// The ids of the notes this transfer creates, in output order.
    public var outputIDs: [NoteID] {
        let parent = id
        return outputs.indices.map { NoteID(transfer: parent, outputIndex: $0) }
    }

    /// The notes this transfer creates.
    public var createdNotes: [Note] {
        zip(outputIDs, outputs).map { Note(id: $0, output: $1) }
    }

    /// Where this encoding's fields lie.
    public var layout: TransferLayout {
        TransferLayout(inputs: inputs.count, outputs: outputs.count, auditors: auditorSection.auditorCount)
    }

    /// The canonical encodings of the output commitments, sliced from `bytes` (the
    /// transcripts read these rather than encoding the decoded points again).
    public var outputCommitmentEncodings: [[UInt8]] {
        let layout = layout
        return outputs.indices.map { j in Array(bytes[layout.commitment(j)..<(layout.commitment(j) + 32)]) }
    }

    /// The message of the balance signature.
    public var balanceMessage: ArraySlice<UInt8> { bytes[0..<balanceMessageLength] }
    /// The message of the authorization signature.
    public var authorizationMessage: ArraySlice<UInt8> { bytes[0..<authorizationMessageLength] }

    /// Decodes the canonical encoding.
    /// - Parameter backend: the backend of the batched point decoding (one the CPU runs);
    ///   every backend gives the same transfer and the same errors.
    /// - Throws: the first `ProtocolError` found, naming the field (`inputs[2]`,
    ///   `outputs[1].commitment`, `range_proof.t_x`, `authorization.s`, …).
    public init(bytes data: some Collection<UInt8>, backend: Backend = .portable) throws(ProtocolError) {
        let all = Array(data)
        var r = ByteReader(all)
        let type = try r.u8("type")
        guard type == Self.objectType else { throw .unexpectedObjectType(expected: "transfer", found: Int(type)) }
        let version = try r.u8("version")
        guard version == Self.version else { throw .unknownVersion(object: "transfer", version: Int(version)) }
        let chainID = ChainID(uncheckedBytes: try r.raw(32, "chain_id"))
        let inputCount = try r.count("inputs count", allowed: Self.inputCounts)
        var inputs = [NoteID]()
        inputs.reserveCapacity(inputCount)
        for i in 0..<inputCount { inputs.append(NoteID(uncheckedBytes: try r.raw(32, "inputs[\(i)]"))) }
        let outputCount = try r.count("outputs count", oneOf: Self.outputCounts)
        var outputs = [Output]()
        outputs.reserveCapacity(outputCount)
        let proofLength = TransferLayout.proofLength(outputs: outputCount)
        let pre = Self.predecodePoints(all, inputCount: inputCount, outputCount: outputCount, backend: backend)
        r.predecoded = pre.points
        for j in 0..<outputCount { outputs.append(try Output(reading: &r, field: "outputs[\(j)]")) }
        let fee = try r.u64("fee")
        let proofStart = r.offset + 2
        let proofBytes = try r.lengthPrefixed("range_proof", allowed: proofLength...proofLength)
        let proof = try Self.decodeRangeProof(proofBytes, decoded: proofStart == pre.proofStart ? pre.proof : nil,
                                              backend: backend)
        let auditorSection = try AuditorSection(reading: &r, outputs: outputCount)
        let excess = try Self.decodeKey(try r.raw(32, "excess"), field: "excess", decoded: pre.points[r.offset - 32])
        let balanceMessageLength = r.offset
        let balanceSignature = try Self.decodeSignature(try r.raw(64, "balance_signature"), field: "balance_signature",
                                                        decodedR: pre.points[r.offset - 64])
        let sender = try Self.decodeKey(try r.raw(32, "sender"), field: "sender", decoded: pre.points[r.offset - 32])
        guard !sender.point.isIdentity else { throw .identityPoint(field: "sender") }
        let authorizationMessageLength = r.offset
        let authorization = try Self.decodeSignature(try r.raw(64, "authorization"), field: "authorization",
                                                     decodedR: pre.points[r.offset - 64])
        try r.finish()
        self.chainID = chainID
        self.inputs = inputs
        self.outputs = outputs
        self.fee = fee
        rangeProof = proof
        self.auditorSection = auditorSection
        excessKey = excess
        self.balanceSignature = balanceSignature
        senderKey = sender
        self.authorization = authorization
        bytes = all
        id = TransferID(uncheckedBytes: Hash.blake2b(all, outputLength: 32, key: Domain.key(Domain.transferID)))
        self.balanceMessageLength = balanceMessageLength
        self.authorizationMessageLength = authorizationMessageLength
    }

    /// Points decoded ahead of the field-by-field parse, keyed by their offset in the
    /// encoding (each with its encoding, which every use compares with the bytes it reads).
    struct Predecoded {
        /// The outputs' points and the four after the proof (excess, balance R, sender,
        /// authorization R), by offset.
        var points: [Int: (encoding: ArraySlice<UInt8>, point: RistrettoPoint)] = [:]
        var proofStart = -1
        var proof: [RistrettoPoint?]? = nil
    }

    /// Decodes every point of a transfer of the expected length with one
    /// `RistrettoPoint.decodeBatch` (the square roots eight at a time where the CPU
    /// allows): the outputs' owner, commitment and ephemeral key, the range proof's
    /// points, the excess, the sender and both signatures' R. The parse that follows uses
    /// these results where the bytes match and decodes anything else itself, so errors and
    /// their order are those of decoding field by field.
    static func predecodePoints(_ all: [UInt8], inputCount: Int, outputCount: Int, backend: Backend) -> Predecoded {
        var pre = Predecoded()
        let sectionStart = TransferLayout(inputs: inputCount, outputs: outputCount, auditors: 0).auditorSection
        guard sectionStart < all.count else { return pre }
        let auditorCount = Int(all[sectionStart])
        guard auditorCount <= Auditing.maxAuditors else { return pre }
        let layout = TransferLayout(inputs: inputCount, outputs: outputCount, auditors: auditorCount)
        guard all.count == layout.length else { return pre }
        guard let proofSlices = RangeProof.pointSlices(Array(all[layout.proof..<layout.auditorSection])) else { return pre }
        var offsets: [Int] = []
        for j in 0..<outputCount {
            let o = layout.output(j)
            offsets += [o, o + 32, o + 64]          // owner, commitment, memo's ephemeral key
        }
        offsets += AuditorSection.pointOffsets(start: layout.auditorSection, auditors: auditorCount, outputs: outputCount)
        // Excess, balance R, sender, authorization R.
        let tailOffsets = [layout.excess, layout.balanceSignature, layout.sender, layout.authorization]
        let slices = offsets.map { all[$0..<($0 + 32)] } + proofSlices + tailOffsets.map { all[$0..<($0 + 32)] }
        let points = RistrettoPoint.decodeBatch(slices, backend: backend)
        let proofRange = offsets.count..<(offsets.count + proofSlices.count)
        pre.proofStart = layout.proof
        pre.proof = Array(points[proofRange])
        for (i, o) in zip(Array(0..<offsets.count) + Array(proofRange.upperBound..<points.count), offsets + tailOffsets) {
            if let p = points[i] { pre.points[o] = (slices[i], p) }
        }
        return pre
    }

    /// Maps the range-proof decoder's errors onto protocol errors naming the field.
    static func decodeRangeProof(_ bytes: [UInt8], decoded: [RistrettoPoint?]? = nil,
                                 backend: Backend = .portable) throws(ProtocolError) -> RangeProof {
        do { return try RangeProof(bytes: bytes, decoded: decoded, backend: backend) } catch {
            switch error {
            case let .nonCanonicalScalar(field): throw .nonCanonicalScalar(field: "range_proof.\(field)")
            case let .invalidPoint(field): throw .nonCanonicalPoint(field: "range_proof.\(field)")
            default: throw .invalidEncoding(field: "range_proof", reason: error.description)
            }
        }
    }

    /// Decodes a point that serves as a schnorrkel public key.
    static func decodeKey(_ bytes: [UInt8], field: String,
                          decoded: (encoding: ArraySlice<UInt8>, point: RistrettoPoint)? = nil) throws(ProtocolError) -> PublicKey {
        if let decoded, decoded.encoding.elementsEqual(bytes) { return PublicKey(bytes: bytes, decoded: decoded.point) }
        do { return try PublicKey(bytes: bytes) } catch { throw .nonCanonicalPoint(field: field) }
    }

    /// Maps the schnorrkel signature parser's errors onto protocol errors naming the field.
    static func decodeSignature(_ bytes: [UInt8], field: String,
                                decodedR: (encoding: ArraySlice<UInt8>, point: RistrettoPoint)? = nil)
        throws(ProtocolError) -> Signature {
        do { return try Signature(bytes: bytes, decodedR: decodedR) } catch {
            switch error {
            case .notMarkedSchnorrkel:
                throw .invalidEncoding(field: field, reason: "bit 7 of byte 63 (the schnorrkel marker) is clear")
            case .nonCanonicalScalar: throw .nonCanonicalScalar(field: "\(field).s")
            case .invalidPoint: throw .nonCanonicalPoint(field: "\(field).R")
            default: throw .invalidEncoding(field: field, reason: error.description)
            }
        }
    }

    public static func == (a: Transfer, b: Transfer) -> Bool { a.bytes == b.bytes }
}

/// The signing contexts of the protocol (docs/PROTOCOL.md §2). The messages they sign
/// start with the object's chain id, so each signature is bound to one ledger.
enum Contexts {
    static let authorization = SigningContext(bytes: Array(Domain.authorizationContext.utf8))
    static let balance = SigningContext(bytes: Array(Domain.balanceContext.utf8))
    static let mint = SigningContext(bytes: Array(Domain.mintContext.utf8))
    static let redemption = SigningContext(bytes: Array(Domain.redemptionContext.utf8))
    static let authority = SigningContext(bytes: Array(Domain.authorityContext.utf8))

    /// The transcript a transfer's range proof starts from: the label, then the chain id.
    static func rangeProofTranscript(chain: ChainID) -> Transcript {
        var t = Transcript(label: Domain.rangeProofTranscript)
        t.appendMessage("chain-id", chain.bytes)
        return t
    }
}

// MARK: JSON

extension Transfer {
    /// The JSON form, mirroring the binary layout field by field:
    /// `{"version", "chain_id": hex, "inputs": [hex], "outputs": [{owner, commitment, memo}], "fee": "decimal",
    /// "range_proof": hex, "auditors": {"ephemeral_keys": [hex], "outputs": [{"handles": [{"handle": hex,
    /// "ciphertext": hex}], "proof": hex}]}, "excess": hex, "balance_signature": hex, "sender": hex,
    /// "authorization": hex}`; `proof` is T1 ‖ T2s ‖ z_v ‖ z_r.
    public var json: JSONValue {
        .object([
            JSONMember("version", .int(Int(Self.version))),
            JSONMember("chain_id", .hex(chainID.bytes)),
            JSONMember("inputs", .array(inputs.map { .hex($0.bytes) })),
            JSONMember("outputs", .array(outputs.map(\.json))),
            JSONMember("fee", .u64(fee)),
            JSONMember("range_proof", .hex(rangeProof.bytes)),
            JSONMember("auditors", auditorSection.json),
            JSONMember("excess", .hex(excessKey.bytes)),
            JSONMember("balance_signature", .hex(balanceSignature.bytes)),
            JSONMember("sender", .hex(senderKey.bytes)),
            JSONMember("authorization", .hex(authorization.bytes)),
        ])
    }

    /// Decodes the JSON form: it is turned into the binary encoding field by field and
    /// then decoded by the binary decoder, so both forms accept exactly the same transfers.
    /// - Parameter backend: as for `init(bytes:backend:)`.
    /// - Throws: `invalidJSON` for JSON-level faults, else the binary decoder's errors.
    public init(json: JSONValue, backend: Backend = .portable) throws(ProtocolError) {
        var o = try JSONObjectReader(json, path: "$")
        let version = try o.int("version")
        guard version == Int(Self.version) else { throw .unknownVersion(object: "transfer", version: version) }
        let chain = try o.hex("chain_id", length: 32)
        let inputs = try o.array("inputs")
        let outputs = try o.array("outputs")
        guard Self.inputCounts.contains(inputs.count) else {
            throw .countOutOfRange(field: "inputs count", count: inputs.count, allowed: "1...16")
        }
        guard Self.outputCounts.contains(outputs.count) else {
            throw .countOutOfRange(field: "outputs count", count: outputs.count, allowed: "1, 2, 4, 8, 16")
        }
        var w = ByteWriter()
        w.u8(Self.objectType)
        w.u8(Self.version)
        w.raw(chain)
        w.u8(UInt8(inputs.count))
        for (i, v) in inputs.enumerated() {
            guard case let .string(s) = v, let b = ProtocolHex.decode(s), b.count == 32 else {
                throw .invalidJSON(field: "inputs[\(i)]", reason: "expected 32 bytes of lowercase hex")
            }
            w.raw(b)
        }
        w.u8(UInt8(outputs.count))
        for (j, v) in outputs.enumerated() {
            var out = try JSONObjectReader(v, path: "outputs[\(j)]")
            w.raw(try out.hex("owner", length: 32))
            w.raw(try out.hex("commitment", length: 32))
            w.raw(try out.hex("memo", length: Memo.encodedLength))
            try out.finish()
        }
        w.u64(try o.u64("fee"))
        let proof = try o.hex("range_proof")
        guard proof.count <= Int(UInt16.max) else {
            throw .invalidJSON(field: "range_proof", reason: "longer than any range proof")
        }
        w.lengthPrefixed(proof)
        try AuditorSection.writeJSON(try o.value("auditors"), outputs: outputs.count, to: &w)
        w.raw(try o.hex("excess", length: 32))
        w.raw(try o.hex("balance_signature", length: 64))
        w.raw(try o.hex("sender", length: 32))
        w.raw(try o.hex("authorization", length: 64))
        try o.finish()
        try self.init(bytes: w.bytes, backend: backend)
    }
}
