public import BatchVerify
import Merlin
public import Ristretto255
public import Schnorr
import Sodium

/// One output of a mint: amount and blinding are public, so the commitment is computed
/// by everyone (docs/PROTOCOL.md §7.5). Encoding: owner (32) ‖ amount u64 ‖ blinding (32,
/// canonical) ‖ memo (153).
public struct MintOutput: Sendable, Equatable {
    /// Encoded length.
    public static let encodedLength = 32 + 8 + 32 + Memo.encodedLength

    /// The recipient's spend key.
    public let owner: RistrettoPoint
    /// The public amount.
    public let amount: UInt64
    /// The public blinding.
    public let blinding: Scalar
    /// The memo (amount, blinding and text for the recipient's scanner).
    public let memo: EncryptedMemo

    /// amount·B + blinding·B~. The values are public, but the constant-time path costs
    /// little here and keeps variable-time code behind `vartime` names.
    public var commitment: RistrettoPoint { Pedersen.commit(amount: amount, blinding: blinding) }

    /// The output as it enters the ledger.
    public var output: Output {
        do { return try Output(owner: owner, commitment: commitment, memo: memo) } catch {
            preconditionFailure("a decoded mint output has a non-identity owner")
        }
    }

    func encode(to w: inout ByteWriter) {
        w.point(owner)
        w.u64(amount)
        w.scalar(blinding)
        w.raw(memo.bytes)
    }

    init(reading r: inout ByteReader, field: @autoclosure () -> String) throws(ProtocolError) {
        owner = try r.nonIdentityPoint(field() + ".owner")
        amount = try r.u64(field() + ".amount")
        blinding = try r.scalar(field() + ".blinding")
        memo = try EncryptedMemo(reading: &r, field: field() + ".memo")
    }

    init(owner: RistrettoPoint, amount: UInt64, blinding: Scalar, memo: EncryptedMemo) {
        self.owner = owner
        self.amount = amount
        self.blinding = blinding
        self.memo = memo
    }
}

/// New money, signed by the issuer whose key the ledger fixes at genesis
/// (docs/PROTOCOL.md §7.5).
///
///     type u8 = 2 ‖ version u8 = 2 ‖ chain id (32) ‖ serial u64
///     output count u8 (1...16) ‖ outputs (225 each)
///     issuer (32)                     ← the signature covers every byte before it
///     signature (64, schnorrkel, context "zkpay/mint/v2", generator B)
///
/// The serial makes otherwise equal mints distinct (the ledger refuses a second note
/// with the same id). The sum of the amounts must fit in a u64.
public struct Mint: Sendable, Equatable {
    /// The object type byte of a mint.
    public static let objectType: UInt8 = 2
    /// The version this implementation encodes and accepts.
    public static let version: UInt8 = 2
    /// Outputs per mint.
    public static let outputCounts = 1...16

    /// The ledger the mint is for.
    public let chainID: ChainID
    /// Issuer-chosen serial number.
    public let serial: UInt64
    /// The new notes' owners, amounts, blindings and memos.
    public let outputs: [MintOutput]
    /// The issuer's key.
    public let issuer: RistrettoPoint
    /// The issuer's signature.
    public let signature: Signature
    /// Σ amounts (fits in a u64, checked when decoding).
    public let total: UInt64
    /// The canonical encoding.
    public let bytes: [UInt8]

    /// The mint id: BLAKE2b-256 keyed "zkpay/mint-id/v2" of the encoding.
    public var id: MintID {
        MintID(uncheckedBytes: Hash.blake2b(bytes, outputLength: 32, key: Domain.key(Domain.mintID)))
    }

    /// The notes the mint creates.
    public var createdNotes: [Note] {
        let parent = id
        return outputs.enumerated().map { Note(id: NoteID(mint: parent, outputIndex: $0), output: $1.output) }
    }

    /// The signed message.
    public var signedMessage: ArraySlice<UInt8> { bytes[0..<(bytes.count - 64)] }

    /// Decodes the canonical encoding.
    /// - Throws: a `ProtocolError` naming the first bad field; `amountOverflow` if the
    ///   amounts add up past 2^64 − 1.
    public init(bytes data: some Collection<UInt8>) throws(ProtocolError) {
        let all = Array(data)
        var r = ByteReader(all)
        let type = try r.u8("type")
        guard type == Self.objectType else { throw .unexpectedObjectType(expected: "mint", found: Int(type)) }
        let version = try r.u8("version")
        guard version == Self.version else { throw .unknownVersion(object: "mint", version: Int(version)) }
        chainID = ChainID(uncheckedBytes: try r.raw(32, "chain_id"))
        serial = try r.u64("serial")
        let count = try r.count("outputs count", allowed: Self.outputCounts)
        var outputs: [MintOutput] = []
        var total: UInt64 = 0
        for j in 0..<count {
            let o = try MintOutput(reading: &r, field: "outputs[\(j)]")
            let (sum, overflow) = total.addingReportingOverflow(o.amount)
            guard !overflow else { throw .amountOverflow(field: "outputs") }
            total = sum
            outputs.append(o)
        }
        issuer = try r.nonIdentityPoint("issuer")
        signature = try Transfer.decodeSignature(try r.raw(64, "signature"), field: "signature")
        try r.finish()
        self.outputs = outputs
        self.total = total
        bytes = all
    }

    /// The signature's batch statement (s·B − c·issuer − R = 0).
    public func statement() -> Statement {
        PublicKey(point: issuer).statement(for: signature, Contexts.mint.bytes(signedMessage))
    }

    /// Verifies the mint against the ledger's issuer key, on `backend` (one the CPU runs).
    /// - Throws: `unexpectedIssuer` or `invalidMintSignature`.
    /// - Warning: Variable time; public data only.
    public func verifyVartime(issuer expected: RistrettoPoint, backend: Backend = .portable) throws(ProtocolError) {
        guard issuer == expected else { throw .unexpectedIssuer }
        guard statement().isSatisfiedVartime(backend: backend) else { throw .invalidMintSignature }
    }

    /// Creates and signs a mint with the CSPRNG.
    /// - Parameters:
    ///   - chain: the ledger's chain id (its genesis hash).
    ///   - serial: a number the issuer never reuses.
    ///   - payments: 1 to 16 outputs.
    ///   - issuer: the issuer's spend key.
    /// - Throws: `countOutOfRange`, `amountOverflow`, `memoTextTooLong`.
    public static func create(chain: ChainID, serial: UInt64, payments: [Payment], issuer: SpendKey)
        throws(ProtocolError) -> Mint {
        var rng = SecureRandomness()
        var signer = SecureSigner()
        return try create(chain: chain, serial: serial, payments: payments, issuer: issuer, rng: &rng, signer: &signer)
    }

    /// `create` with the randomness and signer supplied (fixtures and tests).
    package static func create(chain: ChainID, serial: UInt64, payments: [Payment], issuer: SpendKey,
                               rng: inout some RandomNumberGenerator, signer: inout some TransferSigner)
        throws(ProtocolError) -> Mint
    {
        guard outputCounts.contains(payments.count) else {
            throw .countOutOfRange(field: "outputs count", count: payments.count, allowed: "1...16")
        }
        var w = ByteWriter()
        w.u8(objectType)
        w.u8(version)
        w.raw(chain.bytes)
        w.u64(serial)
        w.u8(UInt8(payments.count))
        for p in payments {
            let blinding = Scalar(reducingWide: rng.bytes(64))
            let contents = try MemoContents(amount: p.amount, blinding: SecretScalar(blinding), text: p.text)
            let memo = EncryptedMemo.seal(contents, to: p.recipient.viewKey, owner: p.recipient.spendKey,
                                          commitment: contents.commitment, using: &rng)
            MintOutput(owner: p.recipient.spendKey, amount: p.amount, blinding: blinding, memo: memo).encode(to: &w)
        }
        w.point(issuer.publicKey)
        var nonceSeed = issuer.nonceSeed.withUnsafeBytes { Array($0) }
        defer { secureZero(&nonceSeed) }
        let message = w.bytes
        let signature = issuer.secret.withScalar { x in
            signer.sign(secret: x, nonceSeed: nonceSeed, publicKey: issuer.publicKey,
                        transcript: Contexts.mint.bytes(message), generator: .basepoint)
        }
        return try Mint(bytes: message + signature)
    }

    public static func == (a: Mint, b: Mint) -> Bool { a.bytes == b.bytes }
}

extension Mint {
    /// The JSON form: `{"version", "serial": "decimal", "outputs": [{owner, amount: "decimal",
    /// blinding, memo}], "issuer", "signature"}`; decoded through the binary decoder.
    public var json: JSONValue {
        .object([
            JSONMember("version", .int(Int(Self.version))),
            JSONMember("chain_id", .hex(chainID.bytes)),
            JSONMember("serial", .u64(serial)),
            JSONMember("outputs", .array(outputs.map { o in
                .object([JSONMember("owner", .hex(o.owner.encoding)), JSONMember("amount", .u64(o.amount)),
                         JSONMember("blinding", .hex(o.blinding.bytes)), JSONMember("memo", .hex(o.memo.bytes))])
            })),
            JSONMember("issuer", .hex(issuer.encoding)),
            JSONMember("signature", .hex(signature.bytes)),
        ])
    }

    /// Decodes the JSON form.
    public init(json: JSONValue) throws(ProtocolError) {
        var o = try JSONObjectReader(json, path: "$")
        let version = try o.int("version")
        guard version == Int(Self.version) else { throw .unknownVersion(object: "mint", version: version) }
        var w = ByteWriter()
        w.u8(Self.objectType)
        w.u8(Self.version)
        w.raw(try o.hex("chain_id", length: 32))
        w.u64(try o.u64("serial"))
        let outputs = try o.array("outputs")
        guard Self.outputCounts.contains(outputs.count) else {
            throw .countOutOfRange(field: "outputs count", count: outputs.count, allowed: "1...16")
        }
        w.u8(UInt8(outputs.count))
        for (j, v) in outputs.enumerated() {
            var out = try JSONObjectReader(v, path: "outputs[\(j)]")
            w.raw(try out.hex("owner", length: 32))
            w.u64(try out.u64("amount"))
            w.raw(try out.hex("blinding", length: 32))
            w.raw(try out.hex("memo", length: Memo.encodedLength))
            try out.finish()
        }
        w.raw(try o.hex("issuer", length: 32))
        w.raw(try o.hex("signature", length: 64))
        try o.finish()
        try self.init(bytes: w.bytes)
    }
}
